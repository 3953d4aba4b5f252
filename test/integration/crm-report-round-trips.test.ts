import type { Client } from '@temporalio/client';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CrmEvent } from '../../crm/events.ts';
import { applyCrmChange, applyCrmEvent } from '../../intake/crm-events.ts';
import { countingPool } from '../support/counting-pool.ts';
import { startTestServices } from '../support/services.ts';

// A deal or contract event's statements (issue #14): the lead by address, then one
// transaction holding the record's row across the signal: the receipt check with the
// lock (one function call), the new state with the receipt (one statement). It was nine:
// a receipt check beside the look-up, then the check again, the insert of a new record and
// the lock, the state and the receipt apart. Counted through the real pool and the clients
// it lends.

describe('CRM deal reports against PostgreSQL', () => {
  let pool: pg.Pool;
  let client: Client;
  let taskQueue: string;
  let stop: () => Promise<void>;
  let counted: ReturnType<typeof countingPool>;
  const email = 'report@crm-example.jp';

  beforeAll(async () => {
    ({ pool, client, taskQueue, stop } = await startTestServices({ worker: false }));
    counted = countingPool(pool);
    await pool.query("INSERT INTO leads (email, cadence_key) VALUES ($1, 'default')", [email]);
  });
  afterAll(async () => {
    await stop();
  });

  const deps = () => ({ db: counted.db, temporal: client, taskQueue });
  const dealEvent = (id: string, amount: number): CrmEvent => {
    // The generic deal fields, validated by the route's schema before they get here.
    const data = { email, dealId: 'rt-1', stage: 'Proposal', amount };
    return { id, type: 'deal.stage_changed', occurredAt: new Date().toISOString(), data };
  };
  const apply = async (event: CrmEvent) => {
    counted.reset();
    const result = await applyCrmEvent(deps(), 'generic', event);
    return { result, statements: counted.count() };
  };
  const record = async (recordId: string) =>
    (
      await pool.query<{ state: { fields: Record<string, unknown> } }>(
        "SELECT state FROM crm_records WHERE provider = 'generic' AND record_id = $1",
        [recordId],
      )
    ).rows.map((r) => r.state.fields);
  const receipt = async (id: string) =>
    (await pool.query("SELECT 1 FROM webhook_receipts WHERE provider = 'generic' AND event_id = $1", [id])).rowCount;

  it('applies a new deal in five statements: the look-up, then begin, lock, state with receipt, commit', async () => {
    const { result, statements } = await apply(dealEvent('rt-a', 100_000));
    expect(result).toMatchObject({ duplicate: false, events: ['deal.stage_changed'] });
    expect(statements).toBe(5);
    expect(await record('deal:rt-1')).toEqual([expect.objectContaining({ stage: 'Proposal', amount: 100_000 })]);
    expect(await receipt('rt-a')).toBe(1);
  });

  it('applies a change of a known deal in as many', async () => {
    const { result, statements } = await apply(dealEvent('rt-b', 200_000));
    expect(result).toMatchObject({ duplicate: false, events: ['deal.updated'], changed: ['amount'] });
    expect(statements).toBe(5);
    expect(await record('deal:rt-1')).toEqual([expect.objectContaining({ amount: 200_000 })]);
  });

  it('answers a repeated delivery as a duplicate in four, writing nothing', async () => {
    const { result, statements } = await apply(dealEvent('rt-a', 900_000));
    expect(result).toMatchObject({ duplicate: true, events: [] });
    expect(statements).toBe(4);
    expect(await record('deal:rt-1')).toEqual([expect.objectContaining({ amount: 200_000 })]);
  });

  it('applies a whole record report (a CRM mapping) in as many as a deal event', async () => {
    counted.reset();
    const result = await applyCrmChange(deps(), 'generic', {
      id: 'rt-record-1',
      occurredAt: new Date().toISOString(),
      kind: 'deal',
      recordId: 'Deals:rt-2',
      crmDealId: 'rt-2',
      email,
      fields: { stage: 'Qualification', amount: 50_000 },
    });
    expect(result).toMatchObject({ duplicate: false, events: ['deal.stage_changed'] });
    expect(counted.count()).toBe(5);
    expect(await receipt('rt-record-1')).toBe(1);
  });
});
