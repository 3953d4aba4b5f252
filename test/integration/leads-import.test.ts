import { Readable } from 'node:stream';
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import iconv from 'iconv-lite';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PARSE_ERRORS } from '../../api/lead-import/import-leads.ts';
import { leadWorkflowId } from '../../domain/lead.ts';
import { auth, startTestApp, startTestServices, waitFor } from '../support/services.ts';

interface Summary {
  received: number;
  created: number;
  updated: number;
  failed: number;
  workflowsStarted: number;
  errors: { row: number; field: string | null; reason: string }[];
  errorsTruncated: boolean;
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const ENGLISH_HEADER =
  'Email,Name,Company,Department,Title,Phone,Postal Code,Prefecture,City,Line1,Line2,Source,Owner Email,Cadence,Locale,Timezone,External ID';

describe('POST /v1/leads/import', () => {
  let app: FastifyInstance;
  let pool: pg.Pool;
  let client: Client;
  let taskQueue: string;
  const stops: (() => Promise<void>)[] = [];
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    // No worker: workflows are started, not run, so what an import starts can be counted.
    const services = await startTestServices({ worker: false });
    ({ app, pool, client, taskQueue } = services);
    stops.push(services.stop);
    for (const role of ['marketer', 'sales', 'integration']) {
      keys[role] = (
        await app.inject({ method: 'POST', url: '/v1/api-keys', headers: auth, payload: { name: role, role } })
      ).json<{ key: string }>().key;
    }
  });
  afterAll(async () => {
    for (const stop of stops) await stop();
  });

  const importCsv = (
    payload: string | Buffer | Readable,
    contentType = 'text/csv',
    headers: Record<string, string> = auth,
    target = app,
  ) =>
    target.inject({
      method: 'POST',
      url: '/v1/leads/import',
      headers: { ...headers, 'content-type': contentType },
      payload,
    });
  const leadByEmail = async (email: string) =>
    (await pool.query<Record<string, unknown>>('SELECT * FROM leads WHERE lower(email) = lower($1)', [email])).rows[0];
  const leadCount = async () => Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM leads')).rows[0]?.n);
  /** Every lead has its workflow and no workflow exists without a lead: rejected rows started nothing. */
  const expectOneWorkflowPerLead = async () => {
    const leads = await leadCount();
    await waitFor(
      async () => (await client.workflow.count(`TaskQueue = "${taskQueue}"`)).count === leads,
      `${leads} workflows on the queue`,
    );
  };
  const workflowStatus = async (email: string) => {
    const lead = await leadByEmail(email);
    return (await client.workflow.getHandle(leadWorkflowId(lead?.id as string)).describe()).status.name;
  };

  it('imports UTF-8 rows with English headers, every field stored and each lifecycle started', async () => {
    const csv =
      `${ENGLISH_HEADER}\n` +
      'en-1@example.com,Taro Yamada,Example KK,Sales,Manager,03-1234-5678,100-0001,東京都,千代田区,千代田1-1,Bldg 3F,expo,rep@example.com,default,en,Asia/Tokyo,crm-1\n' +
      'EN-2@example.com,,,,,,,,,,,,,,,,\n';
    const res = await importCsv(csv);
    expect(res.statusCode).toBe(200);
    expect(res.json<Summary>()).toEqual({
      received: 2,
      created: 2,
      updated: 0,
      failed: 0,
      workflowsStarted: 2,
      errors: [],
      errorsTruncated: false,
    });
    expect(await leadByEmail('en-1@example.com')).toMatchObject({
      name: 'Taro Yamada',
      company: 'Example KK',
      department: 'Sales',
      title: 'Manager',
      phone: '03-1234-5678',
      postal_address: {
        postalCode: '100-0001',
        prefecture: '東京都',
        city: '千代田区',
        line1: '千代田1-1',
        line2: 'Bldg 3F',
      },
      source: 'expo',
      owner_email: 'rep@example.com',
      cadence_key: 'default',
      locale: 'en',
      timezone: 'Asia/Tokyo',
      external_id: 'crm-1',
    });
    expect(await leadByEmail('en-2@example.com')).toMatchObject({
      email: 'EN-2@example.com',
      name: null,
      cadence_key: 'default',
      locale: 'ja',
    });
    expect(await workflowStatus('en-1@example.com')).toBe('RUNNING');
    await expectOneWorkflowPerLead();
  });

