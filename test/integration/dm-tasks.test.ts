import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, startTestServices, waitFor } from '../support/services.ts';

// DM tasks end to end: a `dm` step renders its letter into a task (real worker, real
// Temporal and PostgreSQL), the print desk lists, downloads labels and marks them sent.

const LETTER_MJML =
  '<mjml><mj-body><mj-section><mj-column><mj-text>{{lead.company}} {{lead.name}} 様 カタログをお送りします</mj-text></mj-column></mj-section></mj-body></mjml>';
const dmCadence = (name: string, template: string) => ({
  name,
  nurture: { steps: [{ after: 'PT1S', channel: 'dm', template }] },
  sendWindow: null,
});

const ADDRESS = {
  postalCode: '100-0001',
  prefecture: '東京都',
  city: '千代田区',
  line1: '千代田1-1',
  line2: 'サンプルビル3F',
};

interface DmTaskItem {
  id: string;
  leadId: string;
  lead: { email: string; name: string | null; company: string | null; department: string | null };
  postalAddress: typeof ADDRESS | null;
  templateKey: string | null;
  templateVersion: number | null;
  letterSubject: string | null;
  letterUrl: string | null;
  status: 'open' | 'done';
  ownerEmail: string | null;
  createdAt: string;
  completedAt: string | null;
}

