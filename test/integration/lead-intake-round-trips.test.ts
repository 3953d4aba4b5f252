import type { Client } from '@temporalio/client';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInput } from '../../domain/errors.ts';
import { intakeLead } from '../../intake/lead-intake.ts';
import { countingPool } from '../support/counting-pool.ts';
import { startTestServices } from '../support/services.ts';

// Lead intake's statements before its workflow start (issue #14): the upsert, with the
// check that the cadence exists in the same statement, and the account assignment. The
// check used to be two reads before the upsert (the lead by address, then the cadence).
// Counted by handing intakeLead a Queryable that counts what it passes to the real pool.

describe('lead intake against PostgreSQL', () => {
  let pool: pg.Pool;
  let client: Client;
  let taskQueue: string;
  let stop: () => Promise<void>;
  let counted: ReturnType<typeof countingPool>;

  beforeAll(async () => {
    ({ pool, client, taskQueue, stop } = await startTestServices({ worker: false }));
    counted = countingPool(pool);
  });
  afterAll(async () => {
    await stop();
  });

  const intake = async (input: Parameters<typeof intakeLead>[3]) => {
    counted.reset();
    try {
      return { result: await intakeLead(counted.db, client, taskQueue, input), statements: counted.count() };
    } catch (error) {
      return { error, statements: counted.count() };
    }
  };
  const stored = async (email: string) =>
    (
      await pool.query<{ cadence_key: string; name: string | null }>(
        'SELECT cadence_key, name FROM leads WHERE lower(email) = lower($1)',
        [email],
      )
    ).rows;

  it('creates a lead on the default cadence in two statements: the guarded upsert and its account', async () => {
    const { result, statements: n } = await intake({ email: 'new@intake-example.jp', company: '株式会社イン' });
    expect(result?.created).toBe(true);
    expect(n).toBe(2);
    expect(await stored('new@intake-example.jp')).toEqual([{ cadence_key: 'default', name: null }]);
  });

  it('updates a lead without a cadence in one statement, whatever cadence it runs', async () => {
    // A lead whose cadence is gone (as a hand edit could leave it) can still be updated
    // when the request names no cadence: it keeps its own.
    await pool.query("INSERT INTO leads (email, cadence_key) VALUES ('kept@intake-example.jp', 'retired')");
    const { result, statements: n } = await intake({ email: 'KEPT@intake-example.jp', name: '保持' });
    expect(result?.created).toBe(false);
    expect(n).toBe(1);
    expect(await stored('kept@intake-example.jp')).toEqual([{ cadence_key: 'retired', name: '保持' }]);
  });

  it('refuses a cadence that does not exist, new lead or not, and writes nothing', async () => {
    const before = await pool.query('SELECT count(*) FROM leads');
    const refusedNew = await intake({ email: 'ghost@intake-example.jp', cadence: 'no-such-cadence' });
    expect(refusedNew.error).toBeInstanceOf(InvalidInput);
    expect((refusedNew.error as InvalidInput).details).toEqual([
      { path: '/cadence', message: expect.stringContaining('"no-such-cadence" does not exist') as string },
    ]);
    expect(refusedNew.statements).toBe(1);
    const refusedMove = await intake({ email: 'kept@intake-example.jp', cadence: 'no-such-cadence', name: '別名' });
    expect(refusedMove.error).toBeInstanceOf(InvalidInput);
    expect(await stored('kept@intake-example.jp')).toEqual([{ cadence_key: 'retired', name: '保持' }]);
    expect((await pool.query('SELECT count(*) FROM leads')).rows).toEqual(before.rows);
  });

  it('refuses a new lead when the default cadence itself is missing', async () => {
    await pool.query("UPDATE cadences SET key = 'default-moved' WHERE key = 'default'");
    try {
      const refused = await intake({ email: 'orphan@intake-example.jp' });
      expect(refused.error).toBeInstanceOf(InvalidInput);
      expect(await stored('orphan@intake-example.jp')).toEqual([]);
    } finally {
      await pool.query("UPDATE cadences SET key = 'default' WHERE key = 'default-moved'");
    }
  });
});