  it('reads UTF-8 with a BOM and Japanese headers, spaced and in full width', async () => {
    const csv =
      '\uFEFFメールアドレス,お名前,会社名, 部署名 ,役職,ＴＥＬ,郵便番号,都道府県,市区町村,番地,建物名,流入元,外部ID\r\n' +
      'bom-1@example.jp,山田 太郎,株式会社サンプル,営業部,部長,06-1111-2222,5300001,大阪府,大阪市北区,梅田1-1,サンプルビル,展示会,v-1\r\n';
    const res = await importCsv(Buffer.from(csv, 'utf8'), 'text/csv; charset=utf-8');
    expect(res.json<Summary>()).toMatchObject({ received: 1, created: 1, failed: 0 });
    expect(await leadByEmail('bom-1@example.jp')).toMatchObject({
      name: '山田 太郎',
      company: '株式会社サンプル',
      department: '営業部',
      title: '部長',
      phone: '06-1111-2222',
      source: '展示会',
      external_id: 'v-1',
      postal_address: {
        postalCode: '5300001',
        prefecture: '大阪府',
        city: '大阪市北区',
        line1: '梅田1-1',
        line2: 'サンプルビル',
      },
    });
    await expectOneWorkflowPerLead();
  });

  it('takes tags and custom fields from their columns, folded as the API folds them, and a later file replaces them', async () => {
    const csv =
      'email,タグ,カスタム：業種,custom:来場日\r\n' +
      'tagged-1@example.jp,"展示会2026、ＶＩＰ ;vip",製造業,2026-11-20\r\n' +
      'tagged-2@example.jp,,,\r\n' +
      `tagged-3@example.jp,${Array.from({ length: 51 }, (_, i) => `t${i}`).join('|')},小売,\r\n`;
    const res = await importCsv(csv);
    expect(res.json<Summary>()).toMatchObject({
      received: 3,
      created: 2,
      failed: 1,
      errors: [{ row: 4, field: 'tags' }],
    });
    expect(await leadByEmail('tagged-1@example.jp')).toMatchObject({
      tags: ['展示会2026', 'vip'],
      custom_fields: { 業種: '製造業', 来場日: '2026-11-20' },
    });
    // Empty cells leave fields out: no tags, no custom fields.
    expect(await leadByEmail('tagged-2@example.jp')).toMatchObject({ tags: [], custom_fields: {} });
    expect(await leadByEmail('tagged-3@example.jp')).toBeUndefined();

    // Given again, tags and custom fields replace the stored ones, as POST /v1/leads does.
    const again = await importCsv('email,tags,custom:業種\r\ntagged-1@example.jp,seminar,卸売\r\n');
    expect(again.json<Summary>()).toMatchObject({ received: 1, updated: 1, failed: 0 });
    expect(await leadByEmail('tagged-1@example.jp')).toMatchObject({
      tags: ['seminar'],
      custom_fields: { 業種: '卸売' },
    });
    await expectOneWorkflowPerLead();
  });

  it('reads Shift_JIS (CP932, with its NEC and IBM extensions) declared or detected', async () => {
    const csv = (n: number) => `メール,氏名,企業名,部署\r\nsjis-${n}@example.jp,髙橋 ①郎,株式会社ﾃｽﾄ,総務部\r\n`;
    const declared = await importCsv(iconv.encode(csv(1), 'cp932'), 'text/csv; charset=Shift_JIS');
    const detected = await importCsv(iconv.encode(csv(2), 'cp932'));
    for (const res of [declared, detected]) expect(res.json<Summary>()).toMatchObject({ created: 1, failed: 0 });
    for (const n of [1, 2])
      expect(await leadByEmail(`sjis-${n}@example.jp`)).toMatchObject({
        name: '髙橋 ①郎',
        company: '株式会社ﾃｽﾄ',
        department: '総務部',
      });
    await expectOneWorkflowPerLead();
  });

