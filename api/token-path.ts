import Type from 'typebox';

/**
 * The path parameter of routes that carry a signed token (`/u/*`, `/t/o/*`, `/t/c/*`). A
 * wildcard, not `:token`: the router refuses parameters over 100 characters
 * (`maxParamLength`) and every token is longer; verifyToken bounds it (4096).
 */
export const TokenPath = Type.Object({ '*': Type.String() });

/** The token in such a path; a trailing slash (the app ignores them) is not part of it. */
export const tokenIn = (params: { '*': string }): string => params['*'].replace(/\/$/, '');
