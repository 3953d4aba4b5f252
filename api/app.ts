import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import { consolePlugin } from '../console/plugin.ts';
import type { AppDependencies } from './dependencies.ts';
import { HttpError } from './http-errors.ts';
import { authPlugin } from './plugins/auth.ts';
import { errorHandlerPlugin, frameworkError } from './plugins/error-handler.ts';
import { jsonBodyPlugin } from './plugins/json-body.ts';
import { leadLogContextPlugin } from './plugins/lead-log-context.ts';
import { metricsPlugin } from './plugins/metrics.ts';
import { openApiPlugin } from './plugins/openapi.ts';
import { routeListPlugin } from './plugins/route-list.ts';
import { securityHeadersPlugin } from './plugins/security-headers.ts';
import { strictQuery } from './plugins/strict-query.ts';
import { buildValidator } from './plugins/validators.ts';
import { documentErrors } from './schemas.ts';
import { accountRoutes } from './routes/accounts.ts';
import { apiKeyRoutes } from './routes/api-keys.ts';
import { broadcastRoutes } from './routes/broadcasts.ts';
import { cadenceRoutes } from './routes/cadences.ts';
import { dmTaskRoutes } from './routes/dm-tasks.ts';
import { escalationRoutes } from './routes/escalations.ts';
import { eventRoutes } from './routes/events.ts';
import { healthRoutes } from './routes/health.ts';
import { leadActionRoutes } from './routes/lead-actions.ts';
import { leadReactivationRoutes } from './routes/lead-reactivation.ts';
import { leadEmailRoutes } from './routes/lead-emails.ts';
import { leadDealRoutes } from './routes/lead-deals.ts';
import { leadRoutes } from './routes/leads.ts';
import { leadExplainRoutes } from './routes/lead-explain.ts';
import { consentRoutes } from './routes/consent.ts';
import { leadImportRoutes } from './routes/leads-import.ts';
import { outboxRoutes } from './routes/outbox.ts';
import { reportRoutes } from './routes/reports.ts';
import { emailReportRoutes } from './routes/email-reports.ts';
import { emailTestRoutes } from './routes/email-tests.ts';
import { taskRoutes } from './routes/tasks.ts';
import { segmentRoutes } from './routes/segments.ts';
import { bulkActionRoutes } from './routes/bulk-actions.ts';
import { templateTestSendRoutes } from './routes/template-test-send.ts';
import { templateRoutes } from './routes/templates.ts';
import { trackingRoutes } from './routes/tracking.ts';
import { redactTokenPath } from './token-path.ts';
import { unsubscribeRoutes } from './routes/unsubscribe.ts';
import { genericWebhookRoutes } from './routes/webhooks-generic.ts';
import { hubspotWebhookRoutes } from './routes/webhooks-hubspot.ts';
import { mailWebhookRoutes } from './routes/webhooks-mail.ts';
import { inboundMailRoutes } from './routes/webhooks-inbound.ts';
import { zohoWebhookRoutes } from './routes/webhooks-zoho.ts';
import { zohoNotificationRoutes } from './routes/webhooks-zoho-notifications.ts';

/**
 * The logger options with request URLs redacted ({@link redactTokenPath}): Fastify logs
 * each request's URL, and the links in emails carry their token in the path.
 */
function withRedactedUrls(logger: FastifyServerOptions['logger']): Pick<FastifyServerOptions, 'logger'> {
  if (logger === undefined || logger === false) return {};
  const serializers = {
    req: (request: FastifyRequest) => ({
      method: request.method,
      url: redactTokenPath(request.url),
      host: request.host,
      remoteAddress: request.ip,
      remotePort: request.socket.remotePort,
    }),
  };
  return {
    logger: logger === true ? { serializers } : { ...logger, serializers: { ...logger.serializers, ...serializers } },
  };
}

/**
 * Builds the API as a Fastify instance without listening, so `api/server.ts` serves it
 * and tests drive it with `inject()` against the same real services.
 */