  it('skips broken rows, reporting each by its spreadsheet row, field and reason, and imports the rest', async () => {
    const csv = [
      'email,name,locale',
      'ok-1@example.com,One,ja',
      ',No Email,ja', // row 3
      'not-an-email,Bad Email,ja', // row 4
      'bad-locale@example.com,Bad Locale,fr', // row 5
      '',
      'ok-2@example.com,"Two, with a comma\nand a line break",en', // row 7 (row 6 is blank)
      'columns@example.com,Too,Many,Fields', // row 8
      'quote@example.com,ab"c,ja', // row 9: a quote inside an unquoted field
      ',,', // a blank row: not counted
      'ok-3@example.com,Three,', // row 11
    ].join('\n');
    const res = await importCsv(csv);
    expect(res.statusCode).toBe(200);
    const summary = res.json<Summary>();
    expect(summary).toMatchObject({ received: 8, created: 3, updated: 0, failed: 5, errorsTruncated: false });
    expect(summary.errors.map(({ row, field }) => [row, field])).toEqual([
      [3, 'email'],
      [4, 'email'],
      [5, 'locale'],
      [8, null],
      [9, null],
    ]);
    expect(summary.errors[2]?.reason).toBe('must be one of ja, en');
    expect(summary.errors[3]?.reason).toBe('has 4 fields, the header has 3');
    expect((await leadByEmail('ok-2@example.com'))?.name).toBe('Two, with a comma\nand a line break');
    for (const email of ['not-an-email', 'bad-locale@example.com', 'columns@example.com', 'quote@example.com'])
      expect(await leadByEmail(email)).toBeUndefined();
    await expectOneWorkflowPerLead();
  });

