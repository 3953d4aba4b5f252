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
      ['get', '/healthz'],
      ['get', '/readyz'],
      ['post', '/v1/leads'],
      ['get', '/v1/leads/{id}'],
      ['get', '/v1/leads/{id}/timeline'],
      ['get', '/v1/leads/{id}/deals'],
      ['post', '/v1/events'],
      ['post', '/v1/webhooks/crm/generic'],
      ['get', '/v1/cadences'],
      ['get', '/v1/cadences/{key}'],
      ['put', '/v1/cadences/{key}'],
      ['get', '/v1/templates/{key}'],
      ['put', '/v1/templates/{key}'],
      ['post', '/v1/templates/{key}/preview'],
      ['get', '/v1/dm-tasks'],
      ['post', '/v1/dm-tasks/{id}/complete'],
      ['get', '/v1/dm-tasks.csv'],
      ['get', '/v1/escalations'],
      ['post', '/v1/escalations/{id}/ack'],
      ['get', '/v1/reports/capacity'],
      ['get', '/v1/reports/pipeline'],
      ['post', '/v1/leads/import'],
      ['post', '/v1/webhooks/crm/zoho'],
      ['post', '/v1/webhooks/crm/hubspot'],
    ];
    for (const [method, path] of routes)
      expect(doc.paths[path as string]?.[method as string], `${method} ${path}`).toBeDefined();
    // The console's pages are for people, not part of the API's document.
    const consolePaths = [
      '/',
      '/sign-in',
      '/sign-out',
      '/leads',
      '/leads/{id}',
      '/cadences',
      '/templates',
      '/dm-tasks',
      '/inbox',
      '/pipeline',
      '/outbox',
      '/assets/{name}',
    ];
    expect(Object.keys(doc.paths).filter((path) => consolePaths.includes(path))).toEqual([]);
    // The lead body is described from the route's schema, not by hand.
    expect(JSON.stringify(doc.paths['/v1/leads']?.post?.requestBody)).toContain('postalAddress');
  });

  it('gives every operation a response schema for each status it can answer, errors included', async () => {
    type Operation = {
      security?: unknown[];
      responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
    };
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<{
      paths: Record<string, Record<string, Operation>>;
    }>();
    const errorShape = (response: { content?: Record<string, { schema?: unknown }> } | undefined) =>
      JSON.stringify(response?.content?.['application/json']?.schema ?? null);
    // No API key: health checks, links in emails, webhooks (their own signatures) and
    // /metrics (scraped by Prometheus, with its own optional METRICS_TOKEN).
    const publicPaths = /^\/(healthz|readyz|metrics$|t\/o\/|t\/c\/|u\/|v1\/webhooks\/)/;
    const problems: string[] = [];
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const name = `${method.toUpperCase()} ${path}`;
        const responses = operation.responses ?? {};
        const statuses = Object.keys(responses);
        if (!statuses.some((s) => /^[23]/.test(s))) problems.push(`${name}: no success response`);
        for (const [status, response] of Object.entries(responses)) {
          if (response.content === undefined && status !== '302') problems.push(`${name} ${status}: no schema`);
        }
        // The errors every operation can give, in the error format.
        const required = ['400', '422', ...(['post', 'put', 'delete'].includes(method) ? ['413', '415'] : [])];
        const isPublic = publicPaths.test(path);
        if (!isPublic) required.push('401', '403', '429', '503');
        for (const status of required) {
          if (!statuses.includes(status)) problems.push(`${name}: no ${status}`);
          else if (!errorShape(responses[status]).includes('"error"'))
            problems.push(`${name} ${status}: not the error format`);
        }
        // A route that needs no key says so; every other one needs the bearer key.
        if (isPublic !== (Array.isArray(operation.security) && operation.security.length === 0))
          problems.push(`${name}: security is ${JSON.stringify(operation.security)}`);
      }
    }
    expect(problems).toEqual([]);
    // The particular answers stay declared beside their routes.
    expect(Object.keys(doc.paths['/v1/leads/{id}']?.get?.responses ?? {})).toContain('404');
    expect(Object.keys(doc.paths['/v1/leads/{id}/stage']?.post?.responses ?? {})).toContain('409');
    expect(Object.keys(doc.paths['/v1/webhooks/crm/hubspot']?.post?.responses ?? {})).toEqual(
      expect.arrayContaining(['401', '403']),
    );
  });

  it('states the rules handlers check themselves: time zones, durations, one of leadId and email, the cursor', async () => {
    const text = (await app.inject({ method: 'GET', url: '/openapi.json' })).body;
    const doc = JSON.parse(text) as {
      components: { schemas: { TimeZone: { enum: string[] } } };
      paths: Record<
        string,
        Record<
          string,
          {
            requestBody?: { content: Record<string, { schema: unknown }> };
            parameters?: { name: string; schema: { pattern?: string } }[];
          }
        >
      >;
    };
    expect(doc.components.schemas.TimeZone.enum).toContain('Asia/Tokyo');
    expect(text).not.toContain('x-document');
    const events = JSON.stringify(doc.paths['/v1/events']?.post?.requestBody);
    expect(events).toContain('"oneOf":[{"required":["leadId"]},{"required":["email"]}]');
    const cadence = JSON.stringify(doc.paths['/v1/cadences/{key}']?.put?.requestBody);
    expect(cadence).toContain('#/components/schemas/TimeZone');
    expect(cadence).not.toContain('"pattern":"^P"');
    const cursor = doc.paths['/v1/leads']?.get?.parameters?.find((p) => p.name === 'cursor');
    expect(
      new RegExp(cursor?.schema.pattern ?? '^$').test('2026-12-01T09:00:00.000Z_0492f8f4-d0c5-4bac-8fae-e5ebdc26b931'),
    ).toBe(true);
  });

  it('serves the docs page from the package, no CDN', async () => {
    const res = await app.inject({ method: 'GET', url: '/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('swagger-ui');
    expect(res.body).not.toMatch(/https?:\/\/(?!localhost)[a-z0-9.-]+\/[^"']*\.(js|css)/);
  });
});
