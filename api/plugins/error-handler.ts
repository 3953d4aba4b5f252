import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { InvalidInput } from '../../domain/errors.ts';
import { asDependencyError } from '../dependency-errors.ts';
import { HttpError, type ErrorBody } from '../http-errors.ts';

// Fastify's own client errors, by code, with the answer DESIGN section 4 gives them.
const FASTIFY_CLIENT_ERRORS: Record<string, { status: number; code: string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported_media_type' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'body_too_large' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'malformed' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'malformed' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'malformed' },
  FST_ERR_CTP_EMPTY_TYPE: { status: 415, code: 'unsupported_media_type' },
  FST_ERR_CTP_INVALID_TYPE: { status: 415, code: 'unsupported_media_type' },
};

const body = (code: string, message: string, details?: unknown): ErrorBody => ({
  error: details === undefined ? { code, message } : { code, message, details },
});

/**
 * Fastify's `frameworkErrors`: errors its router raises before any handler (a path
 * parameter over `maxParamLength`, a URL that does not decode), in the one error format.
 * An over-long id can name nothing, so it is a 404 like any unknown id.
 */
export function frameworkError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH')
    void reply.code(404).send(body('not_found', 'no such record: a path parameter is longer than any id'));
  else void reply.code(400).send(body('malformed', 'the URL is not valid'));
}

/**
 * One error format for every failure: details for client errors, a bare message for
 * server errors (whose cause goes to the log, not to the client).
 */
export const errorHandlerPlugin = fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (error instanceof HttpError) {
        return reply
          .code(error.statusCode)
          .headers(error.headers)
          .send(body(error.code, error.message, error.details));
      }
      // Shared intake code throws domain errors, not HTTP ones: input it cannot take is a 422.
      if (error instanceof InvalidInput) return reply.code(422).send(body('invalid', error.message, error.details));
      if (error.validation) {
        const details = error.validation.map((v) => {
          // An unknown or missing field is named in the path, not only in the message.
          const field =
            v.keyword === 'additionalProperties'
              ? v.params.additionalProperty
              : v.keyword === 'required'
                ? v.params.missingProperty
                : undefined;
          const path = typeof field === 'string' ? `${v.instancePath}/${field}` : v.instancePath || '/';
          const message =
            v.keyword === 'additionalProperties'
              ? 'is not a known field'
              : v.keyword === 'required'
                ? 'is required'
                : (v.message ?? 'is invalid');
          return {
            path: `${error.validationContext === 'body' ? '' : `${error.validationContext ?? ''}:`}${path}`,
            message,
          };
        });
        // A body that is JSON but not of the route's shape is "semantically invalid": 422.
        return reply.code(422).send(body('invalid', 'the request does not match the expected shape', details));
      }
      const known = error.code === undefined ? undefined : FASTIFY_CLIENT_ERRORS[error.code];
      if (known) return reply.code(known.status).send(body(known.code, error.message));
      if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
        return reply.code(error.statusCode).send(body('bad_request', error.message));
      }
      const dependency = asDependencyError(error);
      if (dependency) {
        request.log.warn({ err: error }, 'dependency unavailable');
        return reply
          .code(dependency.statusCode)
          .headers(dependency.headers)
          .send(body(dependency.code, dependency.message));
      }
      request.log.error({ err: error }, 'unhandled error');
      return reply.code(500).send(body('internal', 'internal error'));
    });

    app.setNotFoundHandler((request, reply) =>
      reply.code(404).send(body('not_found', `no route ${request.method} ${request.url.split('?')[0] ?? ''}`)),
    );
  },
  { name: 'error-handler' },
);
