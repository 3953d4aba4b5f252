import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, mailTo, startTestServices, waitFor } from '../support/services.ts';

// Escalations do not wait forever (issue 11, item 6): an escalation nobody acknowledges
// reminds its rep once after `remindAfter`, then goes to the next rep in the rotation;
// acknowledging stops it. Real worker, Temporal, PostgreSQL and SMTP.

const REPS = ['first-rep@example.com', 'second-rep@example.com'];

interface Escalation {
  id: string;
  ownerEmail: string | null;
}

describe.concurrent('escalation reminders', () => {
  let app: FastifyInstance;
  let client: Client;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    const services = await startTestServices({
      workerOptions: { salesReps: REPS, salesManagerEmail: 'manager@example.com' },
    });
    ({ app, client, stop } = services);
    const cadence = {
      name: 'Quick reminders',
      nurture: { steps: [{ after: 'P1D', channel: 'task', title: '電話する' }] },
      scoring: { points: { meeting_request: 50 }, threshold: 10, halfLife: 'P30D' },
      escalation: { remindAfter: 'PT2S' },
      sendWindow: null,
    };
    expect(
      (await app.inject({ method: 'PUT', url: '/v1/cadences/quick', headers: auth, payload: cadence })).statusCode,
    ).toBe(201);
  });
  afterAll(async () => {
    await stop();
  });

  const get = (url: string) => app.inject({ method: 'GET', url, headers: auth });
  const post = (url: string, payload?: Record<string, unknown>) =>
    app.inject({ method: 'POST', url, headers: auth, ...(payload === undefined ? {} : { payload }) });
  const timeline = async (id: string) =>
    (await get(`/v1/leads/${id}/timeline`)).json<{ items: { kind: string; detail: Record<string, unknown> }[] }>()
      .items;
  const entry = (leadId: string, kind: string) =>
    waitFor(async () => (await timeline(leadId)).find((e) => e.kind === kind), kind);

  /** A lead owned by `owner` on the quick cadence, made hot, and its escalation. */
  const hotLead = async (email: string, owner: string): Promise<{ leadId: string; escalation: Escalation }> => {
    const res = await post('/v1/leads', {
      email,
      cadence: 'quick',
      ownerEmail: owner,
      name: email.split('@')[0],
      company: '株式会社リマインド',
    });
    expect(res.statusCode).toBe(201);
    const leadId = res.json<{ id: string }>().id;
    expect((await post('/v1/events', { leadId, type: 'meeting_request' })).statusCode).toBe(202);
    const escalation = await waitFor(
      async () => (await get(`/v1/escalations?status=all&leadId=${leadId}`)).json<{ items: Escalation[] }>().items[0],
      'the escalation',
    );
    return { leadId, escalation };
  };

  it('reminds the rep once, then hands the escalation to the next rep in the rotation, each on the timeline and by email', async () => {
    const { leadId, escalation } = await hotLead('unanswered@example.jp', 'first-rep@example.com');
    expect(escalation.ownerEmail).toBe('first-rep@example.com');

    const reminded = await entry(leadId, 'escalation_reminded');
    expect(reminded.detail).toEqual({ escalationId: escalation.id, owner: 'first-rep@example.com' });
    const reminder = await waitFor(
      async () => (await mailTo('first-rep@example.com')).find((m) => m.subject?.startsWith('【リマインド】')),
      'the reminder',
    );
    expect(reminder.subject).toBe('【リマインド】未対応のホットリード: 株式会社リマインド unanswered 様');

    const handedOver = await entry(leadId, 'escalation_handed_over');
    expect(handedOver.detail).toEqual({
      escalationId: escalation.id,
      from: 'first-rep@example.com',
      to: 'second-rep@example.com',
    });
    const handover = await waitFor(
      async () => (await mailTo('second-rep@example.com')).find((m) => m.subject?.startsWith('【引き継ぎ】')),
      'the hand-over notice',
    );
    expect(handover.subject).toContain('first-rep@example.com');
    expect((await get(`/v1/escalations/${escalation.id}`)).json<Escalation>().ownerEmail).toBe(
      'second-rep@example.com',
    );

    // Once each: the follow-up has ended, with one reminder and one hand-over.
    expect(await client.workflow.getHandle(`escalation-${escalation.id}`).result()).toBe('handed_over');
    const kinds = (await timeline(leadId)).map((e) => e.kind);
    expect(kinds.filter((k) => k === 'escalation_reminded')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'escalation_handed_over')).toHaveLength(1);
    expect(
      (await mailTo('first-rep@example.com')).filter(
        (m) => m.subject?.startsWith('【リマインド】') && m.text?.includes(leadId),
      ),
    ).toHaveLength(1);
  });

  it('stops following up once the rep acknowledges: no reminder, no hand-over', async () => {
    const { leadId, escalation } = await hotLead('answered@example.jp', 'second-rep@example.com');
    const followUp = client.workflow.getHandle(`escalation-${escalation.id}`);
    // The escalation is stored a moment before its follow-up starts: acknowledge a running one.
    await waitFor(
      () =>
        followUp.describe().then(
          () => true,
          () => false,
        ),
      'the follow-up workflow',
    );
    expect((await post(`/v1/escalations/${escalation.id}/ack`)).statusCode).toBe(200);
    expect(await followUp.result()).toBe('acknowledged');
    const kinds = (await timeline(leadId)).map((e) => e.kind);
    expect(kinds).toContain('escalated');
    expect(kinds).not.toContain('escalation_reminded');
    expect(kinds).not.toContain('escalation_handed_over');
    expect((await get(`/v1/escalations/${escalation.id}`)).json<Escalation>().ownerEmail).toBe(
      'second-rep@example.com',
    );
  });

  it('hands over after the reminder when acknowledged too late, wrapping round the rotation', async () => {
    const { leadId } = await hotLead('late@example.jp', 'second-rep@example.com');
    await entry(leadId, 'escalation_reminded');
    const handedOver = await entry(leadId, 'escalation_handed_over');
    expect(handedOver.detail).toMatchObject({ from: 'second-rep@example.com', to: 'first-rep@example.com' });
  });
});