export async function buildApp(deps: AppDependencies, options: FastifyServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    bodyLimit: 1024 * 1024,
    // Ids and keys are in the path; a trailing slash should not make a different route.
    routerOptions: { ignoreTrailingSlash: true },
    // An unknown field is a mistake to report (422 naming it), not something to drop
    // silently: `stag=deal` must not list every lead.
    // `x-document` states in the OpenAPI document a rule a handler checks (api/schemas.ts).
    ajv: { customOptions: { removeAdditional: false, keywords: ['x-document'] } },
    frameworkErrors: frameworkError,
    schemaController: { compilersFactory: { buildValidator } },
    ...options,
    ...withRedactedUrls(options.logger),
  }).withTypeProvider<TypeBoxTypeProvider>();

  // JSON only for now: a text/plain body must be refused (415), not parsed into a string.
  app.removeContentTypeParser('text/plain');
  await app.register(routeListPlugin);
  // First, so every answer gets them, whichever plugin or error handler sends it.
  await app.register(securityHeadersPlugin);
  // Every route's document lists the error statuses its place in the app gives it.
  app.addHook('onRoute', documentErrors({ authenticated: false }));
  await app.register(errorHandlerPlugin);
  await app.register(jsonBodyPlugin);
  await app.register(openApiPlugin);
  // Before every route, so its hooks time and count all of them.
  await app.register(metricsPlugin, {
    db: deps.db,
    temporal: deps.temporal,
    taskQueue: deps.config.temporalTaskQueue,
    metricsToken: deps.config.metricsToken,
  });
  await app.register(leadLogContextPlugin);
  // The console's session cookie is a second way to present an API key (see auth.ts).
  await app.register(cookie);
  await app.register(authPlugin, {
    adminApiKey: deps.config.adminApiKey,
    db: deps.db,
    authFailuresPerMinute: deps.config.authFailuresPerMinute,
  });
  await app.register(healthRoutes, deps);
  // Webhooks authenticate by their providers' signatures, not by API keys.
  await app.register(genericWebhookRoutes, deps);
  await app.register(zohoWebhookRoutes, { ...deps, zohoToken: deps.config.zohoWebhookToken });
  await app.register(zohoNotificationRoutes, deps);
  await app.register(hubspotWebhookRoutes, { ...deps, clientSecret: deps.config.hubspotClientSecret });
  await app.register(mailWebhookRoutes, {
    ...deps,
    secrets: {
      mailgunSigningKey: deps.config.mailgunWebhookSigningKey,
      sendgridPublicKey: deps.config.sendgridWebhookPublicKey,
    },
  });
  await app.register(inboundMailRoutes, {
    ...deps,
    secrets: {
      mailgunSigningKey: deps.config.mailgunWebhookSigningKey,
      sendgridPublicKey: deps.config.sendgridWebhookPublicKey,
    },
  });
  // Links in emails: no API key, the token signed with APP_SECRET is the authority
  // (without a secret no link can be valid, so there is nothing to serve).
  if (deps.config.appSecret !== undefined) {
    const appSecret = deps.config.appSecret;
    await app.register(unsubscribeRoutes, { ...deps, appSecret });
    await app.register(trackingRoutes, { ...deps, appSecret });
  }

  await app.register(async (authenticated) => {
    authenticated.addHook('onRequest', authenticated.requireApiKey);
    authenticated.addHook('onRoute', strictQuery);
    authenticated.addHook('onRoute', documentErrors({ authenticated: true }));
    // Per key, after authentication: one integration's burst cannot starve the others.
    await authenticated.register(rateLimit, {
      hook: 'preHandler',
      max: deps.config.rateLimitPerMinute,
      timeWindow: 60_000,
      keyGenerator: (request) => request.caller?.keyId ?? request.ip,
      errorResponseBuilder: (_request, context) =>
        new HttpError(
          429,
          'rate_limited',
          `more than ${context.max} requests a minute for this key; retry in ${Math.ceil(context.ttl / 1000)} s`,
          undefined,
          { 'retry-after': String(Math.ceil(context.ttl / 1000)) },
        ),
    });
    await authenticated.register(apiKeyRoutes, deps);
    await authenticated.register(templateRoutes, deps);
    await authenticated.register(templateTestSendRoutes, deps);
    await authenticated.register(cadenceRoutes, deps);
    await authenticated.register(leadRoutes, deps);
    await authenticated.register(leadDealRoutes, deps);
    await authenticated.register(leadExplainRoutes, deps);
    await authenticated.register(consentRoutes, deps);
    await authenticated.register(leadImportRoutes, deps);
    await authenticated.register(leadActionRoutes, deps);
    await authenticated.register(leadReactivationRoutes, deps);
    await authenticated.register(leadEmailRoutes, deps);
    await authenticated.register(accountRoutes, deps);
    await authenticated.register(outboxRoutes, deps);
    await authenticated.register(eventRoutes, deps);
    await authenticated.register(escalationRoutes, deps);
    await authenticated.register(reportRoutes, deps);
    await authenticated.register(emailReportRoutes, deps);
    await authenticated.register(emailTestRoutes, deps);
    await authenticated.register(dmTaskRoutes, deps);
    await authenticated.register(taskRoutes, deps);
    await authenticated.register(broadcastRoutes, deps);
    await authenticated.register(segmentRoutes, deps);
    await authenticated.register(bulkActionRoutes, deps);
  });
  // The marketer's console at `/`: pages that call the routes above with the reader's session.
  await app.register(consolePlugin, {
    db: deps.db,
    secureCookies: deps.config.publicBaseUrl?.startsWith('https:') ?? false,
  });
  return app;
}
