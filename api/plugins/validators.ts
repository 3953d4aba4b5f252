import AjvCompiler from '@fastify/ajv-compiler';
import type { FastifyServerOptions } from 'fastify';

type BuildValidator = NonNullable<
  NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>['buildValidator']
>;

/**
 * Fastify's validators with one difference: a JSON API body (`/v1/...`) is validated as
 * sent, without type coercion. Coercion is right for the query string and path, which are
 * text (`?limit=5`), but in a JSON body it would take `"name": false` for the text
 * "false" and `"ownerEmail": ""` for null: a request the OpenAPI document forbids would be
 * accepted. Console forms and form-encoded webhooks are text too and keep coercion.
 */
export const buildValidator: BuildValidator = (externalSchemas, options) => {
  const pool = AjvCompiler();
  const coercing = pool(externalSchemas, options);
  const exact = pool(externalSchemas, {
    ...options,
    customOptions: { ...options?.customOptions, coerceTypes: false },
  } as Parameters<typeof pool>[1]);
  return (route) => {
    const url = route.url ?? '';
    return route.httpPart === 'body' && url.startsWith('/v1/') && !url.startsWith('/v1/webhooks/crm/zoho')
      ? exact(route)
      : coercing(route);
  };
};
