import { createHmac, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, CRM_SECRET, startTestServices, waitFor } from '../support/services.ts';

// The DM queue follows the lead (issue 11, item 7): a letter queued for a lead that then
// is marked do-not-contact or closes is cancelled before it is printed; a letter of a lead
// that enters a deal is held until the deal ends; an unsubscribe from email leaves the
// letter to be posted. Real worker, Temporal, PostgreSQL.

const LETTER_MJML =
  '<mjml><mj-body><mj-section><mj-column><mj-text>{{lead.name}} 様</mj-text></mj-column></mj-section></mj-body></mjml>';
const ADDRESS = { postalCode: '100-0001', prefecture: '東京都', city: '千代田区', line1: '千代田1-1' };

interface DmTaskItem {
  id: string;
  leadId: string;
  status: 'open' | 'done' | 'cancelled' | 'held';
  statusReason: string | null;
}

describe.concurrent('the DM queue following the lead', () => {
  let app: FastifyInstance;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    const services = await startTestServices();
    ({ app, stop } = services);
    expect(
      (
        await app.inject({
          method: 'PUT',
          url: '/v1/templates/letter',
          headers: auth,
          payload: { subject: 'カタログ', mjml: LETTER_MJML },
        })
      ).statusCode,
    ).toBe(201);
    const cadence = {
      name: 'DM once',
      nurture: { steps: [{ after: 'PT1S', channel: 'dm', template: 'letter' }] },
      sendWindow: null,
    };
    expect(
      (await app.inject({ method: 'PUT', url: '/v1/cadences/dm', headers: auth, payload: cadence })).statusCode,
    ).toBe(201);
  });
  afterAll(async () => {
    await stop();
  });

  const get = (url: string) => app.inject({ method: 'GET', url, headers: auth });
  const post = (url: string, payload?: Record<string, unknown>) =>
    app.inject({ method: 'POST', url, headers: auth, ...(payload === undefined ? {} : { payload }) });
  const tasks = async (status: string): Promise<DmTaskItem[]> =>
    (await get(`/v1/dm-tasks?status=${status}`)).json<{ items: DmTaskItem[] }>().items;
  const taskOf = async (leadId: string) => (await tasks('all')).find((t) => t.leadId === leadId);
  const labels = async () => (await get('/v1/dm-tasks.csv')).body;
  const timeline = async (id: string) =>
    (await get(`/v1/leads/${id}/timeline`)).json<{ items: { kind: string; detail: Record<string, unknown> }[] }>()
      .items;
  const crm = (type: string, data: Record<string, unknown>) => {
    const raw = JSON.stringify({ id: `crm-${randomUUID()}`, type, occurredAt: new Date().toISOString(), data });
    const signature = `sha256=${createHmac('sha256', CRM_SECRET).update(raw).digest('hex')}`;
    return app.inject({
      method: 'POST',
      url: '/v1/webhooks/crm/generic',
      headers: { 'content-type': 'application/json', 'x-signature': signature },
      payload: raw,
    });
  };

  /** A lead on the DM cadence and its open DM task, once the step has made it. */
  const leadWithLetter = async (email: string): Promise<DmTaskItem> => {
    const res = await post('/v1/leads', { email, cadence: 'dm', postalAddress: ADDRESS, name: email.split('@')[0] });
    expect(res.statusCode).toBe(201);
    const leadId = res.json<{ id: string }>().id;
    const task = await waitFor(() => taskOf(leadId), `the DM task of ${email}`);
    expect(task.status).toBe('open');
    expect((await tasks('open')).map((t) => t.id)).toContain(task.id);
    expect(await labels()).toContain(task.id);
    return task;
  };
  const statusOf = (task: DmTaskItem, status: DmTaskItem['status']) =>
    waitFor(async () => {
      const now = await taskOf(task.leadId);
      return now?.status === status ? now : undefined;
    }, `the DM task ${status}`);
  const expectNotQueued = async (task: DmTaskItem) => {
    expect((await tasks('open')).map((t) => t.id)).not.toContain(task.id);
    expect(await labels()).not.toContain(task.id);
  };

  it('cancels the letter of a lead marked do-not-contact, with the reason, and refuses to mark it sent', async () => {
    const task = await leadWithLetter('dnc@example.jp');
    expect((await post(`/v1/leads/${task.leadId}/do-not-contact`)).statusCode).toBe(202);
    const cancelled = await statusOf(task, 'cancelled');
    expect(cancelled.statusReason).toBe('do not contact');
    await expectNotQueued(task);
    const entry = (await timeline(task.leadId)).find((e) => e.kind === 'dm_task_cancelled');
    expect(entry?.detail).toMatchObject({ taskId: task.id, reason: 'do not contact' });

    const complete = await post(`/v1/dm-tasks/${task.id}/complete`);
    expect(complete.statusCode).toBe(409);
    expect(complete.json()).toMatchObject({ error: { code: 'not_open' } });
    const batch = await post('/v1/dm-tasks/complete', { ids: [task.id] });
    expect(batch.json()).toEqual({ completed: 0, alreadyDone: 0, notFound: [], notOpen: [task.id] });
    expect((await taskOf(task.leadId))?.status).toBe('cancelled');
  });

  it('keeps the letter of a lead that unsubscribed from email through its CRM: paper mail is not covered', async () => {
    const task = await leadWithLetter('unsub@example.jp');
    expect((await crm('contact.unsubscribed', { leadId: task.leadId })).statusCode).toBe(200);
    // Once the workflow has recorded the unsubscribe, the letter is still open and in the queue.
    await waitFor(
      async () => (await timeline(task.leadId)).some((e) => e.kind === 'unsubscribed'),
      'the unsubscribe on the timeline',
    );
    expect(await taskOf(task.leadId)).toMatchObject({ id: task.id, status: 'open', statusReason: null });
    expect((await tasks('open')).map((t) => t.id)).toContain(task.id);
    expect(await labels()).toContain(task.id);
    expect((await timeline(task.leadId)).map((e) => e.kind)).not.toContain('dm_task_cancelled');
  });

  it('cancels the letter of a lead closed by hand', async () => {
    const task = await leadWithLetter('closed@example.jp');
    expect((await post(`/v1/leads/${task.leadId}/stage`, { stage: 'closed', reason: '競合に決定' })).statusCode).toBe(
      202,
    );
    const cancelled = await statusOf(task, 'cancelled');
    expect(cancelled.statusReason).toBe('moved by hand: 競合に決定');
    await expectNotQueued(task);
  });

  it('holds the letter while the lead is in a deal and releases it when the deal is given up', async () => {
    const task = await leadWithLetter('lost@example.jp');
    expect((await post(`/v1/leads/${task.leadId}/stage`, { stage: 'deal' })).statusCode).toBe(202);
    expect((await statusOf(task, 'held')).statusReason).toBe('in a deal');
    await expectNotQueued(task);
    expect((await post(`/v1/dm-tasks/${task.id}/complete`)).statusCode).toBe(409);

    expect((await post(`/v1/leads/${task.leadId}/stage`, { stage: 'nurturing', reason: 'not now' })).statusCode).toBe(
      202,
    );
    expect((await statusOf(task, 'open')).statusReason).toBe('deal ended: back to nurturing');
    expect((await tasks('open')).map((t) => t.id)).toContain(task.id);
    expect(await labels()).toContain(task.id);
    const kinds = (await timeline(task.leadId)).map((e) => e.kind);
    expect(kinds.filter((k) => k.startsWith('dm_task_'))).toEqual([
      'dm_task_created',
      'dm_task_held',
      'dm_task_released',
    ]);
  });

  it('cancels a held letter when the deal is won: the lead is a customer now', async () => {
    const task = await leadWithLetter('won@example.jp');
    expect((await crm('deal.stage_changed', { leadId: task.leadId, stage: '提案' })).statusCode).toBe(200);
    await statusOf(task, 'held');
    expect((await crm('deal.won', { leadId: task.leadId })).statusCode).toBe(200);
    expect((await statusOf(task, 'cancelled')).statusReason).toBe('became a customer');
    await expectNotQueued(task);
  });
});
