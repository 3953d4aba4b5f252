import type { FastifyInstance } from 'fastify';
import { strictJsonParser } from './json-body.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The body exactly as sent, for signature checks; set by {@link keepRawJsonBody}. */
    rawBody?: Buffer;
  }
}

/**
 * Makes the JSON parser of this scope keep the raw bytes: webhook signatures are computed
 * over the body as sent, which re-serialised JSON would not reproduce. Register inside an
 * encapsulated scope (the webhooks), not app-wide.
 */
export function keepRawJsonBody(scope: FastifyInstance): void {
  scope.removeContentTypeParser('application/json');
  const parse = strictJsonParser(scope, { emptyAsUndefined: true });
  scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    request.rawBody = body as Buffer;
    parse(request, body, done);
  });
}