  it('refuses a file whose quote is never closed with 400 and the line, writing nothing', async () => {
    const before = await leadCount();
    const res = await importCsv('email,name\nq-1@example.com,One\nq-2@example.com,"Two\nq-3@example.com,Three\n');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'malformed', details: { line: 4 } } });
    expect(await leadCount()).toBe(before);
    expect(await leadByEmail('q-1@example.com')).toBeUndefined();
    await expectOneWorkflowPerLead();
  });

  it('lists up to MAX_PARSE_ERRORS rows that are not CSV, and refuses a file with more with 400, writing nothing', async () => {
    const before = await leadCount();
    const strayQuotes = (count: number) =>
      Array.from({ length: count }, (_, i) => `stray-${i}@example.com,ab"c`).join('\n');
    const atLimit = await importCsv(`email,name\nlimit-ok@example.com,OK\n${strayQuotes(MAX_PARSE_ERRORS)}\n`);
    expect(atLimit.statusCode).toBe(200);
    expect(atLimit.json<Summary>()).toMatchObject({
      received: MAX_PARSE_ERRORS + 1,
      created: 1,
      failed: MAX_PARSE_ERRORS,
      errorsTruncated: false,
    });
    // 3 MB of rows csv-parse skips: this once grew the heap until the process died.
    const rows = strayQuotes(Math.ceil((3 * 1024 * 1024) / 'stray-00000@example.com,ab"c'.length));
    const res = await importCsv(`email,name\nfirst@example.com,First\n${rows}\nlast@example.com,Last\n`);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      error: {
        code: 'malformed',
        details: { code: 'too_many_parse_errors', limit: MAX_PARSE_ERRORS, line: MAX_PARSE_ERRORS + 3 },
      },
    });
    expect(await leadByEmail('first@example.com')).toBeUndefined();
    expect(await leadCount()).toBe(before + 1);
    await expectOneWorkflowPerLead();
  });

  it('refuses unknown, repeated and missing columns with 422 before reading any row', async () => {
    const before = await leadCount();
    const unknown = await importCsv('email,name,favourite colour\nh-1@example.com,One,blue\n');
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json()).toMatchObject({ error: { details: [{ column: 3, header: 'favourite colour' }] } });
    const repeated = await importCsv('email,メールアドレス\nh-2@example.com,h-2@example.com\n');
    expect(repeated.statusCode).toBe(422);
    expect(repeated.json()).toMatchObject({
      error: { details: [{ column: 2, message: 'column 1 "email" already maps to email' }] },
    });
    const noEmail = await importCsv('name,company\nOne,Example\n');
    expect(noEmail.statusCode).toBe(422);
    expect(JSON.stringify(noEmail.json())).toContain('no email column');
    expect((await importCsv('')).statusCode).toBe(422);
    expect(await leadCount()).toBe(before);
  });

  it('answers 415 for another content type or an unknown charset', async () => {
    const json = await app.inject({
      method: 'POST',
      url: '/v1/leads/import',
      headers: auth,
      payload: { email: 'j@example.com' },
    });
    expect(json.statusCode).toBe(415);
    expect(json.json()).toMatchObject({ error: { code: 'unsupported_media_type' } });
    expect((await importCsv('email\nt@example.com\n', 'text/plain')).statusCode).toBe(415);
    const latin1 = await importCsv('email\nt@example.com\n', 'text/csv; charset=iso-8859-1');
    expect(latin1.statusCode).toBe(415);
    expect(latin1.json<{ error: { message: string } }>().error.message).toContain('iso-8859-1');
    expect(await leadByEmail('t@example.com')).toBeUndefined();
  });

  it('refuses invalid UTF-8 declared as UTF-8 with 400', async () => {
    const res = await importCsv(
      Buffer.concat([
        Buffer.from('email,name\ninvalid@example.com,'),
        Buffer.from([0xff, 0xfe, 0x41]),
        Buffer.from('\n'),
      ]),
      'text/csv; charset=utf-8',
    );
    expect(res.statusCode).toBe(400);
    expect(await leadByEmail('invalid@example.com')).toBeUndefined();
  });

  it('lets admin, marketer and integration keys import, and refuses a sales key with 403', async () => {
    const sales = await importCsv('email\nrole-sales@example.com\n', 'text/csv', bearer(keys.sales as string));
    expect(sales.statusCode).toBe(403);
    expect(await leadByEmail('role-sales@example.com')).toBeUndefined();
    for (const role of ['marketer', 'integration']) {
      const res = await importCsv(`email\nrole-${role}@example.com\n`, 'text/csv', bearer(keys[role] as string));
      expect(res.statusCode, role).toBe(200);
      expect(await leadByEmail(`role-${role}@example.com`)).toBeDefined();
    }
    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/v1/leads/import',
          headers: { 'content-type': 'text/csv' },
          payload: 'email\nx@example.com\n',
        })
      ).statusCode,
    ).toBe(401);
    await expectOneWorkflowPerLead();
  });

  it('updates instead of duplicating when the same file comes twice, and lets a later row of one address win', async () => {
    const csv =
      'email,company,title\nagain-1@example.com,First Co,Buyer\nAGAIN-1@example.com,,CTO\nagain-2@example.com,Second Co,\n';
    const first = (await importCsv(csv)).json<Summary>();
    expect(first).toMatchObject({ received: 3, created: 2, updated: 1, failed: 0, workflowsStarted: 2 });
    const leadsAfterFirst = await leadCount();
    const second = (await importCsv(csv)).json<Summary>();
    expect(second).toMatchObject({ received: 3, created: 0, updated: 3, failed: 0, workflowsStarted: 0 });
    expect(await leadCount()).toBe(leadsAfterFirst);
    expect(await leadByEmail('again-1@example.com')).toMatchObject({
      email: 'again-1@example.com',
      company: 'First Co',
      title: 'CTO',
    });
    await expectOneWorkflowPerLead();
  });

  it('reports a cadence that does not exist on its row', async () => {
    const res = (
      await importCsv('email,cadence\ncad-1@example.com,no-such-cadence\ncad-2@example.com,default\n')
    ).json<Summary>();
    expect(res).toMatchObject({ created: 1, failed: 1, errors: [{ row: 2, field: 'cadence' }] });
    expect(await leadByEmail('cad-1@example.com')).toBeUndefined();
  });

  it('is described in the OpenAPI document as taking text/csv', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<{
      paths: Record<
        string,
        { post?: { requestBody?: { content?: Record<string, unknown> }; responses?: Record<string, unknown> } }
      >;
    }>();
    const route = doc.paths['/v1/leads/import']?.post;
    expect(Object.keys(route?.requestBody?.content ?? {})).toEqual(['text/csv']);
    expect(JSON.stringify(route?.responses?.['200'])).toContain('errorsTruncated');
  });

  it('answers 413 over IMPORT_MAX_BYTES, by Content-Length or while streaming, and writes nothing', async () => {
    const small = await startTestApp({ pool, taskQueue, config: { importMaxBytes: 64 * 1024 } });
    stops.unshift(small.close);
    const before = await leadCount();
    const rows = (count: number) =>
      `email,name\n${Array.from({ length: count }, (_, i) => `big-${i}@example.com,Lead ${i}\n`).join('')}`;
    const declared = await importCsv(rows(3000), 'text/csv', auth, small.app);
    expect(declared.statusCode).toBe(413);
    expect(declared.json()).toMatchObject({ error: { code: 'body_too_large' } });
    // No Content-Length: the limit trips after the first batches were written, and they are rolled back.
    const streamed = await importCsv(
      Readable.from(rows(3000).match(/[^]{1,1000}/g) ?? []),
      'text/csv',
      auth,
      small.app,
    );
    expect(streamed.statusCode).toBe(413);
    expect(await leadCount()).toBe(before);
    await expectOneWorkflowPerLead();
  });
});

