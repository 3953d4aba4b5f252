import type { RouteOptions } from 'fastify';
import Type, { type TSchema } from 'typebox';

/** A key of a cadence or template, as it appears in URLs. */
export const KeyParams = Type.Object({
  key: Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z0-9][a-z0-9_-]*$' }),
});

/** A template key in a URL: a leading `_` names a shared partial or layout. */
export const TemplateKeyParams = Type.Object({
  key: Type.String({ minLength: 1, maxLength: 100, pattern: '^_?[a-z0-9][a-z0-9_-]*$' }),
});

/** An id in a URL. Its format is checked in the handler, so a malformed id answers 404 like an unknown one. */
export const IdParams = Type.Object({
  id: Type.String({ maxLength: 100, description: 'a UUID; anything else answers 404 like an unknown id' }),
});

/** A UUID in any case, the form of every id. */
export { UUID_PATTERN } from '../db/uuid.ts';

/** The error body, for response schemas and OpenAPI. */
export const ErrorSchema = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Unknown()) }),
});

/** Null, or a value of `schema`: every absent field of an answer is null, never missing. */
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** An instant as answers give it: ISO 8601 in UTC with milliseconds (`toISOString()`). */
export const Instant = (description?: string) =>
  Type.String({ format: 'date-time', ...(description === undefined ? {} : { description }) });

/** A `{path, message}` list: what `warnings` and the `details` of a 422 are made of. */
export const Problems = Type.Array(Type.Object({ path: Type.String(), message: Type.String() }));

/** A list answer. */
export const Items = <T extends TSchema>(item: T) => Type.Object({ items: Type.Array(item) });

/** The error statuses the API answers, each with what it means wherever no route says more. */
export const ERROR_STATUSES = {
  400: 'malformed: the URL, the JSON or its UTF-8 cannot be read',
  401: 'no API key, or one that is not valid',
  403: "the key's role may not call this route, or a signed-in browser's write lacks its CSRF token",
  404: 'no such record (a malformed or over-long id is answered alike)',
  409: 'the request conflicts with the current state; nothing was changed',
  413: 'the body is larger than the route accepts',
  415: "the body's Content-Type is not one the route reads",
  422: "the request does not match the route's shape or rules; `details` names each field ({path, message})",
  429: 'more requests a minute than the key may make; retry after Retry-After seconds',
  503: 'PostgreSQL or Temporal is unreachable; nothing was changed, retry after Retry-After seconds',
} as const;

/** A status of {@link ERROR_STATUSES}. */
export type ErrorStatus = keyof typeof ERROR_STATUSES;

/** The error body with what the status means for this route. */
export const errorResponse = (description: string) => Type.Object(ErrorSchema.properties, { description });

/**
 * Response schemas of error statuses, in the error format: a status alone takes the
 * meaning of {@link ERROR_STATUSES}, `[status, description]` says what it means here.
 */
export function errors(
  ...statuses: (ErrorStatus | [ErrorStatus, string])[]
): Record<number, ReturnType<typeof errorResponse>> {
  return Object.fromEntries(
    statuses.map((s) => {
      const [status, description] = Array.isArray(s) ? s : [s, ERROR_STATUSES[s]];
      return [status, errorResponse(description)];
    }),
  );
}

/** A non-JSON answer (a page, a CSV file, an image), documented by its media type. */
export const contentOf = (mediaType: string, description: string, schema: TSchema = Type.String()) => ({
  description,
  content: { [mediaType]: { schema } },
});

/** A route's `config` for {@link documentErrors}. */
export interface ResponseDocsConfig {
  /** False for routes that reach neither PostgreSQL nor Temporal: they cannot answer 503. */
  usesDependencies?: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** See {@link ResponseDocsConfig}. */
    usesDependencies?: boolean;
  }
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * An `onRoute` hook that adds the error statuses a route answers because of where and how
 * it is registered, so no route can forget them: 400 and 422 everywhere (a URL that does
 * not decode; query text that cannot be stored), 404 where the path has parameters (one
 * longer than any id), 413 and 415 where a body is read, 503 where PostgreSQL or Temporal
 * is used, and with `authenticated` 401, 403 and 429. A status the route declares itself
 * is kept. The statuses particular to a route (its 404, 409...) are declared beside it.
 */
export function documentErrors(options: { authenticated: boolean }): (route: RouteOptions) => void {
  return (route) => {
    const schema = (route.schema ??= {}) as { hide?: boolean; response?: Record<string, unknown> };
    if (schema.hide === true) return;
    const methods = [route.method].flat();
    const statuses: ErrorStatus[] = [400, 422];
    if (route.url.includes(':')) statuses.push(404);
    if (methods.some((m) => BODY_METHODS.has(m))) statuses.push(413, 415);
    if (route.config?.usesDependencies !== false) statuses.push(503);
    if (options.authenticated) statuses.push(401, 403, 429);
    const response = (schema.response ??= {});
    for (const [status, description] of Object.entries(errors(...statuses))) response[status] ??= description;
  };
}

/**
 * The keyword that carries, beside a request schema's validation rules, what the OpenAPI
 * document states instead: the rule a handler checks itself (so that its 422 names the
 * problem in the handler's words, all problems at once) expressed in JSON Schema. The
 * document's transform merges it in ({@link withDocumentedRules}); validation ignores it.
 */
export const DOCUMENTED = 'x-document';

/** A copy of a route schema with every {@link DOCUMENTED} rule merged into its node. */
export function withDocumentedRules<T>(schema: T): T {
  const copy = JSON.parse(JSON.stringify(schema ?? {})) as T;
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node !== null && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      const rule = record[DOCUMENTED];
      if (rule !== undefined) {
        delete record[DOCUMENTED];
        Object.assign(record, rule);
      }
      Object.values(record).forEach(walk);
    }
  };
  walk(copy);
  return copy;
}

/** A Japanese postal address as answers give it, in the order labels print it. */
export const PostalAddressSchema = Type.Object({
  postalCode: Type.String(),
  prefecture: Type.String(),
  city: Type.String(),
  line1: Type.String(),
  line2: Type.Optional(Type.String()),
});

/** Why a touch goes out when it does, in the reader's language (`Accept-Language`, ja or en). */
export const TouchReasons = Type.Array(
  Type.Object({
    code: Type.Enum([
      'outside_hours',
      'weekend',
      'holiday',
      'year_end_break',
      'frequency_cap',
      'min_gap',
      'paused',
      'guarantee',
      'cap_reserve',
      'fallback',
      'skipped',
      'sequence_end',
      'account_cap',
    ]),
    message: Type.String(),
  }),
);
