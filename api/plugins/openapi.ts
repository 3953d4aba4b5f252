import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

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
          description: 'Leads, cadences, templates, events, CRM webhooks, DM tasks, escalations and reports. Errors: { "error": { "code", "message", "details"? } }.',
        },
        components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key: Authorization: Bearer <key>' } } },
        security: [{ apiKey: [] }],
      },
    });
    await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  },
  { name: 'openapi', dependencies: ['error-handler'] },
);
