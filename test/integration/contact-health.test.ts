import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, startTestServices } from '../support/services.ts';

// The dashboard's contact health (issue 11, item 10): contactable leads, those a touch
// reached this calendar month, and those at risk of a month without one, with the lead
// list filtered to each group.

const HOUR_MS = 3_600_000;
const TOKYO_MS = 9 * HOUR_MS; // Asia/Tokyo has no daylight saving time.

/** This calendar month in Tokyo, as instants: its start, its end, and points in and around it. */
function tokyoMonth(nowMs: number) {
  const local = new Date(nowMs + TOKYO_MS);
  const start = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), 1) - TOKYO_MS;
  const end = Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + 1, 1) - TOKYO_MS;
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    earlierThisMonth: iso(start + (nowMs - start) / 2),
    laterThisMonth: iso(nowMs + (end - nowMs) / 2),
    lastMonth: iso(start - 24 * HOUR_MS),
    nextMonth: iso(end + 24 * HOUR_MS),
  };
}

type Group = 'touched' | 'at_risk' | 'contactable' | 'none';
const ADDRESS = { postalCode: '100-0001', prefecture: '東京都', city: '千代田区', line1: '千代田1-1' };

describe('contact health', () => {
  let app: FastifyInstance;
  let pool: pg.Pool;
  let stop: () => Promise<void>;
  /** Each lead made here and the one group it must be in (touched and at_risk are also contactable). */
  const made: { email: string; group: Group }[] = [];

  const lead = async (
    email: string,
    group: Group,
    row: { stage?: string; next_touch_at?: string; do_not_contact?: boolean; address?: boolean } = {},
  ) => {
    const result = await pool.query<{ id: string }>(
      `INSERT INTO leads (email, cadence_key, stage, next_touch_at, do_not_contact, postal_address) VALUES ($1, 'default', $2, $3, $4, $5) RETURNING id`,
      [
        email,
        row.stage ?? 'nurturing',
        row.next_touch_at ?? null,
        row.do_not_contact ?? false,
        row.address ? JSON.stringify(ADDRESS) : null,
      ],
    );
    made.push({ email, group });
    return result.rows[0]!.id;
  };
  const delivery = (leadId: string, at: string, status: string, kind = 'touch') =>
    pool.query(
      `INSERT INTO deliveries (idempotency_key, lead_id, kind, template_key, message_id, recipient, status, created_at, sent_at)
       VALUES (gen_random_uuid()::text, $1, $2, 'welcome', gen_random_uuid()::text, 'x@example.jp', $3::delivery_status, $4, CASE WHEN $3::text = 'sent' THEN $4::timestamptz END)`,
      [leadId, kind, status, at],
    );
  const task = (leadId: string, kind: 'dm' | 'todo', row: { status: string; at: string; address?: boolean }) =>
    pool.query(
      `INSERT INTO tasks (idempotency_key, lead_id, kind, title, postal_address, status, created_at, completed_at)
       VALUES (gen_random_uuid()::text, $1, $2, 'x', $3::jsonb, $4::text, $5::timestamptz, CASE WHEN $4::text = 'done' THEN $5::timestamptz END)`,
      [leadId, kind, row.address ? JSON.stringify(ADDRESS) : null, row.status, row.at],
    );
  const report = async (query = '') => {
    const res = await app.inject({ method: 'GET', url: `/v1/reports/contact-health${query}`, headers: auth });
    expect(res.statusCode).toBe(200);
    return res.json<{ contactable: number; touched: number; atRisk: number; timezone: string | null }>();
  };
  const listed = async (contact: string, extra = '') => {
    const res = await app.inject({
      method: 'GET',
      url: `/v1/leads?contact=${contact}&limit=200&q=health.example.jp${extra}`,
      headers: auth,
    });
    expect(res.statusCode).toBe(200);
    return res
      .json<{ items: { email: string }[] }>()
      .items.map((l) => l.email)
      .sort();
  };
  const expected = (groups: Group[]) =>
    made
      .filter((m) => groups.includes(m.group))
      .map((m) => m.email)
      .sort();

  let before: Awaited<ReturnType<typeof report>>;

  beforeAll(async () => {
    ({ app, pool, stop } = await startTestServices({ worker: false }));
    before = await report();
    const when = tokyoMonth(Date.now());
    await delivery(await lead('email-this-month@health.example.jp', 'touched'), when.earlierThisMonth, 'sent');
    await delivery(
      await lead('email-last-month@health.example.jp', 'at_risk', { next_touch_at: when.nextMonth }),
      when.lastMonth,
      'sent',
    );
    await delivery(await lead('email-failed@health.example.jp', 'at_risk'), when.earlierThisMonth, 'failed');
    await delivery(
      await lead('notice-only@health.example.jp', 'at_risk'),
      when.earlierThisMonth,
      'sent',
      'notification',
    );
    await lead('planned-later@health.example.jp', 'contactable', { next_touch_at: when.laterThisMonth });
    await task(await lead('dm-address@health.example.jp', 'touched', { stage: 'customer' }), 'dm', {
      status: 'open',
      at: when.earlierThisMonth,
      address: true,
    });
    await task(await lead('dm-no-address@health.example.jp', 'at_risk', { stage: 'reactivation' }), 'dm', {
      status: 'open',
      at: when.earlierThisMonth,
    });
    await task(await lead('dm-cancelled@health.example.jp', 'at_risk'), 'dm', {
      status: 'cancelled',
      at: when.earlierThisMonth,
      address: true,
    });
    await task(await lead('todo-done@health.example.jp', 'touched'), 'todo', {
      status: 'done',
      at: when.earlierThisMonth,
    });
    await task(await lead('todo-open@health.example.jp', 'at_risk', { next_touch_at: when.nextMonth }), 'todo', {
      status: 'open',
      at: when.earlierThisMonth,
    });
    // Not contactable, touched or not.
    await delivery(
      await lead('dnc@health.example.jp', 'none', { do_not_contact: true }),
      when.earlierThisMonth,
      'sent',
    );
    // Unsubscribed from email with no postal address: no channel reaches it.
    await lead('Unsubscribed@health.example.jp', 'none');
    // Unsubscribed from email, still reached by paper mail: contactable, touched by this
    // month's DM, and at risk without one.
    await task(await lead('unsubscribed-dm@health.example.jp', 'touched', { address: true }), 'dm', {
      status: 'open',
      at: when.earlierThisMonth,
      address: true,
    });
    await lead('unsubscribed-no-dm@health.example.jp', 'at_risk', { address: true });
    // An address suppressed as do-not-contact is reached by nothing, address or not.
    await lead('dnc-suppressed@health.example.jp', 'none', { address: true });
    await pool.query(
      `INSERT INTO suppressions (email, reason) VALUES ('unsubscribed@health.example.jp', 'unsubscribed'),
         ('unsubscribed-dm@health.example.jp', 'unsubscribed'), ('unsubscribed-no-dm@health.example.jp', 'unsubscribed via zoho'),
         ('dnc-suppressed@health.example.jp', 'do not contact')`,
    );
    await delivery(await lead('in-deal@health.example.jp', 'none', { stage: 'deal' }), when.earlierThisMonth, 'sent');
    await lead('dormant@health.example.jp', 'none', { stage: 'dormant' });
    await lead('closed@health.example.jp', 'none', { stage: 'closed' });
  });
  afterAll(async () => stop());

  it('counts contactable leads, those a touch reached this month and those at risk of a month without one', async () => {
    const count = (groups: Group[]) => made.filter((m) => groups.includes(m.group)).length;
    const now = await report();
    expect(now.contactable - before.contactable).toBe(count(['contactable', 'touched', 'at_risk']));
    expect(now.touched - before.touched).toBe(count(['touched']));
    expect(now.atRisk - before.atRisk).toBe(count(['at_risk']));
    expect(now.timezone).toBeNull();
    // Tokyo is every lead's zone here: the same answer when the zone is given.
    expect(await report('?timezone=Asia/Tokyo')).toMatchObject({
      contactable: now.contactable,
      touched: now.touched,
      atRisk: now.atRisk,
      timezone: 'Asia/Tokyo',
    });
  });

  it('lists each group as the lead list filter', async () => {
    expect(await listed('contactable')).toEqual(expected(['contactable', 'touched', 'at_risk']));
    expect(await listed('touched')).toEqual(expected(['touched']));
    expect(await listed('at_risk')).toEqual(expected(['at_risk']));
    expect(await listed('at_risk', '&timezone=Asia/Tokyo')).toEqual(expected(['at_risk']));
  });

  it('counts the month of asOf: a year on, nothing was touched then and every lead made here is at risk', async () => {
    const now = await report();
    const later = new Date(Date.now() + 366 * 24 * HOUR_MS).toISOString();
    const then = await report(`?asOf=${encodeURIComponent(later)}`);
    expect(then.touched).toBe(0);
    expect(then.contactable).toBe(now.contactable);
    // Every next touch set here is within two months of now, so none is planned in that month.
    expect(then.atRisk - before.atRisk).toBeGreaterThanOrEqual(made.filter((m) => m.group !== 'none').length);
    expect(then.atRisk).toBeLessThanOrEqual(then.contactable);
  });
});
