import type { Client } from '@temporalio/client';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leadWorkflowId } from '../../domain/lead.ts';
import { startHostileInputSuite } from './bad-input/fixtures.ts';
import { ROWS } from './bad-input/index.ts';
import type { Fixtures, Row } from './bad-input/table.ts';
import { expectErrorFormat } from '../support/error-format.ts';
import {
  settlePool,
  settleWorkflowCount,
  snapshotState,
  type StateSnapshot,
  type TemporalCommand,
} from '../support/state-snapshot.ts';

// Every route the app registers, with every kind of bad input that applies to it (the
// table in bad-input/): the right 4xx in the error format, never a 5xx, and nothing changed
// in PostgreSQL or Temporal. Hostile text that is legitimate data is stored verbatim.

describe('bad input, route by route', () => {
  let app: FastifyInstance;
  let pool: pg.Pool;
  let client: Client;
  let taskQueue: string;
  let f: Fixtures;
  let commands: TemporalCommand[];
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ app, pool, client, taskQueue, f, commands, stop } = await startHostileInputSuite());
  });
  afterAll(async () => stop());

  it('has rows for every route the app registers, and none for a route it does not', async () => {
    await app.ready();
    const all = app.registeredRoutes();
    // HEAD twins of GET routes answer as their GET does.
    const registered = new Set(
      all
        .filter((r) => r.method !== 'HEAD' || !all.some((g) => g.method === 'GET' && g.url === r.url))
        .map((r) => `${r.method} ${r.url}`),
    );
    const tabled = new Set(ROWS.map((row) => row.route).filter((route) => route !== 'unknown'));
    expect(
      [...registered].filter((route) => !tabled.has(route)),
      'routes without a row in test/integration/bad-input/',
    ).toEqual([]);
    expect(
      [...tabled].filter((route) => !registered.has(route)),
      'rows for routes that do not exist',
    ).toEqual([]);
  });

  const snapshot = async (): Promise<StateSnapshot> => {
    // Every lead has its workflow: wait until visibility lists them all before counting.
    const leads = Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM leads')).rows[0]?.n);
    await settleWorkflowCount(client, taskQueue, leads);
    return snapshotState(pool, client, taskQueue, [leadWorkflowId(f.leadId)]);
  };

  const check = (row: Row, response: LightMyRequestResponse) => {
    const statuses = [row.status].flat();
    expect(response.statusCode, `${response.statusCode} ${response.body.slice(0, 500)}`).toSatisfy((status: number) =>
      statuses.includes(status),
    );
    if (response.statusCode >= 400 && !row.page) {
      const error = expectErrorFormat(response, row.code);
      for (const name of row.names ?? [])
        expect(JSON.stringify(error.details ?? error.message), `details name ${name}`).toContain(name);
    }
  };

  for (const row of ROWS) {
    it(`${row.route}: ${row.case}`, async () => {
      if (row.replay) {
        check(row, await app.inject(row.request(f)));
      }
      const before = await snapshot();
      const sent = commands.length;
      const response = await app.inject(row.request(f));
      // The tracking routes write after their reply: let those writes land first.
      await settlePool(pool);
      check(row, response);
      if (row.stored) await row.stored(f, response);
      // What the request asked of Temporal, known at once (visibility lags): nothing, or the
      // one signal or start the row names; and visibility is waited on until it shows the
      // starts it made, so a stray start is seen on this row, not blamed on the next or missed.
      const made = commands.slice(sent);
      const fixture = leadWorkflowId(f.leadId);
      if (row.temporal === 'signal') expect(made, 'Temporal calls').toEqual([`signal ${fixture}`]);
      else if (row.temporal === 'start') {
        expect(made, 'Temporal calls').toHaveLength(1);
        expect(made[0], 'Temporal calls').toMatch(/^start lead-/);
        expect(made[0], 'Temporal calls').not.toBe(`start ${fixture}`);
      } else expect(made, 'Temporal calls').toEqual([]);
      await settleWorkflowCount(
        client,
        taskQueue,
        before.workflows + made.filter((c) => c.startsWith('start ')).length,
      );
      const after = await snapshotState(pool, client, taskQueue, [fixture]);
      for (const table of row.changesOnly ?? []) {
        expect(after.tables[table], `${table} is a table`).toBeDefined();
        expect(after.tables[table], `${table} changed (else the row stores nothing)`).not.toBe(before.tables[table]);
        delete after.tables[table];
        delete before.tables[table];
      }
      if (row.temporal === 'signal') {
        expect(after.histories[fixture], 'the signal in the lead workflow').toBeGreaterThan(
          before.histories[fixture] ?? 0,
        );
        after.histories[fixture] = before.histories[fixture] ?? 0;
      }
      if (row.temporal === 'start') {
        expect(after.workflows, 'the new lead workflow').toBe(before.workflows + 1);
        after.workflows = before.workflows;
      }
      expect(after).toEqual(before);
    });
  }
});
