import holidayJp from '@holiday-jp/holiday_jp';
import { activityInfo } from '@temporalio/activity';
import { type TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monthEnd, monthOf, monthStart } from '../../domain/calendar-months.ts';
import { DEFAULT_CADENCE } from '../../domain/default-cadence.ts';
import { acceptDeliveryEvent } from '../../intake/engagement.ts';
import { signToken } from '../../mail/tokens.ts';
import { APP_SECRET, auth, mailTo } from '../support/services.ts';
import { startSimulatedStack, type SimulatedStack } from '../support/time-skipping.ts';

// Two years of a lead's life on the default cadence, with the real workflow code, the real
// activities, the test database and the test SMTP server, on Temporal's time-skipping test
// server (docs/testing.md): timers fire as soon as nothing else is running, so the years pass
// in seconds. The lead starts without a postal address, gets one, stops taking email, is
// paused and resumed, and finally its cadence is shortened under it. Two leads live it side
// by side, each losing email its own way: one by a hard bounce, one by unsubscribing with
// the one-click link (which ends email only: paper DM and tasks go on). Through all that,
// every calendar month each was contactable must have a touch that reached it, within the
// cap, the minimum gap, the send window and the Japanese calendar.
//
// Time: the workflow runs on the test server's clock, the activities' Date.now() on the wall
// clock. Email timeline entries and deliveries carry wall time, so the time a touch went out
// is taken from the activity's schedule time (the server's clock, set when the workflow
// decided the touch), recorded below per idempotency key; DM tasks carry the workflow's time.

const TZ = 'Asia/Tokyo';
const DAY = 86_400_000;
/** How each lead stops taking email, by the part of its address that says so. */
const WAYS = ['bounce', 'unsubscribe'] as const;
const EMAILS = Object.fromEntries(
  WAYS.map((way) => [way, `simulated-years-${way}-${Date.now()}@example.com`]),
) as Record<(typeof WAYS)[number], string>;
const ADDRESS = { postalCode: '100-0001', prefecture: '東京都', city: '千代田区', line1: '千代田1-1' };

let env: TestWorkflowEnvironment;
let app: FastifyInstance;
let db: SimulatedStack['db'];
let taskQueue: string;
let sim: SimulatedStack;
/** Idempotency key → the server time the activity was scheduled at (the workflow's time). */
const scheduledAt = new Map<string, number>();

/** The lead's calendar date and time of day in Tokyo. */
function tokyo(atMs: number): { year: number; month: number; day: number; weekday: number; minutes: number } {
  const shifted = new Date(atMs + 9 * 3_600_000);
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth() + 1,
    day: shifted.getUTCDate(),
    weekday: shifted.getUTCDay(),
    minutes: shifted.getUTCHours() * 60 + shifted.getUTCMinutes(),
  };
}

/** Midday Tokyo time on the `day` of the month `months` after the one `fromMs` is in. */
function middayOf(fromMs: number, months: number, day: number): number {
  const start = tokyo(fromMs);
  return Date.UTC(start.year, start.month - 1 + months, day, 3);
}

beforeAll(async () => {
  // Each email and task activity notes when it was scheduled (the server's clock).
  sim = await startSimulatedStack((activities) => {
    const recorded = (name: string) => async (input: unknown) => {
      const key = (input as { idempotencyKey?: string }).idempotencyKey;
      if (key !== undefined) scheduledAt.set(key, activityInfo().currentAttemptScheduledTimestampMs);
      return activities[name]!(input);
    };
    return { ...activities, sendEmail: recorded('sendEmail'), createTask: recorded('createTask') };
  });
  ({ env, app, db, taskQueue } = sim);
}, 120_000);

afterAll(async () => {
  await sim?.stop();
});

const runUntil = (atMs: number) => sim.runUntil(atMs);

