import type pg from 'pg';
import { accountCapHoldUntil } from '../../domain/account-cap.ts';
import type { Queryable } from '../pool.ts';
import { withTransaction } from '../transaction.ts';

/** What a touch asking for a slot under its account's cap is told. */
export type AccountSlot =
  { granted: true; accountId: string | null } | { granted: false; accountId: string; until: Date; counted: number };

/**
 * Asks for one of the account's slots for the touch `touchKey`: in one transaction the
 * account row is locked (`FOR UPDATE`), the touches counted in the rolling window, and a
 * claim inserted when one fits. Two contacts of one account asking at the same moment on
 * different workers queue on the lock, so the second sees the first's claim. A lead with
 * no account always has a slot; the same key asking again (a retried activity) gets the
 * same answer it got. `force` (the month's guarantee touch) takes a slot over the cap.
 */
export async function claimAccountSlot(
  pool: pg.Pool,
  input: { leadId: string; touchKey: string; touches: number; windowMs: number; force: boolean },
): Promise<AccountSlot> {
  return withTransaction(pool, async (client) => {
    const lead = await client.query<{ account_id: string | null }>('SELECT account_id FROM leads WHERE id = $1', [
      input.leadId,
    ]);
    const accountId = lead.rows[0]?.account_id ?? null;
    if (accountId === null) return { granted: true, accountId: null };
    // The account row is the lock every contact's claim queues on.
    const locked = await client.query('SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE', [accountId]);
    // Merged away between the two reads: the lead's new account is found on the retry.
    if (locked.rowCount !== 1) throw new Error(`account ${accountId} was merged while claiming; retrying`);
    // The time after the lock, not the transaction's start: a claim that waited counts from when it got the slot.
    const now = (await client.query<{ now: Date }>('SELECT clock_timestamp() AS now')).rows[0]?.now as Date;
    const mine = await client.query('SELECT 1 FROM account_touch_claims WHERE touch_key = $1', [input.touchKey]);
    if (mine.rowCount === 1) {
      await clearHold(client, input.leadId);
      return { granted: true, accountId };
    }
    const claims = await client.query<{ at: Date }>(
      `SELECT at FROM account_touch_claims WHERE account_id = $1 AND at > $2::timestamptz - make_interval(secs => $3::float8 / 1000)`,
      [accountId, now, input.windowMs],
    );
    const until = accountCapHoldUntil(
      claims.rows.map((r) => r.at.getTime()),
      { touches: input.touches, windowMs: input.windowMs },
      now.getTime(),
    );
    if (until !== null && !input.force) {
      await client.query('UPDATE leads SET account_hold_until = $2 WHERE id = $1', [input.leadId, new Date(until)]);
      return { granted: false, accountId, until: new Date(until), counted: claims.rows.length };
    }
    await client.query(
      'INSERT INTO account_touch_claims (touch_key, account_id, lead_id, at, forced) VALUES ($1, $2, $3, $4, $5)',
      [input.touchKey, accountId, input.leadId, now, until !== null],
    );
    await clearHold(client, input.leadId);
    return { granted: true, accountId };
  });
}

async function clearHold(db: Queryable, leadId: string): Promise<void> {
  await db.query('UPDATE leads SET account_hold_until = NULL WHERE id = $1 AND account_hold_until IS NOT NULL', [
    leadId,
  ]);
}

/** Gives the touch's slot back: it did not reach the lead (skipped, failed, suppressed). */
export async function releaseAccountSlot(db: Queryable, touchKey: string): Promise<boolean> {
  const result = await db.query('DELETE FROM account_touch_claims WHERE touch_key = $1', [touchKey]);
  return result.rowCount === 1;
}

/** Until when the lead's next touch is held by its account's cap, or null. */
export async function accountHoldOf(db: Queryable, leadId: string): Promise<Date | null> {
  const result = await db.query<{ account_hold_until: Date | null }>(
    'SELECT account_hold_until FROM leads WHERE id = $1',
    [leadId],
  );
  return result.rows[0]?.account_hold_until ?? null;
}