// Starting a workflow is what a row costs most (one Temporal round trip each): about 2 ms
// on an idle 2-core machine, 13 ms with the machine loaded by other jobs. 20,000 rows keep
// `npm test` within minutes; IMPORT_TEST_ROWS=100000 runs the full size (286 s here, 340 s
// in a CI run), and `npm run bench -- import` measures 100,000 rows with the API's memory.
// Not the default: 100,000 more workflows in the one dev server every test file shares
// slowed the bad-input suite's workflow counts (visibility queries) from seconds to minutes.
describe('POST /v1/leads/import with a large file', () => {
  const ROWS = Number(process.env.IMPORT_TEST_ROWS ?? 20_000);
  const stops: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const stop of stops) await stop();
  });

  /** The file as a stream of 1,000-row chunks, never one string, in Shift_JIS as a vendor would send it. */
  function* vendorFile(): Generator<Buffer> {
    yield iconv.encode('メールアドレス,氏名,会社名,都道府県,市区町村,番地,郵便番号\r\n', 'cp932');
    for (let start = 0; start < ROWS; start += 1000) {
      let chunk = '';
      for (let i = start; i < Math.min(start + 1000, ROWS); i++)
        chunk += `bulk-${i}@example.jp,山田 ${i},株式会社サンプル${i % 97},東京都,千代田区,千代田${i % 9}-1,100-0001\r\n`;
      yield iconv.encode(chunk, 'cp932');
    }
  }

  it('imports every row and starts every lifecycle', { timeout: 1_800_000 }, async () => {
    // Its own database and a task queue no worker polls: the workflows are started, not run.
    const { app, pool, client, taskQueue, stop } = await startTestServices({ worker: false });
    stops.push(stop);
    const started = Date.now();
    const res = await app.inject({
      method: 'POST',
      url: '/v1/leads/import',
      headers: { ...auth, 'content-type': 'text/csv; charset=shift_jis' },
      payload: Readable.from(vendorFile()),
    });
    const seconds = (Date.now() - started) / 1000;
    process.stderr.write(`${ROWS}-row import: ${seconds.toFixed(1)} s, ${Math.round(ROWS / seconds)} rows/s\n`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<Summary>()).toEqual({
      received: ROWS,
      created: ROWS,
      updated: 0,
      failed: 0,
      workflowsStarted: ROWS,
      errors: [],
      errorsTruncated: false,
    });
    const count = await pool.query<{ n: string; names: string }>(
      "SELECT count(*) AS n, count(*) FILTER (WHERE name LIKE '山田 %') AS names FROM leads WHERE email LIKE 'bulk-%'",
    );
    expect(count.rows[0]).toEqual({ n: String(ROWS), names: String(ROWS) });
    await waitFor(
      async () => (await client.workflow.count(`TaskQueue = "${taskQueue}"`)).count === ROWS,
      `${ROWS} workflows`,
      60_000,
    );
    const last = (
      await pool.query<{ id: string }>('SELECT id FROM leads WHERE email = $1', [`bulk-${ROWS - 1}@example.jp`])
    ).rows[0];
    expect((await client.workflow.getHandle(leadWorkflowId(last?.id as string)).describe()).status.name).toBe(
      'RUNNING',
    );
  });
});
