import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.ts';
import { createPool } from '../../db/pool.ts';
import { freePort } from '../../stack/free-port.ts';
import { auth, createTestDatabase, startTestApp, testAppConfig, uniqueTaskQueue } from '../support/services.ts';

// Nothing listens on these ports: the API must answer 503 with Retry-After, never 500.
describe('when PostgreSQL or Temporal is unreachable', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  let temporalDown: Awaited<ReturnType<typeof buildApp>>;
  let databaseDown: Awaited<ReturnType<typeof buildApp>>;
  let pool: Awaited<ReturnType<typeof createTestDatabase>>['pool'];

  beforeAll(async () => {
    const db = await createTestDatabase();
    pool = db.pool;
    const deadTemporal = Connection.lazy({ address: `127.0.0.1:${await freePort()}`, connectTimeout: 1000 });
    temporalDown = await buildApp({
      config: testAppConfig({ temporalTaskQueue: 'q' }),
      db: pool,
      temporal: { client: new Client({ connection: deadTemporal }), connection: deadTemporal },
    });
    const deadPool = createPool(`postgres://nobody:nothing@127.0.0.1:${await freePort()}/none`);
    databaseDown = await buildApp({
      config: testAppConfig({ temporalTaskQueue: 'q' }),
      db: deadPool,
      temporal: { client: new Client({ connection: deadTemporal }), connection: deadTemporal },
    });
    cleanups.push(
      () => temporalDown.close(),
      () => databaseDown.close(),
      () => deadPool.end(),
      db.drop,
    );
  });

  it('answers 503 with Retry-After when Temporal cannot take the workflow start, and the same request succeeds once it is back', async () => {
    const res = await temporalDown.inject({
      method: 'POST',
      url: '/v1/leads',
      headers: auth,
      payload: { email: 'later@example.jp' },
    });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.json()).toMatchObject({ error: { code: 'temporal_unavailable' } });

    const live = await startTestApp({ pool, taskQueue: uniqueTaskQueue() });
    cleanups.push(live.close);
    const retried = await live.app.inject({
      method: 'POST',
      url: '/v1/leads',
      headers: auth,
      payload: { email: 'later@example.jp' },
    });
    expect(retried.statusCode).toBe(200);
    const description = await live.client.workflow
      .getHandle(retried.json<{ workflowId: string }>().workflowId)
      .describe();
    expect(description.status.name).toBe('RUNNING');
  });

  it('answers 503 with Retry-After when PostgreSQL is down', async () => {
    const res = await databaseDown.inject({ method: 'GET', url: '/v1/cadences', headers: auth });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.json()).toMatchObject({ error: { code: 'database_unavailable' } });
  });

  it("shows the console's sign-in and signed-in pages as 503 pages, not 500s, when PostgreSQL is down", async () => {
    const form = await databaseDown.inject({ method: 'GET', url: '/sign-in' });
    const cookie = form.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1] ?? '';
    const signIn = await databaseDown.inject({
      method: 'POST',
      url: '/sign-in',
      headers: { cookie },
      payload: { key: 'lle_some-key', _csrf: csrf },
    });
    expect(signIn.statusCode).toBe(503);
    expect(signIn.headers['retry-after']).toBe('5');
    expect(signIn.headers['content-type']).toContain('text/html');
    const page = await databaseDown.inject({
      method: 'GET',
      url: '/leads',
      headers: { cookie: 'lle_session=some-session-id' },
    });
    expect(page.statusCode).toBe(503);
  });

  it('reports which dependency is down at /readyz', async () => {
    const res = await temporalDown.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'unavailable', checks: { database: 'ok', temporal: 'unavailable' } });
    const res2 = await databaseDown.inject({ method: 'GET', url: '/readyz' });
    expect(res2.json()).toMatchObject({ checks: { database: 'unavailable' } });
  });
});