describe('two simulated years of a lead on the default cadence', () => {
  it('reaches each lead every calendar month it is contactable, within the cap, the minimum gap, the window and the calendar, whether email ended by a bounce or an unsubscribe', async () => {
    const leadIds = {} as Record<(typeof WAYS)[number], string>;
    for (const way of WAYS) {
      const created = await app.inject({
        method: 'POST',
        url: '/v1/leads',
        headers: auth,
        payload: { email: EMAILS[way], name: '山田 太郎', ownerEmail: 'rep@example.com', timezone: TZ },
      });
      expect(created.statusCode).toBe(201);
      leadIds[way] = created.json<{ id: string }>().id;
    }
    const startMs = await env.currentTimeMs();

    // Four months without a postal address: each DM step becomes a task for the owner.
    const addressAt = middayOf(startMs, 4, 8);
    await runUntil(addressAt);
    for (const way of WAYS) {
      const updated = await app.inject({
        method: 'POST',
        url: '/v1/leads',
        headers: auth,
        payload: { email: EMAILS[way], postalAddress: ADDRESS },
      });
      expect(updated.statusCode).toBe(200);
    }

    // Four months later email stops: one address bounces for good, the other lead
    // unsubscribes (one-click, as a mail provider posts it). Email only is suppressed.
    const stopAt = middayOf(startMs, 8, 20);
    await runUntil(stopAt);
    await acceptDeliveryEvent(
      { db: db.pool, temporal: env.client, taskQueue },
      {
        lead: { id: leadIds.bounce, email: EMAILS.bounce },
        type: 'bounce',
        hard: true,
        occurredAt: new Date(stopAt),
        sourceId: `sim-bounce-${leadIds.bounce}`,
      },
    );
    const unsubscribe = await app.inject({
      method: 'POST',
      url: `/u/${signToken(APP_SECRET, { p: 'unsubscribe', l: leadIds.unsubscribe })}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    });
    expect(unsubscribe.statusCode).toBe(200);

    // Paused for about two months, resumed mid-month.
    const pauseAt = middayOf(startMs, 12, 12);
    await runUntil(pauseAt);
    for (const way of WAYS)
      expect(
        (await app.inject({ method: 'POST', url: `/v1/leads/${leadIds[way]}/pause`, headers: auth })).statusCode,
      ).toBe(202);
    const resumeAt = middayOf(startMs, 14, 14);
    await runUntil(resumeAt);
    for (const way of WAYS)
      expect(
        (await app.inject({ method: 'POST', url: `/v1/leads/${leadIds[way]}/resume`, headers: auth })).statusCode,
      ).toBe(202);

    // The marketer shortens the nurture sequence to its welcome email, without repeat: the
    // leads (past step 1 since their first month) are past the end and must not be stranded.
    const editAt = middayOf(startMs, 16, 10);
    await runUntil(editAt);
    const shortened = {
      ...DEFAULT_CADENCE,
      nurture: { steps: DEFAULT_CADENCE.nurture.steps.slice(0, 1), repeat: false },
    };
    expect(
      (await app.inject({ method: 'PUT', url: '/v1/cadences/default', headers: auth, payload: shortened })).statusCode,
    ).toBe(201);

    const endMs = middayOf(startMs, 24, 15);
    await runUntil(endMs);

    for (const way of WAYS) {
      const leadId = leadIds[way];
      const address = EMAILS[way];
      // What reached the lead: the emails the SMTP server received, and the DM tasks created
      // (the owner's task notices are deliveries about the lead too, to someone else).
      const received = await mailTo(address);
      const deliveries = (
        await db.pool.query<{ idempotency_key: string; message_id: string; status: string; template_key: string }>(
          `SELECT idempotency_key, message_id, status, template_key FROM deliveries WHERE lead_id = $1 AND recipient ILIKE $2`,
          [leadId, `%${address}%`],
        )
      ).rows;
      const sent = deliveries.filter((d) => d.status === 'sent');
      const bare = (id: string | undefined) => (id ?? '').replace(/^<|>$/g, '');
      const sentDetail = sent
        .map(
          (d) =>
            `${bare(d.message_id)} ${d.template_key} ${new Date(scheduledAt.get(d.idempotency_key) ?? 0).toISOString()}`,
        )
        .join('\n');
      expect(received.map((m) => bare(m.messageId)).sort(), `sent:\n${sentDetail}`).toEqual(
        sent.map((d) => bare(d.message_id)).sort(),
      );
      const emails = sent.map((d) => ({
        atMs: scheduledAt.get(d.idempotency_key) ?? Number.NaN,
        what: `email ${d.template_key}`,
      }));
      const timeline = (
        await db.pool.query<{ at: Date; kind: string; detail: Record<string, unknown> }>(
          `SELECT at, kind, detail FROM timeline WHERE lead_id = $1 ORDER BY at, id`,
          [leadId],
        )
      ).rows;
      const dms = timeline
        .filter((t) => t.kind === 'dm_task_created')
        .map((t) => ({ atMs: t.at.getTime(), what: `dm ${String(t.detail.template)}` }));
      const reached = [...emails, ...dms].sort((a, b) => a.atMs - b.atMs);
      const describeAll = reached.map((r) => `${new Date(r.atMs).toISOString()} ${r.what}`).join('\n');
      expect(
        emails.every((e) => Number.isFinite(e.atMs)),
        'every sent email was scheduled by the workflow',
      ).toBe(true);

      // Each phase did what it is for.
      const kinds = (kind: string, from = 0, to = Infinity) =>
        timeline.filter((t) => t.kind === kind && t.at.getTime() >= from && t.at.getTime() < to);
      expect(
        kinds('task_created', startMs, addressAt).some((t) => t.detail.title === '住所を確認する'),
        'an address check instead of a DM',
      ).toBe(true);
      expect(
        kinds('guarantee_touch', startMs, addressAt).length,
        'guarantee emails while DMs could not go out',
      ).toBeGreaterThan(0);
      expect(
        dms.filter((d) => d.atMs < addressAt),
        'no DM before there was an address',
      ).toEqual([]);
      expect(dms.filter((d) => d.atMs > addressAt && d.atMs < stopAt).length).toBeGreaterThan(0);
      expect(
        emails.filter((e) => e.atMs > stopAt),
        'no email after the address was suppressed',
      ).toEqual([]);
      expect(kinds('touch_skipped', stopAt).length, `email steps skipped after the ${way}`).toBeGreaterThan(0);
      // Paper mail goes on after email stopped, and the guarantee falls back to it.
      expect(dms.filter((d) => d.atMs > stopAt).length, `DMs after the ${way}:\n${describeAll}`).toBeGreaterThan(0);
      expect(
        kinds('guarantee_touch', stopAt).some((t) => t.detail.channel === 'dm'),
        `a guarantee touch by DM after the ${way}`,
      ).toBe(true);
      const stopped = kinds(way === 'bounce' ? 'email_hard_bounce' : 'unsubscribed');
      expect(stopped, `the ${way} on the timeline`).toHaveLength(1);
      if (way === 'unsubscribe') expect(stopped[0]?.detail).toEqual({ channel: 'email', reason: 'unsubscribed' });
      expect(kinds('stage_changed'), `no stage change: the ${way} ended email only`).toEqual([]);
      expect(
        reached.filter((r) => r.atMs >= pauseAt && r.atMs < resumeAt),
        'no touch while paused',
      ).toEqual([]);
      // Seven full months follow the edit, each with only its guarantee touch.
      expect(
        kinds('guarantee_touch', editAt).length,
        'the guarantee keeps a lead past the shortened sequence in touch',
      ).toBeGreaterThanOrEqual(7);
      const stepsAfterEdit = ['touch_skipped', 'touch_fallback', 'touch_delayed']
        .flatMap((kind) => kinds(kind, editAt))
        .filter((t) => typeof t.detail.step === 'number');
      // The workflow reads the cadence when it plans a step, so the one step already waiting
      // when the edit was saved still goes out under the old version; none after it.
      expect(stepsAfterEdit.length, `steps after the end: ${JSON.stringify(stepsAfterEdit)}`).toBeLessThanOrEqual(1);

      // The workflow counted the same touches the database and the SMTP server saw.
      const lead = (await app.inject({ method: 'GET', url: `/v1/leads/${leadId}`, headers: auth })).json<{
        touches: number;
        stage: string;
      }>();
      expect(lead.stage).toBe('nurturing');
      expect(lead.touches).toBe(reached.length);

      // Every full calendar month it was contactable had a touch that reached it. As in the
      // planner's property test, a month with a pause in its last ten days is excused.
      const pausedInLastDays = (month: number) =>
        pauseAt < monthEnd(month, TZ) && resumeAt > monthEnd(month, TZ) - 10 * DAY;
      const months: number[] = [];
      for (let month = monthOf(startMs, TZ) + 1; month < monthOf(endMs, TZ); month++) {
        if (pausedInLastDays(month)) continue;
        months.push(month);
        const touched = reached.some((r) => r.atMs >= monthStart(month, TZ) && r.atMs < monthEnd(month, TZ));
        expect(
          touched,
          `no touch in ${new Date(monthStart(month, TZ) + DAY).toISOString().slice(0, 7)}:\n${describeAll}`,
        ).toBe(true);
      }
      expect(months.length).toBeGreaterThanOrEqual(20);

      // The cap (two in any 30 days), the minimum gap (7 days), the window and the calendar.
      const cap = DEFAULT_CADENCE.frequencyCap!;
      for (const [i, touch] of reached.entries()) {
        const inWindow = reached.filter((r) => r.atMs > touch.atMs - 30 * DAY && r.atMs <= touch.atMs);
        expect(
          inWindow.length,
          `more than ${cap.max} touches in 30 days up to ${new Date(touch.atMs).toISOString()}`,
        ).toBeLessThanOrEqual(cap.max);
        if (i > 0)
          expect(
            touch.atMs - reached[i - 1]!.atMs,
            `touches closer than 7 days:\n${describeAll}`,
          ).toBeGreaterThanOrEqual(7 * DAY);
        const local = tokyo(touch.atMs);
        // holiday_jp reads the date in the process's time zone.
        const date = new Date(local.year, local.month - 1, local.day);
        const what = `${touch.what} at ${new Date(touch.atMs).toISOString()}`;
        expect(local.weekday >= 1 && local.weekday <= 5, `${what}: a weekend`).toBe(true);
        expect(holidayJp.isHoliday(date), `${what}: a Japanese holiday`).toBe(false);
        expect(
          (local.month === 12 && local.day >= 29) || (local.month === 1 && local.day <= 3),
          `${what}: the year-end break`,
        ).toBe(false);
        expect(local.minutes >= 9 * 60 && local.minutes < 18 * 60, `${what}: outside 09:00–18:00`).toBe(true);
      }
    }
  }, 300_000);
});
