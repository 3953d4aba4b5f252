import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { TIME_ZONES } from '../../domain/time-zones.ts';
import { ERROR_STATUSES, withDocumentedRules } from '../schemas.ts';

/**
 * `GET /openapi.json` and `GET /docs`: the OpenAPI document generated from the schemas
 * every route declares, and Swagger UI served from the package itself (no CDN). Both are
 * public: they describe the API, they do not open it.
 */
export const openApiPlugin = fp(
  async (app: FastifyInstance) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Lead lifecycle engine',
          version: '0.1.0',
          description: [
            'Leads, cadences, templates, events, CRM webhooks, DM tasks, escalations and reports.',
            'Errors: { "error": { "code", "message", "details"? } }, with the statuses each operation lists:',
            ...Object.entries(ERROR_STATUSES).map(([status, meaning]) => `${status}: ${meaning}.`),
            'Text is UTF-8 text: a NUL (U+0000) or a lone UTF-16 surrogate in any string, key or query parameter is refused (422).',
          ].join(' '),
        },
        components: {
          securitySchemes: {
            apiKey: { type: 'http', scheme: 'bearer', description: 'An API key: Authorization: Bearer <key>' },
          },
          schemas: {
            TimeZone: {
              type: 'string',
              enum: [...TIME_ZONES],
              description: 'an IANA time zone (the canonical names; their aliases are accepted too)',
            },
          },
        },
        security: [{ apiKey: [] }],
      },
      // Rules a handler checks itself are stated in the document too (see DOCUMENTED).
      transform: ({ schema, url }) => ({ schema: withDocumentedRules(schema), url }),
    });
    await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  },
  { name: 'openapi', dependencies: ['error-handler'] },
);
