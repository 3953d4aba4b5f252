import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BroadcastDetailView } from '../../api/routes/broadcasts.ts';
import { broadcastWorkflowId } from '../../domain/broadcasts.ts';
import { monthOf } from '../../domain/calendar-months.ts';
import {
  broadcastProgress,
  freezeRecipients,
  insertBroadcast,
  markHandedOver,
  settleRecipient,
} from '../../db/repositories/broadcasts.ts';
import { insertSegment } from '../../db/repositories/segments.ts';
import { signalOneOffSend } from '../../intake/lifecycle-client.ts';
import { signToken } from '../../mail/tokens.ts';
import { leadSettled } from '../support/lead-settled.ts';
import {
  APP_SECRET,
  auth,
  createTestDatabase,
  mailTo,
  startTestApp,
  startTestWorker,
  uniqueTaskQueue,
  waitFor,
} from '../support/services.ts';
import { timelineEntry } from '../support/timeline.ts';

// One-off sends against the real stack: each recipient is handed to its own lifecycle,
// which sends by the cadence's rules (suppression, cap, window), exactly once, and counts
// the email as the month's touch.

type BroadcastView = BroadcastDetailView;

const SUBJECT = 'セミナー案内 {{lead.name}} 様';
const MJML =
  '<mjml><mj-body><mj-section><mj-column><mj-text>12月のセミナーのご案内</mj-text></mj-column></mj-section></mj-body></mjml>';

