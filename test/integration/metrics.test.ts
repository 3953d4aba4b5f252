import type { ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../stack/free-port.ts';
import { parsePrometheusText, sampleValue, type Sample } from '../support/prometheus-text.ts';
import {
  auth,
  CRM_SECRET,
  createTestDatabase,
  mailTo,
  stack,
  startTestApp,
  uniqueTaskQueue,
  waitFor,
} from '../support/services.ts';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.ts';

// `GET /metrics` on the API (inject) and on a production worker process (worker/main.ts,
// spawned as `npm start` spawns it, with WORKER_METRICS_PORT), after real sends through
// real Temporal, PostgreSQL and SMTP. Counters are compared before and after, and must
// move by exactly what happened.

const TEMPLATE = {
  subject: 'Metrics {{lead.name}}',
  mjml: '<mjml><mj-body><mj-section><mj-column><mj-text>Hello</mj-text></mj-column></mj-section></mj-body></mjml>',
};
const CADENCE = {
  name: 'Metrics',
  nurture: {
    steps: [
      { after: 'PT1S', channel: 'email', template: 'metrics' },
      { after: 'P1Y', channel: 'email', template: 'metrics' },
    ],
  },
};
const METRICS_TOKEN = 'metrics-token-0123456789';

describe('metrics of the API and of a worker', () => {
  let app: FastifyInstance;
  let pool: pg.Pool;
  let databaseUrl: string;
  let metricsPort: number;
  const taskQueue = uniqueTaskQueue();
  const stops: (() => Promise<void>)[] = [];
  const children: ChildProcess[] = [];

  const startWorker = async (env: Record<string, string>): Promise<WorkerProcess> => {
    const started = await startWorkerProcess({
      DATABASE_URL: databaseUrl,
      SMTP_URL: stack().smtpUrl,
      LOG_LEVEL: 'info',
      WORKER_METRICS_PORT: '',
      METRICS_TOKEN: '',
      ...env,
    });
    children.push(started.child);
    return started;
  };

  const workerMetrics = async (
    headers: Record<string, string> = { authorization: `Bearer ${METRICS_TOKEN}` },
  ): Promise<{ status: number; type: string | null; text: string }> => {
    const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { headers });
    return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
  };
  const apiMetrics = async (): Promise<Sample[]> => {
    const response = await app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return parsePrometheusText(response.body);
  };

  let worker: WorkerProcess;
  beforeAll(async () => {
    const db = await createTestDatabase();
    ({ pool, url: databaseUrl } = db);
    const api = await startTestApp({ pool, taskQueue });
    app = api.app;
    stops.push(api.close, db.drop);
    metricsPort = await freePort();
    worker = await startWorker({
      TEMPORAL_TASK_QUEUE: taskQueue,
      WORKER_METRICS_PORT: String(metricsPort),
      METRICS_TOKEN,
      HOST: '127.0.0.1',
    });
  });
  afterAll(async () => {
    for (const child of children) {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
      }
    }
    for (const stop of stops) await stop();
  });

  it(
    'counts one sent email on the worker, and times and counts the API calls that caused it by route',
    { timeout: 300_000 },
    async () => {
      const workerBefore = parsePrometheusText((await workerMetrics()).text);
      const apiBefore = await apiMetrics();

      expect(
        (await app.inject({ method: 'PUT', url: '/v1/templates/metrics', headers: auth, payload: TEMPLATE }))
          .statusCode,
      ).toBe(201);
      expect(
        (await app.inject({ method: 'PUT', url: '/v1/cadences/metrics', headers: auth, payload: CADENCE })).statusCode,
      ).toBe(201);
      const created = await app.inject({
        method: 'POST',
        url: '/v1/leads',
        headers: auth,
        payload: { email: 'metrics@example.jp', name: 'Metric', cadence: 'metrics' },
      });
      expect(created.statusCode).toBe(201);
      const leadId = created.json<{ id: string }>().id;
      await waitFor(async () => (await mailTo('metrics@example.jp')).length === 1, 'the email');
      expect((await app.inject({ method: 'GET', url: `/v1/leads/${leadId}`, headers: auth })).statusCode).toBe(200);

      // The worker: exactly one touch sent by email, nothing failed or suppressed. The
      // counters move in the worker process after its commit of the delivery row returns,
      // which on a loaded machine can be after this test already reads the row as `sent`:
      // wait for the touch counter itself, then check every figure exactly.
      await waitFor(
        async () =>
          (await pool.query("SELECT 1 FROM deliveries WHERE lead_id = $1 AND status = 'sent'", [leadId])).rowCount ===
          1,
        'the delivery to be recorded',
      );
      await waitFor(
        async () =>
          sampleValue(parsePrometheusText((await workerMetrics()).text), 'lle_touches_total', { channel: 'email' }) >
          sampleValue(workerBefore, 'lle_touches_total', { channel: 'email' }),
        'the worker to count the touch',
      );
      const scraped = await workerMetrics();
      expect(scraped.status).toBe(200);
      expect(scraped.type).toMatch(/^text\/plain; version=0\.0\.4/);
      const workerAfter = parsePrometheusText(scraped.text);
      const moved = (name: string, labels: Record<string, string>) =>
        sampleValue(workerAfter, name, labels) - sampleValue(workerBefore, name, labels);
      expect(moved('lle_emails_sent_total', { kind: 'touch' })).toBe(1);
      expect(moved('lle_emails_sent_total', { kind: 'notification' })).toBe(0);
      expect(moved('lle_touches_total', { channel: 'email' })).toBe(1);
      expect(
        workerAfter.filter((s) => s.name === 'lle_emails_failed_total' || s.name === 'lle_emails_suppressed_total'),
      ).toEqual([]);
      // The Temporal SDK's runtime metrics are merged in: workflow task latency among them,
      // per workflow type (the worker also runs its daily segment count).
      expect(
        sampleValue(workerAfter, 'temporal_workflow_task_execution_latency_seconds_count', {
          task_queue: taskQueue,
          workflow_type: 'leadLifecycle',
        }),
      ).toBeGreaterThan(0);
      expect(
        sampleValue(workerAfter, 'temporal_workflow_task_schedule_to_start_latency_seconds_count', {
          task_queue: taskQueue,
        }),
      ).toBeGreaterThan(0);
      // And Node's own: a worker's memory is what the sizing guide counts.
      expect(workerAfter.some((s) => s.name === 'process_resident_memory_bytes')).toBe(true);

      // The worker's log line of that send is JSON naming the lead and its workflow.
      const sentLine = worker.lines
        .map((line) => (line.startsWith('{') ? (JSON.parse(line) as Record<string, unknown>) : {}))
        .find((entry) => entry.msg === 'email sent');
      expect(sentLine).toMatchObject({
        level: 30,
        leadId,
        workflowId: `lead-${leadId}`,
        activityType: 'sendEmail',
        kind: 'touch',
        templateKey: 'metrics',
      });

      // The API: request durations by route pattern, never by raw URL.
      const apiAfter = await apiMetrics();
      const count = (samples: Sample[], route: string, method: string, status: string) =>
        sampleValue(samples, 'lle_http_request_duration_seconds_count', { route, method, status_code: status });
      expect(count(apiAfter, '/v1/leads', 'POST', '201') - count(apiBefore, '/v1/leads', 'POST', '201')).toBe(1);
      expect(count(apiAfter, '/v1/leads/:id', 'GET', '200') - count(apiBefore, '/v1/leads/:id', 'GET', '200')).toBe(1);
      expect(
        count(apiAfter, '/v1/cadences/:key', 'PUT', '201') - count(apiBefore, '/v1/cadences/:key', 'PUT', '201'),
      ).toBe(1);
      expect(apiAfter.some((s) => Object.values(s.labels).some((value) => value.includes(leadId)))).toBe(false);
      expect(
        sampleValue(apiAfter, 'lle_http_request_duration_seconds_bucket', {
          route: '/v1/leads',
          method: 'POST',
          status_code: '201',
          le: '+Inf',
        }),
      ).toBeGreaterThanOrEqual(1);
      // Read at scrape time: the backlog Temporal reports for the queue, and whether it could.
      expect(sampleValue(apiAfter, 'lle_metrics_source_up', { source: 'database' })).toBe(1);
      expect(sampleValue(apiAfter, 'lle_metrics_source_up', { source: 'temporal' })).toBe(1);
      expect(apiAfter.some((s) => s.name === 'lle_task_queue_backlog' && s.labels.type === 'workflow')).toBe(true);
    },
  );

  it('counts webhook requests by provider and outcome, and CSV rows by outcome', async () => {
    const before = await apiMetrics();
    const lead = await app.inject({
      method: 'POST',
      url: '/v1/leads',
      headers: auth,
      payload: { email: 'hook@example.jp', cadence: 'metrics' },
    });
    const body = JSON.stringify({
      id: 'metrics-deal-1',
      type: 'deal.stage_changed',
      occurredAt: new Date().toISOString(),
      data: { leadId: lead.json<{ id: string }>().id, stage: 'Proposal' },
    });
    const signed = {
      'content-type': 'application/json',
      'x-signature': `sha256=${createHmac('sha256', CRM_SECRET).update(body).digest('hex')}`,
    };
    expect(
      (await app.inject({ method: 'POST', url: '/v1/webhooks/crm/generic', headers: signed, payload: body }))
        .statusCode,
    ).toBe(200);
    expect(
      (await app.inject({ method: 'POST', url: '/v1/webhooks/crm/generic', headers: signed, payload: body })).json<{
        duplicate: boolean;
      }>().duplicate,
    ).toBe(true);
    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/v1/webhooks/crm/generic',
          headers: { ...signed, 'x-signature': `sha256=${'ab'.repeat(32)}` },
          payload: body,
        })
      ).statusCode,
    ).toBe(401);
    // Mailgun without its signing key: refused as not configured.
    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/v1/webhooks/mail/mailgun',
          payload: { signature: { timestamp: '1', token: 't', signature: 's' }, 'event-data': { event: 'failed' } },
        })
      ).statusCode,
    ).toBe(403);

    const csv =
      'email,name,cadence\nrow1@example.jp,One,metrics\nrow2@example.jp,Two,metrics\nnot-an-address,Three,metrics\n';
    const imported = await app.inject({
      method: 'POST',
      url: '/v1/leads/import',
      headers: { ...auth, 'content-type': 'text/csv; charset=utf-8' },
      payload: csv,
    });
    expect(imported.json()).toMatchObject({ created: 2, failed: 1 });

    const after = await apiMetrics();
    const moved = (name: string, labels: Record<string, string>) =>
      sampleValue(after, name, labels) - sampleValue(before, name, labels);
    expect(moved('lle_webhook_receipts_total', { provider: 'generic', outcome: 'accepted' })).toBe(1);
    expect(moved('lle_webhook_receipts_total', { provider: 'generic', outcome: 'duplicate' })).toBe(1);
    expect(moved('lle_webhook_receipts_total', { provider: 'generic', outcome: 'bad_signature' })).toBe(1);
    expect(moved('lle_webhook_receipts_total', { provider: 'mailgun', outcome: 'not_configured' })).toBe(1);
    expect(moved('lle_csv_rows_imported_total', { outcome: 'created' })).toBe(2);
    expect(moved('lle_csv_rows_imported_total', { outcome: 'updated' })).toBe(0);
    expect(moved('lle_csv_rows_imported_total', { outcome: 'failed' })).toBe(1);
  });

  it('reports unacknowledged escalations and the age of the oldest, read from PostgreSQL', async () => {
    const lead = (await pool.query<{ id: string }>("SELECT id FROM leads WHERE email = 'metrics@example.jp'")).rows[0]!;
    await pool.query(
      "INSERT INTO escalations (idempotency_key, lead_id, kind, score, created_at) VALUES ('metrics/esc/1', $1, 'sales', 60, now() - interval '2 hours')",
      [lead.id],
    );
    const samples = await apiMetrics();
    expect(sampleValue(samples, 'lle_escalations_unacknowledged', { kind: 'sales' })).toBe(1);
    expect(sampleValue(samples, 'lle_escalations_unacknowledged', { kind: 'upsell' })).toBe(0);
    expect(
      sampleValue(samples, 'lle_escalation_oldest_unacknowledged_age_seconds', { kind: 'sales' }),
    ).toBeGreaterThanOrEqual(7200);
    await pool.query(
      "UPDATE escalations SET acked_at = now(), acked_by = 'test' WHERE idempotency_key = 'metrics/esc/1'",
    );
    expect(sampleValue(await apiMetrics(), 'lle_escalations_unacknowledged', { kind: 'sales' })).toBe(0);
  });

  it('refuses a worker scrape without METRICS_TOKEN when it is set, and serves only /metrics', async () => {
    expect((await workerMetrics({})).status).toBe(401);
    expect((await workerMetrics({ authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/`)).status).toBe(404);
  });

  it("prints one line for the workflow bundle at start-up, not webpack's module report", () => {
    const startUp = worker.lines.slice(
      0,
      worker.lines.findIndex((line) => line.includes('worker polling')),
    );
    expect(startUp.filter((line) => line.startsWith('workflow bundle built'))).toHaveLength(1);
    expect(startUp.join('\n')).not.toMatch(/webpack|modules by path|orphan modules|\.\/workflows\//);
  });

  it('serves no worker metrics unless WORKER_METRICS_PORT is set', { timeout: 300_000 }, async () => {
    const plain = await startWorker({ TEMPORAL_TASK_QUEUE: uniqueTaskQueue() });
    expect(plain.lines.some((line) => line.includes('worker metrics on'))).toBe(false);
    expect(
      worker.lines.some((line) => line.includes(`worker metrics on http://127.0.0.1:${metricsPort}/metrics`)),
    ).toBe(true);
  });
});

describe("the API's /metrics with METRICS_TOKEN set", () => {
  let app: FastifyInstance;
  const stops: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    const db = await createTestDatabase();
    const api = await startTestApp({
      pool: db.pool,
      taskQueue: uniqueTaskQueue(),
      config: { metricsToken: METRICS_TOKEN },
    });
    app = api.app;
    stops.push(api.close, db.drop);
  });
  afterAll(async () => {
    for (const stop of stops) await stop();
  });

  it('answers 401 in the error format without the bearer token, and the metrics with it', async () => {
    const refused = await app.inject({ method: 'GET', url: '/metrics' });
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toMatchObject({ error: { code: 'unauthorized' } });
    expect((await app.inject({ method: 'GET', url: '/metrics', headers: auth })).statusCode).toBe(401);
    const served = await app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(served.statusCode).toBe(200);
    expect(parsePrometheusText(served.body).some((s) => s.name === 'lle_http_request_duration_seconds_count')).toBe(
      true,
    );
  });

  it('reports the workflow tasks waiting on a task queue no worker polls as its backlog', async () => {
    const headers = { authorization: `Bearer ${METRICS_TOKEN}` };
    const backlog = async () =>
      sampleValue(
        parsePrometheusText((await app.inject({ method: 'GET', url: '/metrics', headers })).body),
        'lle_task_queue_backlog',
        { type: 'workflow' },
      );
    expect(await backlog()).toBe(0);
    // No worker polls this app's queue: each new lead's first workflow task waits there.
    for (const email of ['backlog-1@example.jp', 'backlog-2@example.jp']) {
      expect(
        (await app.inject({ method: 'POST', url: '/v1/leads', headers: auth, payload: { email } })).statusCode,
      ).toBe(201);
    }
    // Temporal's count is approximate and refreshed in the background: poll until it shows.
    await waitFor(async () => (await backlog()) === 2, 'a backlog of 2 workflow tasks');
  });
});
