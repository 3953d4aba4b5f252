import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, startTestServices } from '../support/services.ts';

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const CADENCE = {
  name: 'By role',
  nurture: { steps: [{ after: 'P1D', channel: 'email', template: 'nurture-intro' }] },
};

describe('API keys and roles', () => {
  let app: FastifyInstance;
  let pool: pg.Pool;
  const keys: Record<string, string> = {};
  const stops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    const services = await startTestServices({ worker: false });
    ({ app, pool } = services);
    stops.push(services.stop);
    for (const role of ['marketer', 'sales', 'integration']) {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: auth,
        payload: { name: `${role} key`, role },
      });
      expect(res.statusCode).toBe(201);
      keys[role] = res.json<{ key: string }>().key;
    }
  });
  afterAll(async () => {
    for (const stop of stops) await stop();
  });

  it('shows a key once and stores only its digest', async () => {
    const list = (await app.inject({ method: 'GET', url: '/v1/api-keys', headers: auth })).json<{
      items: Record<string, unknown>[];
    }>().items;
    expect(list).toHaveLength(3);
    expect(JSON.stringify(list)).not.toContain(keys.marketer);
    const rows = await pool.query<{ text: string }>('SELECT row_to_json(k)::text AS text FROM api_keys k');
    for (const key of Object.values(keys)) expect(rows.rows.map((r) => r.text).join()).not.toContain(key);
  });

  it('lets a marketer run cadences but not manage keys', async () => {
    expect(
      (
        await app.inject({
          method: 'PUT',
          url: '/v1/cadences/by-role',
          headers: bearer(keys.marketer as string),
          payload: CADENCE,
        })
      ).statusCode,
    ).toBe(201);
    const denied = await app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: bearer(keys.marketer as string),
      payload: { name: 'x', role: 'admin' },
    });
    expect(denied.statusCode).toBe(403);
    expect(denied.json()).toMatchObject({ error: { code: 'forbidden' } });
  });

  it('lets sales work escalations and read the pipeline, and refuses cadence edits without storing them', async () => {
    const sales = bearer(keys.sales as string);
    expect((await app.inject({ method: 'GET', url: '/v1/escalations', headers: sales })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/v1/reports/pipeline', headers: sales })).statusCode).toBe(200);
    expect(
      (await app.inject({ method: 'GET', url: '/v1/reports/capacity?dailyActivities=5&reps=2', headers: sales }))
        .statusCode,
    ).toBe(403);
    const edit = await app.inject({ method: 'PUT', url: '/v1/cadences/sales-edit', headers: sales, payload: CADENCE });
    expect(edit.statusCode).toBe(403);
    expect((await pool.query("SELECT 1 FROM cadences WHERE key = 'sales-edit'")).rowCount).toBe(0);
  });

  it('lets an integration create leads and events, and read a lead back, but nothing else', async () => {
    const integration = bearer(keys.integration as string);
    const created = await app.inject({
      method: 'POST',
      url: '/v1/leads',
      headers: integration,
      payload: { email: 'from-crm@example.jp' },
    });
    expect(created.statusCode).toBe(201);
    expect(
      (await app.inject({ method: 'GET', url: `/v1/leads/${created.json<{ id: string }>().id}`, headers: integration }))
        .statusCode,
    ).toBe(200);
    expect(
      (
        await app.inject({
          method: 'PUT',
          url: '/v1/templates/x',
          headers: integration,
          payload: { subject: 's', mjml: '<mjml><mj-body></mj-body></mjml>' },
        })
      ).statusCode,
    ).toBe(403);
    expect((await app.inject({ method: 'GET', url: '/v1/escalations', headers: integration })).statusCode).toBe(403);
  });

  it('stops a revoked key at once', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: auth,
      payload: { name: 'temporary', role: 'marketer' },
    });
    const { id, key } = created.json<{ id: string; key: string }>();
    expect((await app.inject({ method: 'GET', url: '/v1/cadences', headers: bearer(key) })).statusCode).toBe(200);
    expect((await app.inject({ method: 'DELETE', url: `/v1/api-keys/${id}`, headers: auth })).json()).toMatchObject({
      revokedAt: expect.any(String),
    });
    expect((await app.inject({ method: 'GET', url: '/v1/cadences', headers: bearer(key) })).statusCode).toBe(401);
  });
});

describe('per-key rate limiting', () => {
  let app: FastifyInstance;
  const stops: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    const services = await startTestServices({ worker: false, config: { rateLimitPerMinute: 3 } });
    app = services.app;
    stops.push(services.stop);
  });
  afterAll(async () => {
    for (const stop of stops) await stop();
  });

  it('answers 429 with Retry-After in the error format once a key is over its limit', async () => {
    for (let i = 0; i < 3; i++)
      expect((await app.inject({ method: 'GET', url: '/v1/cadences', headers: auth })).statusCode).toBe(200);
    const limited = await app.inject({ method: 'GET', url: '/v1/cadences', headers: auth });
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.json()).toMatchObject({ error: { code: 'rate_limited' } });
    // Public routes are not counted against keys.
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });
});