/** RFC 4180 records of a CSV text (quoted fields may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i++;
    } else {
      field += c;
    }
  }
  if (field !== '' || record.length > 0) throw new Error('the CSV does not end with CRLF');
  return records;
}

describe.concurrent('DM tasks', () => {
  let pool: pg.Pool;
  let app: FastifyInstance;
  const stops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    const services = await startTestServices();
    ({ pool, app } = services);
    stops.push(services.stop);
    const template = await app.inject({
      method: 'PUT',
      url: '/v1/templates/letter',
      headers: auth,
      payload: { subject: '{{lead.name}} 様へカタログ送付のご案内', mjml: LETTER_MJML },
    });
    expect(template.statusCode).toBe(201);
    expect(
      (
        await app.inject({
          method: 'PUT',
          url: '/v1/cadences/dm',
          headers: auth,
          payload: dmCadence('DM first', 'letter'),
        })
      ).statusCode,
    ).toBe(201);
    expect(
      (
        await app.inject({
          method: 'PUT',
          url: '/v1/cadences/dm-missing',
          headers: auth,
          payload: dmCadence('DM without its template', 'no-such-letter'),
        })
      ).statusCode,
    ).toBe(201);
  });
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
  });

  const get = (url: string, headers: Record<string, string> = auth) => app.inject({ method: 'GET', url, headers });
  const post = (url: string, payload?: unknown, headers: Record<string, string> = auth) =>
    app.inject({
      method: 'POST',
      url,
      headers,
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });
  const tasks = async (status: string): Promise<DmTaskItem[]> => {
    const res = await get(`/v1/dm-tasks?status=${status}`);
    expect(res.statusCode).toBe(200);
    return res.json<{ items: DmTaskItem[] }>().items;
  };
  const timeline = async (id: string) =>
    (await get(`/v1/leads/${id}/timeline`)).json<{ items: { kind: string; detail: Record<string, unknown> }[] }>()
      .items;

  const createLead = async (email: string, extra: Record<string, unknown> = {}): Promise<string> => {
    const res = await post('/v1/leads', { email, cadence: 'dm', ...extra });
    expect(res.statusCode).toBe(201);
    return res.json<{ id: string }>().id;
  };
  /** A lead with an address on the DM cadence, and the DM task its first step made. */
  const dmLead = async (email: string, extra: Record<string, unknown> = {}): Promise<DmTaskItem> => {
    const leadId = await createLead(email, { postalAddress: ADDRESS, ...extra });
    return waitFor(async () => (await tasks('all')).find((t) => t.leadId === leadId), `the DM task of ${email}`);
  };

  it('renders the letter into the DM task, lead data escaped', async () => {
    const task = await dmLead('script@example.jp', {
      name: '<script>alert(1)</script>',
      company: '株式会社テスト',
      department: '総務部',
      ownerEmail: 'rep@example.com',
    });
    expect(task).toMatchObject({
      lead: {
        email: 'script@example.jp',
        name: '<script>alert(1)</script>',
        company: '株式会社テスト',
        department: '総務部',
      },
      postalAddress: ADDRESS,
      templateKey: 'letter',
      templateVersion: 1,
      // The subject is text, not HTML: it keeps the name as written.
      letterSubject: '<script>alert(1)</script> 様へカタログ送付のご案内',
      letterUrl: `/v1/dm-tasks/${task.id}/letter`,
      status: 'open',
      ownerEmail: 'rep@example.com',
      completedAt: null,
    });
    expect((await tasks('open')).map((t) => t.id)).toContain(task.id);
    expect((await get(`/v1/dm-tasks/${task.id}`)).json()).toEqual(task);

    const letter = await get(task.letterUrl!);
    expect(letter.statusCode).toBe(200);
    expect(letter.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(letter.headers['content-security-policy']).toMatch(/^sandbox;/);
    expect(letter.body).toContain('株式会社テスト &lt;script&gt;alert(1)&lt;/script&gt; 様 カタログをお送りします');
    expect(letter.body).not.toContain('<script>');

    const created = (await timeline(task.leadId)).find((e) => e.kind === 'dm_task_created');
    expect(created?.detail).toMatchObject({ taskId: task.id, template: 'letter' });
  });

  it('makes no DM task for a lead without a postal address but a task to confirm the address, and says so on its timeline', async () => {
    const leadId = await createLead('no-address@example.jp', { name: '住所なし' });
    const fallback = await waitFor(
      async () => (await timeline(leadId)).find((e) => e.kind === 'touch_fallback'),
      'the touch_fallback entry',
    );
    expect(fallback.detail).toMatchObject({
      step: 0,
      channel: 'task',
      title: '住所を確認する',
      reasons: [{ code: 'fallback', message: 'task instead of DM: no postal address' }],
    });
    expect((await tasks('all')).filter((t) => t.leadId === leadId)).toEqual([]);
  });

  it('fails the touch, with no task, when the letter template does not exist', async () => {
    const leadId = await createLead('no-template@example.jp', { cadence: 'dm-missing', postalAddress: ADDRESS });
    const failed = await waitFor(
      async () => (await timeline(leadId)).find((e) => e.kind === 'touch_failed'),
      'the touch_failed entry',
    );
    expect(failed.detail).toMatchObject({ channel: 'dm', template: 'no-such-letter', type: 'TemplateNotFound' });
    expect((await tasks('all')).filter((t) => t.leadId === leadId)).toEqual([]);
  });

  it('completes a task once, keeping the first completion time, with one dm_sent entry', async () => {
    const task = await dmLead('complete-one@example.jp', { name: '完了一郎' });
    const first = await post(`/v1/dm-tasks/${task.id}/complete`);
    expect(first.statusCode).toBe(200);
    const done = first.json<DmTaskItem>();
    expect(done).toMatchObject({
      id: task.id,
      status: 'done',
      completedAt: expect.any(String),
      letterUrl: task.letterUrl,
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const again = await post(`/v1/dm-tasks/${task.id.toUpperCase()}/complete`);
    expect(again.statusCode).toBe(200);
    expect(again.json<DmTaskItem>().completedAt).toBe(done.completedAt);

    const sent = (await timeline(task.leadId)).filter((e) => e.kind === 'dm_sent');
    expect(sent).toHaveLength(1);
    expect(sent[0]?.detail).toEqual({ taskId: task.id, template: 'letter' });

    expect((await tasks('open')).map((t) => t.id)).not.toContain(task.id);
    expect((await tasks('done')).find((t) => t.id === task.id)).toEqual(done);
    expect((await tasks('all')).map((t) => t.id)).toContain(task.id);
    expect((await get('/v1/dm-tasks')).json<{ items: DmTaskItem[] }>().items.map((t) => t.id)).not.toContain(task.id);
  });

  it('completes a batch, answering how many were done, already done, or not found', async () => {
    const a = await dmLead('batch-a@example.jp', { name: 'バッチA' });
    const b = await dmLead('batch-b@example.jp', { name: 'バッチB' });
    const c = await dmLead('batch-c@example.jp', { name: 'バッチC' });
    expect((await post(`/v1/dm-tasks/${c.id}/complete`)).statusCode).toBe(200);
    const unknown = randomUUID();
    const res = await post('/v1/dm-tasks/complete', {
      ids: [a.id, b.id, a.id.toUpperCase(), c.id, unknown, 'not-a-task'],
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ completed: 2, alreadyDone: 1, notFound: [unknown, 'not-a-task'], notOpen: [] });
    const done = new Map((await tasks('done')).map((t) => [t.id, t]));
    for (const task of [a, b, c]) {
      expect(done.get(task.id)?.status).toBe('done');
      expect((await timeline(task.leadId)).filter((e) => e.kind === 'dm_sent')).toHaveLength(1);
    }
    // Sending the same batch again changes nothing.
    expect((await post('/v1/dm-tasks/complete', { ids: [a.id, b.id] })).json()).toEqual({
      completed: 0,
      alreadyDone: 2,
      notFound: [],
      notOpen: [],
    });
    expect((await tasks('done')).find((t) => t.id === a.id)?.completedAt).toBe(done.get(a.id)?.completedAt);
  });

  it('downloads mailing labels as Excel-ready CSV, oldest first, quoted and formula-safe', async () => {
    const quoted = await dmLead('csv-quoted@example.jp', {
      name: '山田 太郎',
      company: 'Foo, "Bar" Inc.',
      department: '営業部',
      postalAddress: { ...ADDRESS, line2: '3F\n受付' },
    });
    const formula = await dmLead('csv-formula@example.jp', {
      name: '=HYPERLINK("http://evil.example","click")',
      postalAddress: { postalCode: '5300001', prefecture: '大阪府', city: '大阪市北区', line1: '梅田1-1-1' },
    });
    const nameless = await dmLead('csv-nameless@example.jp', { company: '@mention株式会社', department: '-総務-' });
    const mine = [quoted.id, formula.id, nameless.id];

    const res = await get('/v1/dm-tasks.csv?status=open');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="dm-labels-20\d{6}\.csv"$/);
    const bytes = res.rawPayload;
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.subarray(3).toString('utf8');
    expect(text.startsWith('郵便番号,都道府県,市区町村,住所1,住所2,会社名,部署,氏名,タスクID\r\n')).toBe(true);
    // Quotes doubled inside a quoted field; the LF inside an address line quoted too.
    expect(text).toContain('"Foo, ""Bar"" Inc."');
    expect(text).toContain('"3F\n受付"');
    expect(text).toContain(`"'=HYPERLINK(""http://evil.example"",""click"") 様"`);

    const [header, ...rows] = parseCsv(text);
    expect(header).toHaveLength(9);
    const labels = rows.filter((row) => mine.includes(row[8] ?? ''));
    expect(labels).toEqual([
      [
        '100-0001',
        '東京都',
        '千代田区',
        '千代田1-1',
        '3F\n受付',
        'Foo, "Bar" Inc.',
        '営業部',
        '山田 太郎 様',
        quoted.id,
      ],
      [
        '530-0001',
        '大阪府',
        '大阪市北区',
        '梅田1-1-1',
        '',
        '',
        '',
        `'=HYPERLINK("http://evil.example","click") 様`,
        formula.id,
      ],
      [
        '100-0001',
        '東京都',
        '千代田区',
        '千代田1-1',
        'サンプルビル3F',
        "'@mention株式会社",
        "'-総務-",
        'ご担当者 様',
        nameless.id,
      ],
    ]);
    // The whole file is in the list's order (oldest first), not just these three rows.
    // Other tests add and complete tasks meanwhile: compare the tasks both answers hold.
    const csvIds = rows.map((row) => row[8] ?? '');
    const listIds = (await tasks('open')).map((t) => t.id);
    expect(csvIds.length).toBeGreaterThanOrEqual(3);
    expect(csvIds.filter((id) => listIds.includes(id))).toEqual(listIds.filter((id) => csvIds.includes(id)));

    // The status filter applies to labels as to the list.
    expect((await post(`/v1/dm-tasks/${formula.id}/complete`)).statusCode).toBe(200);
    const openIds = parseCsv((await get('/v1/dm-tasks.csv')).rawPayload.subarray(3).toString('utf8')).map(
      (row) => row[8],
    );
    expect(openIds).toContain(quoted.id);
    expect(openIds).not.toContain(formula.id);
    const doneIds = parseCsv((await get('/v1/dm-tasks.csv?status=done')).rawPayload.subarray(3).toString('utf8')).map(
      (row) => row[8],
    );
    expect(doneIds).toContain(formula.id);
    expect(doneIds).not.toContain(quoted.id);
  });

  it('answers 404 for unknown and malformed ids, and for tasks that are not DMs', async () => {
    // A to-do (a `task` step's work) is a task, but not a DM task.
    const todo = await pool.query<{ id: string }>(
      `WITH lead AS (INSERT INTO leads (email, cadence_key) VALUES ('todo-only@example.jp', 'dm') RETURNING id)
       INSERT INTO tasks (idempotency_key, lead_id, kind, title) SELECT $1, id, 'todo', 'Call back' FROM lead RETURNING id`,
      [`todo-${randomUUID()}`],
    );
    expect(todo.rows).toHaveLength(1);
    const ids = [randomUUID(), 'not-a-uuid', "1' OR '1'='1", ...todo.rows.map((r) => r.id)];
    for (const id of ids) {
      const path = `/v1/dm-tasks/${encodeURIComponent(id)}`;
      for (const res of [await get(path), await get(`${path}/letter`), await post(`${path}/complete`)]) {
        expect(res.statusCode).toBe(404);
        expect(res.json()).toMatchObject({ error: { code: 'not_found' } });
      }
    }
  });

  it('refuses bad filters and bodies with 422', async () => {
    expect((await get('/v1/dm-tasks?status=sent')).statusCode).toBe(422);
    expect((await get('/v1/dm-tasks.csv?status=pending')).statusCode).toBe(422);
    expect((await get('/v1/dm-tasks?limit=0')).statusCode).toBe(422);
    expect((await post('/v1/dm-tasks/complete', { ids: [] })).statusCode).toBe(422);
    expect((await post('/v1/dm-tasks/complete', { taskIds: [randomUUID()] })).statusCode).toBe(422);
  });

  it('answers 401 without an API key', async () => {
    const id = randomUUID();
    const responses = [
      await get('/v1/dm-tasks', {}),
      await get('/v1/dm-tasks.csv', {}),
      await get(`/v1/dm-tasks/${id}/letter`, {}),
      await post(`/v1/dm-tasks/${id}/complete`, undefined, {}),
      await post('/v1/dm-tasks/complete', { ids: [id] }, { authorization: 'Bearer wrong-key-wrong-key-wrong' }),
    ];
    for (const res of responses) {
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ error: { code: 'unauthorized' } });
    }
  });
});
