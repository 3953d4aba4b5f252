import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstTouchEachMonth } from '../../db/repositories/deliveries.ts';
import { monthOf } from '../../domain/calendar-months.ts';
import { monthsWithoutTouch } from '../../domain/touch-explain.ts';
import { createTestDatabase } from '../support/services.ts';

// The months explain counts (GET /v1/leads/:id/explain, `monthsWithoutTouch`) come from
// every touch of the lead's life in the read model, not from the workflow's last hundred:
// a lead touched weekly for three years has far more than a hundred, and its early months
// must still count as touched. Real PostgreSQL.

const DAY = 86_400_000;
const ADDRESS = { postalCode: '100-0001', prefecture: '東京都', city: '千代田区', line1: '千代田1-1' };

describe('the months a touch reached the lead, from the read model', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: pg.Pool;
  beforeAll(async () => {
    db = await createTestDatabase();
    pool = db.pool;
  });
  afterAll(async () => db?.drop());

  const lead = async (email: string): Promise<string> =>
    (
      await pool.query<{ id: string }>(`INSERT INTO leads (email, cadence_key) VALUES ($1, 'default') RETURNING id`, [
        email,
      ])
    ).rows[0]!.id;
  const email = (leadId: string, at: Date, status = 'sent', kind = 'touch') =>
    pool.query(
      `INSERT INTO deliveries (idempotency_key, lead_id, kind, template_key, message_id, recipient, status, created_at, sent_at)
       VALUES (gen_random_uuid()::text, $1, $2, 'welcome', gen_random_uuid()::text, 'x@example.jp', $3::delivery_status, $4,
               CASE WHEN $3::text = 'sent' THEN $4::timestamptz END)`,
      [leadId, kind, status, at],
    );
  const task = (leadId: string, kind: 'dm' | 'todo', at: Date, status: string, address: boolean) =>
    pool.query(
      `INSERT INTO tasks (idempotency_key, lead_id, kind, title, postal_address, status, created_at, completed_at)
       VALUES (gen_random_uuid()::text, $1, $2, 'x', $3::jsonb, $4::text, $5::timestamptz,
               CASE WHEN $4::text = 'done' THEN $5::timestamptz END)`,
      [leadId, kind, address ? JSON.stringify(ADDRESS) : null, status, at],
    );

  it('answers the first touch of each month over the whole life, however many touches there were', async () => {
    const id = await lead('weekly@example.jp');
    const start = Date.parse('2027-01-04T01:00:00Z');
    // Three years of weekly emails: 157 touches, every month touched.
    const sent = Array.from({ length: 157 }, (_, week) => start + week * 7 * DAY);
    for (const at of sent) await email(id, new Date(at));
    const months = await firstTouchEachMonth(pool, id, new Date(start), 'Asia/Tokyo');
    expect(months).toHaveLength(new Set(sent.map((at) => monthOf(at, 'Asia/Tokyo'))).size);
    expect(months.length).toBeGreaterThanOrEqual(36);
    expect(months[0]?.toISOString()).toBe('2027-01-04T01:00:00.000Z');
    expect(months.map((m) => m.toISOString().slice(0, 7))).toContain('2028-02');
    // Explain's count over them: no month without a touch. Fed only the last hundred
    // touches (what the workflow keeps), the first year would look untouched.
    const now = start + 157 * 7 * DAY;
    expect(
      monthsWithoutTouch(
        months.map((m) => m.getTime()),
        start,
        now,
        'Asia/Tokyo',
      ),
    ).toBe(0);
    const lastHundred = Array.from({ length: 100 }, (_, i) => start + (57 + i) * 7 * DAY);
    expect(monthsWithoutTouch(lastHundred, start, now, 'Asia/Tokyo')).toBeGreaterThan(10);
  });

  it('counts only touches that reached the lead, in its months, from the stage start on', async () => {
    const id = await lead('mixed@example.jp');
    const at = (iso: string) => new Date(iso);
    // Reached: an email accepted, a DM to an address (open or posted), a completed to-do.
    await email(id, at('2027-03-10T03:00:00Z'));
    await task(id, 'dm', at('2027-04-10T03:00:00Z'), 'open', true);
    await task(id, 'todo', at('2027-05-10T03:00:00Z'), 'done', false);
    // Not reached: a failed email, a notice to a rep, a cancelled DM, a DM without an
    // address, an open to-do. None of their months is touched.
    await email(id, at('2027-06-10T03:00:00Z'), 'failed');
    await email(id, at('2027-07-10T03:00:00Z'), 'sent', 'notification');
    await task(id, 'dm', at('2027-08-10T03:00:00Z'), 'cancelled', true);
    await task(id, 'dm', at('2027-09-10T03:00:00Z'), 'open', false);
    await task(id, 'todo', at('2027-10-10T03:00:00Z'), 'open', false);
    // Before the stage began: not counted.
    await email(id, at('2027-02-10T03:00:00Z'));
    // 31 January 16:00 UTC is 1 February in Tokyo, still January in UTC.
    await email(id, at('2028-01-31T16:00:00Z'));

    const since = at('2027-03-01T00:00:00Z');
    const tokyo = await firstTouchEachMonth(pool, id, since, 'Asia/Tokyo');
    expect(tokyo.map((m) => m.toISOString())).toEqual([
      '2027-03-10T03:00:00.000Z',
      '2027-04-10T03:00:00.000Z',
      '2027-05-10T03:00:00.000Z',
      '2028-01-31T16:00:00.000Z',
    ]);
    const touched = tokyo.map((m) => m.getTime());
    // The whole months from April 2027 to January 2028: in Tokyo, June to January had none (8).
    const now = Date.parse('2028-02-20T00:00:00Z');
    expect(monthsWithoutTouch(touched, since.getTime(), now, 'Asia/Tokyo')).toBe(8);
    // In UTC the last email falls in January, which then counts as touched (7).
    const utc = await firstTouchEachMonth(pool, id, since, 'UTC');
    expect(
      monthsWithoutTouch(
        utc.map((m) => m.getTime()),
        since.getTime(),
        now,
        'UTC',
      ),
    ).toBe(7);
  });
});
