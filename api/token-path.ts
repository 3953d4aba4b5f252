import Type from 'typebox';

/**
 * The path parameter of routes that carry a signed token (`/u/*`, `/t/o/*`, `/t/c/*`). A
 * wildcard, not `:token`: the router refuses parameters over 100 characters
 * (`maxParamLength`) and every token is longer; verifyToken bounds it (4096).
 */
export const TokenPath = Type.Object({ '*': Type.String() });

/** The token in such a path; a trailing slash (the app ignores them) is not part of it. */
export const tokenIn = (params: { '*': string }): string => params['*'].replace(/\/$/, '');

// The routes whose path is a bearer token: whoever reads the path can use the link.
const TOKEN_PATH = /^(\/u\/|\/t\/o\/|\/t\/c\/)[^?#]*/;

/**
 * A request URL as the request log may keep it: the token of `/u/…`, `/t/o/…` and
 * `/t/c/…` replaced, for a token unsubscribes its lead or vouches for a click, and logs
 * are read and shipped by more people than should hold that power.
 */
export const redactTokenPath = (url: string): string => url.replace(TOKEN_PATH, '$1[redacted]');
