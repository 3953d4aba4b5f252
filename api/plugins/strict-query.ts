import type { RouteOptions } from 'fastify';

type Schema = Record<string, unknown>;

/**
 * An `onRoute` hook for API routes: a query parameter the route does not take is a 422
 * naming it, as an unknown body field is (`?stauts=all` must not list everything). Routes
 * without a querystring schema get an empty one.
 */
export function strictQuery(route: RouteOptions): void {
  const schema = (route.schema ??= {}) as { querystring?: Schema };
  schema.querystring = { type: 'object', properties: {}, ...schema.querystring, additionalProperties: false };
}
