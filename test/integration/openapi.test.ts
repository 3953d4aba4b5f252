import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServices } from '../support/services.ts';

describe('the API description', () => {
  let app: FastifyInstance;
  const stops: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    const services = await startTestServices({ worker: false });
    app = services.app;
    stops.push(services.stop);
  });
  afterAll(async () => {
    for (const stop of stops) await stop();
  });

  it('serves an OpenAPI 3.1 document of every DESIGN route, without a key', async () => {
    const res = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json<{ openapi: string; paths: Record<string, Record<string, { requestBody?: unknown }>> }>();
    expect(doc.openapi).toBe('3.1.0');
    const routes = [
      ['get', '/healthz'], ['get', '/readyz'],
      ['post', '/v1/leads'], ['get', '/v1/leads/{id}'], ['get', '/v1/leads/{id}/timeline'],
      ['post', '/v1/events'], ['post', '/v1/webhooks/crm/generic'],
      ['get', '/v1/cadences'], ['get', '/v1/cadences/{key}'], ['put', '/v1/cadences/{key}'],
      ['get', '/v1/templates/{key}'], ['put', '/v1/templates/{key}'], ['post', '/v1/templates/{key}/preview'],
      ['get', '/v1/dm-tasks'], ['post', '/v1/dm-tasks/{id}/complete'], ['get', '/v1/dm-tasks.csv'],
      ['get', '/v1/escalations'], ['post', '/v1/escalations/{id}/ack'],
      ['get', '/v1/reports/capacity'], ['get', '/v1/reports/pipeline'],
      ['post', '/v1/leads/import'], ['post', '/v1/webhooks/crm/zoho'], ['post', '/v1/webhooks/crm/hubspot'],
    ];
    for (const [method, path] of routes) expect(doc.paths[path as string]?.[method as string], `${method} ${path}`).toBeDefined();
    // The console's pages are for people, not part of the API's document.
    const consolePaths = ['/', '/sign-in', '/sign-out', '/leads', '/leads/{id}', '/cadences', '/templates', '/dm-tasks', '/inbox', '/pipeline', '/outbox', '/assets/{name}'];
    expect(Object.keys(doc.paths).filter((path) => consolePaths.includes(path))).toEqual([]);
    // The lead body is described from the route's schema, not by hand.
    expect(JSON.stringify(doc.paths['/v1/leads']?.post?.requestBody)).toContain('postalAddress');
  });

  it('serves the docs page from the package, no CDN', async () => {
    const res = await app.inject({ method: 'GET', url: '/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('swagger-ui');
    expect(res.body).not.toMatch(/https?:\/\/(?!localhost)[a-z0-9.-]+\/[^"']*\.(js|css)/);
  });
});
