import { Writable } from 'node:stream';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.ts';
import { auth, createTestDatabase, stack, testAppConfig, uniqueTaskQueue } from '../support/services.ts';

// The API's log lines about one lead name it (`leadId`) and its workflow (`workflowId`),
// as the worker's activity lines do, so one filter follows a lead through both processes.

describe('API logs about a lead', () => {
  let app: FastifyInstance;
  const lines: Record<string, unknown>[] = [];
  const stops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    const db = await createTestDatabase();
    const connection = await Connection.connect({ address: stack().temporalAddress });
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean))
          lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    app = await buildApp(
      {
        config: testAppConfig({ temporalTaskQueue: uniqueTaskQueue() }),
        db: db.pool,
        temporal: { client: new Client({ connection, namespace: 'default' }), connection },
      },
      { logger: { level: 'info', stream } },
    );
    stops.push(
      () => app.close(),
      () => connection.close(),
      db.drop,
    );
  });
  afterAll(async () => {
    for (const stop of stops) await stop();
  });

  /** The "request completed" line of the request `method url` (that line names no URL; its reqId does). */
  const completed = (method: string, url: string) => {
    const request = lines.find(
      (line) =>
        line.msg === 'incoming request' &&
        (line.req as { method: string }).method === method &&
        (line.req as { url: string }).url === url,
    );
    return lines.find((line) => line.msg === 'request completed' && line.reqId === request?.reqId);
  };

  it('puts leadId and workflowId on the completion line of a lead created, read and sent an event', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/v1/leads',
      headers: auth,
      payload: { email: 'logged@example.jp' },
    });
    expect(created.statusCode).toBe(201);
    const { id } = created.json<{ id: string }>();
    const expected = { leadId: id, workflowId: `lead-${id}` };
    await app.inject({ method: 'GET', url: `/v1/leads/${id}`, headers: auth });
    await app.inject({ method: 'POST', url: '/v1/events', headers: auth, payload: { leadId: id, type: 'web_visit' } });

    expect(completed('POST', '/v1/leads')).toMatchObject(expected);
    expect(completed('GET', `/v1/leads/${id}`)).toMatchObject(expected);
    expect(completed('POST', '/v1/events')).toMatchObject(expected);
  });

  it('names no lead on lines of requests about none', async () => {
    await app.inject({ method: 'GET', url: '/v1/cadences', headers: auth });
    const line = completed('GET', '/v1/cadences');
    expect(line).toBeDefined();
    expect(line).not.toHaveProperty('leadId');
  });
});
