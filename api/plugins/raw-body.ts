import type { FastifyInstance } from 'fastify';
import { HttpError } from '../http-errors.ts';

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
  scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const raw = body as Buffer;
    request.rawBody = raw;
    try {
      done(null, raw.length === 0 ? undefined : JSON.parse(raw.toString('utf8')));
    } catch {
      done(new HttpError(400, 'malformed', 'the body is not valid JSON'), undefined);
    }
  });
}