describe('broadcasts', () => {
  let app: FastifyInstance;
  let client: Client;
  let pool: pg.Pool;
  let taskQueue: string;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  const stops: (() => Promise<void>)[] = [];
  const leads = new Map<string, string>();
  const run = `${Date.now().toString(36)}`;
  const email = (name: string) => `${name}-${run}@example.jp`;

  const createLead = async (name: string, cadence: string) => {
    const created = await app.inject({
      method: 'POST',
      url: '/v1/leads',
      headers: auth,
      payload: { email: email(name), name, cadence, timezone: 'Asia/Tokyo' },
    });
    expect(created.statusCode).toBe(201);
    const id = created.json<{ id: string }>().id;
    leads.set(name, id);
    return id;
  };
  const broadcastMail = async (name: string) =>
    (await mailTo(email(name))).filter((m) => m.subject?.startsWith('セミナー案内'));
  const get = async (id: string) =>
    (await app.inject({ method: 'GET', url: `/v1/broadcasts/${id}`, headers: auth })).json<BroadcastView>();
  const schedule = async (name: string, leadIds: string[], sendAt?: Date) => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/broadcasts',
      headers: auth,
      payload: { name, template: 'seminar', leadIds, ...(sendAt ? { sendAt: sendAt.toISOString() } : {}) },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<BroadcastView>();
  };
  /** Every recipient handed over and settled (sent or skipped). */
  const settled = (id: string) =>
    waitFor(async () => {
      const b = await get(id);
      return b.progress.total !== null && b.progress.pending === 0 && b.progress.waiting === 0 && b;
    }, `broadcast ${id} to settle`);

  beforeAll(async () => {
    const db = await createTestDatabase();
    pool = db.pool;
    taskQueue = uniqueTaskQueue();
    worker = await startTestWorker({ pool, taskQueue });
    const api = await startTestApp({ pool, taskQueue });
    ({ app, client } = api);
    stops.push(api.close, async () => worker.stop(), db.drop);
    expect(
      (
        await app.inject({
          method: 'PUT',
          url: '/v1/templates/seminar',
          headers: auth,
          payload: { subject: SUBJECT, mjml: MJML },
        })
      ).statusCode,
    ).toBe(201);
    const cadence = (name: string, extra: Record<string, unknown>) =>
      app.inject({
        method: 'PUT',
        url: `/v1/cadences/${name}`,
        headers: auth,
        payload: {
          name,
          nurture: { steps: [{ after: 'P2M', channel: 'email', template: 'seminar' }] },
          sendWindow: null,
          ...extra,
        },
      });
    // A month's guarantee touch: the broadcast must take its place.
    expect(
      (await cadence('monthly', { guarantee: { every: 'month', fallback: { channel: 'email', template: 'seminar' } } }))
        .statusCode,
    ).toBe(201);
    // A first touch at once, then at most one touch in 30 days.
    expect(
      (
        await cadence('capped', {
          nurture: {
            steps: [
              { after: 'PT1S', channel: 'email', template: 'seminar' },
              { after: 'P2M', channel: 'email', template: 'seminar' },
            ],
          },
          frequencyCap: { max: 1, per: 'P30D' },
        })
      ).statusCode,
    ).toBe(201);
  }, 300_000);
  afterAll(async () => {
    for (const stop of stops) await stop();
  });

  it('previews the recipients with their rendered subject before anything is scheduled', async () => {
    const a = await createLead('preview-a', 'monthly');
    const b = await createLead('preview-b', 'monthly');
    const res = await app.inject({
      method: 'GET',
      url: `/v1/broadcasts/preview?template=seminar&leadIds=${a},${b}`,
      headers: auth,
    });
    expect(res.statusCode, res.body).toBe(200);
    const preview = res.json<{ count: number; items: { id: string; subject: string }[] }>();
    expect(preview.count).toBe(2);
    expect(preview.items.map((i) => i.subject).sort()).toEqual([
      'セミナー案内 preview-a 様',
      'セミナー案内 preview-b 様',
    ]);
    expect(
      (await app.inject({ method: 'GET', url: '/v1/broadcasts', headers: auth })).json<{ items: unknown[] }>().items,
    ).toEqual([]);
  });

  it(
    'sends one email per lead through its lifecycle, skips a suppressed lead and a capped lead with their reasons, and never sends twice on a repeated hand-over and a worker restart',
    { timeout: 600_000 },
    async () => {
      const names = ['one', 'two', 'three'];
      for (const name of names) await createLead(name, 'monthly');
      const suppressed = await createLead('suppressed', 'monthly');
      expect(
        (await app.inject({ method: 'POST', url: `/u/${signToken(APP_SECRET, { p: 'unsubscribe', l: suppressed })}` }))
          .statusCode,
      ).toBeLessThan(300);
      await timelineEntry(app, suppressed, 'unsubscribed');
      const capped = await createLead('capped', 'capped');
      await waitFor(async () => (await broadcastMail('capped')).length === 1, "the capped lead's first touch");
      await timelineEntry(app, capped, 'email_sent');

      const ids = [...names.map((n) => leads.get(n) as string), suppressed, capped];
      const created = await schedule('セミナー案内 12月', ids);
      expect(created.state).toBe('scheduled');
      await client.workflow.getHandle(broadcastWorkflowId(created.id)).result();
      const done = await settled(created.id);
      expect(done.state).toBe('completed');
      expect(done.progress).toMatchObject({ total: 5, handedOver: 5, sent: 3, skipped: 2 });
      expect(done.progress.skippedByReason).toEqual({ email_suppressed: 1, frequency_cap: 1 });
      expect((await timelineEntry(app, capped, 'broadcast_skipped')).detail).toMatchObject({ reason: 'frequency_cap' });
      expect((await timelineEntry(app, suppressed, 'broadcast_skipped')).detail).toMatchObject({
        reason: 'email_suppressed',
      });
      expect((await timelineEntry(app, leads.get('one') as string, 'broadcast_sent')).detail).toMatchObject({
        broadcastId: created.id,
        name: 'セミナー案内 12月',
      });

      // The same hand-over again while the worker is down, then a new worker: nothing more is sent.
      await worker.stop();
      for (const id of ids)
        await signalOneOffSend(client, taskQueue, id, { broadcastId: created.id, template: 'seminar', name: 'again' });
      worker = await startTestWorker({ pool, taskQueue });
      for (const id of ids) {
        await leadSettled(client, id, async () => {
          const { raw } = await client.workflow.getHandle(`lead-${id}`).describe();
          return (raw.pendingActivities?.length ?? 0) === 0;
        });
      }
      for (const name of names) expect(await broadcastMail(name)).toHaveLength(1);
      expect(await broadcastMail('suppressed')).toHaveLength(0);
      expect(await broadcastMail('capped')).toHaveLength(1);
      const deliveries = await pool.query<{ n: string }>(
        `SELECT count(*) AS n FROM deliveries WHERE idempotency_key LIKE '%/broadcast/' || $1`,
        [created.id],
      );
      expect(Number(deliveries.rows[0]?.n)).toBe(3);
      const report = (await get(created.id)).report;
      expect(report).toMatchObject({ sent: 3, delivered: 3 });
    },
  );

  it('counts the broadcast as the lead’s touch for the month: the guarantee moves to a later month', async () => {
    const id = leads.get('one') as string;
    const state = await client.workflow
      .getHandle(`lead-${id}`)
      .query<{ nextTouchAt: string | null; plan: { reachedTouches: string[] } }>('leadState');
    expect(state.plan.reachedTouches).toHaveLength(1);
    const reached = Date.parse(state.plan.reachedTouches[0] as string);
    const sent = await timelineEntry(app, id, 'broadcast_sent');
    // Counted when the email went: the same instant the broadcast_sent entry records.
    expect(reached).toBe(Date.parse(sent.at));
    expect(state.nextTouchAt).not.toBeNull();
    expect(monthOf(Date.parse(state.nextTouchAt as string), 'Asia/Tokyo')).toBeGreaterThan(
      monthOf(reached, 'Asia/Tokyo'),
    );
  });

  it('a pause holds the hand-over past the send time; a resume sends', async () => {
    const id = await createLead('paused', 'monthly');
    const created = await schedule('paused one', [id], new Date(Date.now() + 5000));
    const paused = await app.inject({ method: 'POST', url: `/v1/broadcasts/${created.id}/pause`, headers: auth });
    expect(paused.statusCode, paused.body).toBe(200);
    expect(paused.json<BroadcastView>().state).toBe('paused');
    // The send time has passed in the workflow (its timer fired) and nothing was handed over.
    const handle = client.workflow.getHandle(broadcastWorkflowId(created.id));
    await waitFor(async () => {
      const history = await handle.fetchHistory();
      return history.events?.some((e) => e.timerFiredEventAttributes) ?? false;
    }, 'the send time to pass');
    expect((await get(created.id)).progress).toMatchObject({ handedOver: 0 });
    expect(await broadcastMail('paused')).toHaveLength(0);
    const again = await app.inject({ method: 'POST', url: `/v1/broadcasts/${created.id}/pause`, headers: auth });
    expect(again.statusCode).toBe(409);
    expect(
      (await app.inject({ method: 'POST', url: `/v1/broadcasts/${created.id}/resume`, headers: auth })).statusCode,
    ).toBe(200);
    const done = await settled(created.id);
    expect(done.progress).toMatchObject({ total: 1, sent: 1 });
    expect(await broadcastMail('paused')).toHaveLength(1);
  });

  it('a cancel before the send time ends the broadcast: nobody is handed over', async () => {
    const id = await createLead('cancelled', 'monthly');
    const created = await schedule('cancelled one', [id], new Date(Date.now() + 3_600_000));
    const res = await app.inject({ method: 'POST', url: `/v1/broadcasts/${created.id}/cancel`, headers: auth });
    expect(res.statusCode, res.body).toBe(200);
    await client.workflow.getHandle(broadcastWorkflowId(created.id)).result();
    const after = await get(created.id);
    expect(after.state).toBe('cancelled');
    expect(after.progress).toMatchObject({ total: null, handedOver: 0, sent: 0 });
    expect(
      (await app.inject({ method: 'POST', url: `/v1/broadcasts/${created.id}/resume`, headers: auth })).statusCode,
    ).toBe(409);
    const timeline = await app.inject({ method: 'GET', url: `/v1/leads/${id}/timeline`, headers: auth });
    expect(timeline.json<{ items: { kind: string }[] }>().items.map((e) => e.kind)).not.toContain('broadcast_sent');
  });

  it('counts a recipient as handed over when its lifecycle settles it before the hand-over is marked', async () => {
    // The hand-over signals each lead first and marks the batch after; a busy worker's
    // lifecycle can settle its recipient in between. This is that order, forced.
    const first = await createLead('raced-a', 'monthly');
    const second = await createLead('raced-b', 'monthly');
    const broadcastId = randomUUID();
    await insertBroadcast(pool, {
      id: broadcastId,
      name: 'raced',
      templateKey: 'seminar',
      segmentId: null,
      leadIds: [first, second],
      sendAt: new Date(Date.now() + 3_600_000),
      createdBy: null,
    });
    await freezeRecipients(pool, broadcastId, () => async () => []);
    expect(await settleRecipient(pool, { broadcastId, leadId: first, status: 'sent' })).toBe(true);
    await markHandedOver(pool, broadcastId, [first, second]);
    const progress = (await broadcastProgress(pool, [broadcastId])).get(broadcastId);
    expect(progress).toMatchObject({ pending: 0, handedOver: 2, waiting: 1, sent: 1 });
  });

  it('freezes a segment’s leads when it starts sending, and sends to each of them', async () => {
    const made = await app.inject({
      method: 'PUT',
      url: '/v1/cadences/segmented',
      headers: auth,
      payload: {
        name: 'segmented',
        nurture: { steps: [{ after: 'P2M', channel: 'email', template: 'seminar' }] },
        sendWindow: null,
      },
    });
    expect(made.statusCode).toBe(201);
    await createLead('segment-a', 'segmented');
    await createLead('segment-b', 'segmented');
    const segment = await insertSegment(pool, {
      name: `seminar ${run}`,
      query: { cadences: ['segmented'] },
      createdBy: null,
    });
    const preview = await app.inject({
      method: 'GET',
      url: `/v1/broadcasts/preview?template=seminar&segmentId=${segment?.id}`,
      headers: auth,
    });
    expect(preview.json<{ count: number }>().count).toBe(2);
    const res = await app.inject({
      method: 'POST',
      url: '/v1/broadcasts',
      headers: auth,
      payload: { name: 'segment one', template: 'seminar', segmentId: segment?.id },
    });
    expect(res.statusCode, res.body).toBe(201);
    const done = await settled(res.json<BroadcastView>().id);
    expect(done.progress).toMatchObject({ total: 2, sent: 2 });
    expect(await broadcastMail('segment-a')).toHaveLength(1);
    expect(await broadcastMail('segment-b')).toHaveLength(1);
  });

  it('holds a lead’s email until its cadence’s send window opens, then sends it', { timeout: 600_000 }, async () => {
    // A window that opens at the start of a minute a little ahead, in UTC, and stays open an hour.
    const opensAt = new Date(Math.ceil((Date.now() + 120_000) / 60_000) * 60_000);
    const hhmm = (d: Date) => d.toISOString().slice(11, 16);
    const closesAt = new Date(opensAt.getTime() + 3_600_000);
    if (hhmm(closesAt) <= hhmm(opensAt)) return; // within an hour of midnight UTC a one-hour window wraps
    expect(
      (
        await app.inject({
          method: 'PUT',
          url: '/v1/cadences/windowed',
          headers: auth,
          payload: {
            name: 'windowed',
            nurture: { steps: [{ after: 'P2M', channel: 'email', template: 'seminar' }] },
            sendWindow: { timezone: 'UTC', businessDays: false, from: hhmm(opensAt), to: hhmm(closesAt) },
          },
        })
      ).statusCode,
    ).toBe(201);
    const id = await createLead('windowed', 'windowed');
    const created = await schedule('windowed one', [id]);
    const held = await timelineEntry(app, id, 'broadcast_held');
    expect(held.detail).toMatchObject({ broadcastId: created.id, until: opensAt.toISOString() });
    expect((await get(created.id)).progress).toMatchObject({ waiting: 1, sent: 0 });
    expect(await broadcastMail('windowed')).toHaveLength(0);
    const sent = await waitFor(
      async () => {
        const res = await app.inject({ method: 'GET', url: `/v1/leads/${id}/timeline`, headers: auth });
        return res.json<{ items: { kind: string; at: string }[] }>().items.find((e) => e.kind === 'broadcast_sent');
      },
      'the held email to go when the window opens',
      300_000,
    );
    expect(Date.parse(sent.at)).toBeGreaterThanOrEqual(opensAt.getTime());
    expect(await broadcastMail('windowed')).toHaveLength(1);
  });
});
