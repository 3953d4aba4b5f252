import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, mailTo, PUBLIC_BASE_URL, startTestServices, waitFor } from '../support/services.ts';

// Tasks reach a person (issue 11, item 5): a `task` step makes a to-do for the lead's owner
// (or the round-robin rep), emails them once, lists it, and completing it is a touch on the
// lead's timeline. Real worker, Temporal, PostgreSQL and SMTP.

interface TaskItem {
  id: string;
  leadId: string;
  lead: { email: string; name: string | null; company: string | null; stage: string };
  title: string | null;
  ownerEmail: string | null;
  status: 'open' | 'done';
  dueAt: string | null;
  createdAt: string;
  completedAt: string | null;
  completedBy: string | null;
  note: string | null;
}

const REPS = ['rep-a@example.com', 'rep-b@example.com'];

describe.concurrent('owner tasks', () => {
  let app: FastifyInstance;
  let stop: () => Promise<void>;
  let salesKey: string;
  let integrationKey: string;

  beforeAll(async () => {
    const services = await startTestServices({ workerOptions: { salesReps: REPS } });
    ({ app, stop } = services);
    const cadence = {
      name: 'Call first',
      nurture: { steps: [{ after: 'PT1S', channel: 'task', title: '電話でヒアリングする' }] },
      sendWindow: null,
    };
    expect(
      (await app.inject({ method: 'PUT', url: '/v1/cadences/call', headers: auth, payload: cadence })).statusCode,
    ).toBe(201);
    const key = async (role: string) =>
      (await app.inject({ method: 'POST', url: '/v1/api-keys', headers: auth, payload: { name: role, role } })).json<{
        key: string;
      }>().key;
    salesKey = await key('sales');
    integrationKey = await key('integration');
  });
  afterAll(async () => {
    await stop();
  });

  const get = (url: string, headers: Record<string, string> = auth) => app.inject({ method: 'GET', url, headers });
  const post = (url: string, payload?: Record<string, unknown>, headers: Record<string, string> = auth) =>
    app.inject({ method: 'POST', url, headers, ...(payload === undefined ? {} : { payload }) });
  const tasksOf = async (query: string): Promise<TaskItem[]> => {
    const res = await get(`/v1/tasks?${query}`);
    expect(res.statusCode).toBe(200);
    return res.json<{ items: TaskItem[] }>().items;
  };
  const timeline = async (id: string) =>
    (await get(`/v1/leads/${id}/timeline`)).json<{ items: { kind: string; detail: Record<string, unknown> }[] }>()
      .items;
  const createLead = async (email: string, extra: Record<string, unknown> = {}): Promise<string> => {
    const res = await post('/v1/leads', { email, cadence: 'call', ...extra });
    expect(res.statusCode).toBe(201);
    return res.json<{ id: string }>().id;
  };
  const taskOfLead = (leadId: string) =>
    waitFor(async () => (await tasksOf(`leadId=${leadId}&status=all`))[0], 'the task');

  it("makes a task for the lead's owner, due in two business days, and emails the owner once in the lead's language", async () => {
    const leadId = await createLead('owned@example.jp', {
      name: '山田太郎',
      company: '株式会社サンプル',
      ownerEmail: 'Task-Owner@Example.com',
    });
    const task = await taskOfLead(leadId);
    expect(task).toMatchObject({
      leadId,
      title: '電話でヒアリングする',
      ownerEmail: 'Task-Owner@Example.com',
      status: 'open',
      completedAt: null,
      lead: { email: 'owned@example.jp', name: '山田太郎', company: '株式会社サンプル' },
    });
    // 18:00 in Tokyo, at least two days after it was made (weekends and holidays add more).
    const due = new Date(task.dueAt as string);
    expect(due.getUTCHours()).toBe(9);
    expect(due.getTime() - Date.parse(task.createdAt)).toBeGreaterThan(2 * 86_400_000 - 18 * 3_600_000);
    expect((await tasksOf('owner=task-owner@example.com')).map((t) => t.id)).toEqual([task.id]);

    const [notice, ...more] = await waitFor(async () => {
      const mails = await mailTo('task-owner@example.com');
      return mails.length > 0 ? mails : undefined;
    }, 'the task notice');
    expect(more).toEqual([]);
    expect(notice?.subject).toMatch(/^【タスク】電話でヒアリングする: 株式会社サンプル 山田太郎 様 \(期限 /);
    expect(notice?.text).toContain(`${PUBLIC_BASE_URL}/tasks?owner=Task-Owner%40Example.com`);
    expect(notice?.text).toContain(`${PUBLIC_BASE_URL}/leads/${leadId}`);
    const created = (await timeline(leadId)).find((e) => e.kind === 'task_created');
    expect(created?.detail).toMatchObject({
      taskId: task.id,
      title: '電話でヒアリングする',
      owner: 'Task-Owner@Example.com',
      dueAt: task.dueAt,
    });
  });

  it('gives the task of an unowned lead to the next rep of the round-robin, with an English notice for an English lead', async () => {
    const leadId = await createLead('unowned@example.com', { name: 'Jane Roe', company: 'Example Ltd', locale: 'en' });
    const task = await taskOfLead(leadId);
    expect(REPS).toContain(task.ownerEmail);
    const notice = await waitFor(
      async () => (await mailTo(task.ownerEmail as string)).find((m) => m.text?.includes(leadId)),
      'the notice to the rep',
    );
    expect(notice.subject).toMatch(/^Task: 電話でヒアリングする for Jane Roe, Example Ltd \(due /);
  });

  it('completes a task once with its note: a touch on the timeline, counted in the lead, the first completion kept', async () => {
    const leadId = await createLead('complete@example.jp', { ownerEmail: 'closer@example.com' });
    const task = await taskOfLead(leadId);
    const touchesBefore = (await get(`/v1/leads/${leadId}`)).json<{ touches: number }>().touches;

    const first = await post(
      `/v1/tasks/${task.id}/complete`,
      { note: '来月デモ予定' },
      { authorization: `Bearer ${salesKey}` },
    );
    expect(first.statusCode).toBe(200);
    const done = first.json<TaskItem>();
    expect(done).toMatchObject({ id: task.id, status: 'done', note: '来月デモ予定' });
    expect(done.completedAt).not.toBeNull();
    expect(done.completedBy).not.toBe('admin');

    // A repeat (a double click, a retry) keeps the first completion and writes nothing more.
    const again = await post(`/v1/tasks/${task.id}/complete`);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(done);

    const entries = (await timeline(leadId)).filter((e) => e.kind === 'task_completed');
    expect(entries).toHaveLength(1);
    expect(entries[0]?.detail).toMatchObject({
      taskId: task.id,
      title: '電話でヒアリングする',
      owner: 'closer@example.com',
      note: '来月デモ予定',
    });
    expect((await get(`/v1/leads/${leadId}`)).json<{ touches: number }>().touches).toBe(touchesBefore + 1);
    expect((await tasksOf('owner=closer@example.com&status=open')).map((t) => t.id)).not.toContain(task.id);
    expect((await tasksOf('owner=closer@example.com&status=done')).map((t) => t.id)).toContain(task.id);
  });

  it('pages the task list by cursor, soonest due first, and lists owners with their open counts', async () => {
    const ids = [
      await createLead('page-1@example.jp', { ownerEmail: 'pager@example.com' }),
      await createLead('page-2@example.jp', { ownerEmail: 'pager@example.com' }),
    ];
    await Promise.all(ids.map(taskOfLead));
    const first = (await get('/v1/tasks?owner=pager@example.com&limit=1')).json<{
      items: TaskItem[];
      nextCursor: string | null;
    }>();
    expect(first.items).toHaveLength(1);
    expect(first.nextCursor).not.toBeNull();
    const second = (await get(`/v1/tasks?owner=pager@example.com&limit=1&cursor=${first.nextCursor}`)).json<{
      items: TaskItem[];
      nextCursor: string | null;
    }>();
    expect(second.items).toHaveLength(1);
    expect(second.nextCursor).toBeNull();
    expect(new Set([...first.items, ...second.items].map((t) => t.leadId))).toEqual(new Set(ids));
    expect(Date.parse(first.items[0]?.dueAt as string)).toBeLessThanOrEqual(
      Date.parse(second.items[0]?.dueAt as string),
    );

    const owners = (await get('/v1/tasks/owners')).json<{ items: { email: string; open: number }[] }>().items;
    expect(owners).toContainEqual({ email: 'pager@example.com', open: 2 });
  });

  it('answers 404 for an unknown task and 403 to an integration key, changing nothing', async () => {
    expect((await post('/v1/tasks/00000000-0000-4000-8000-000000000000/complete')).statusCode).toBe(404);
    expect((await post('/v1/tasks/not-an-id/complete')).statusCode).toBe(404);
    expect((await get('/v1/tasks', { authorization: `Bearer ${integrationKey}` })).statusCode).toBe(403);
    const leadId = await createLead('refused@example.jp', { ownerEmail: 'refused@example.com' });
    const task = await taskOfLead(leadId);
    const refused = await post(`/v1/tasks/${task.id}/complete`, {}, { authorization: `Bearer ${integrationKey}` });
    expect(refused.statusCode).toBe(403);
    expect((await taskOfLead(leadId)).status).toBe('open');
  });
});
