import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { migrate } from '../db/migrate.ts';
import { leadWorkflowId } from '../domain/lead.ts';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../stack/embedded-postgres.ts';
import { freePort } from '../stack/free-port.ts';
import { SupervisedProcess } from '../stack/supervised-process.ts';
import { freeClusterFrontendPort, startTemporalCluster, type TemporalCluster } from '../stack/temporal-cluster.ts';
import { resolveTemporalServer } from '../stack/temporal-server-build.ts';
import { startFlakySmtp, seededRandom, type FaultRates } from './flaky-smtp.ts';
import { checkLedger, type DeliveryRow, type ExpectedTouch, type LedgerFigures } from './ledger.ts';

const PROJECT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** What one chaos run does. */
export interface ChaosOptions {
  leads: number;
  workers: number;
  /** SIGKILLs of a random worker at random moments while touches fall due. */
  workerKills: number;
  restartTemporal: boolean;
  restartPostgres: boolean;
  /** Every how many leads one has an address the sink refuses with 550. */
  bounceEvery: number;
  /** The delay of each of the cadence's two email steps, ISO 8601 (PT45S). */
  stepAfter: string;
  /** Seconds over which the faults are spread, from the moment the last lead was created. */
  faultWindowS: number;
  rates: FaultRates;
  seed: number;
  /** Longest wait for every touch to settle after the faults, in seconds. */
  settleTimeoutS: number;
  log: (line: string) => void;
}

/** One fault injected, and how long the system took to deliver again afterwards. */
export interface FaultRecord {
  kind: 'worker-kill' | 'temporal-restart' | 'postgres-restart';
  /** Seconds from the first lead's creation. */
  atS: number;
  /** Seconds the component was down (stop to ready again; a worker: kill to restarted). */
  downS: number;
  /** Seconds from the fault to the first message the sink accepted after the component was back. */
  recoveredS: number | null;
}

/** The figures of a run, as printed and written as JSON. */
export interface ChaosReport {
  options: Omit<ChaosOptions, 'log'>;
  leads: number;
  bounceLeads: number;
  touchesDue: number;
  ledger: LedgerFigures;
  permanentFailuresOnTimeline: number;
  workflowsRunning: number;
  workflowsNotRunning: string[];
  kills: number;
  restarts: { temporal: number; postgres: number };
  smtpFaults: { tempFail: number; dropMidData: number; slow: number; refused550: number };
  faults: FaultRecord[];
  durationS: { createLeads: number; total: number };
  deliveriesByStatus: Record<string, number>;
  passed: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The cluster topology (embedded PostgreSQL, the Temporal server on it, the API and
 * `workers` worker processes under the supervisor) against a flaky SMTP sink; creates the
 * leads, injects the faults while their touches fall due, waits for every touch to settle
 * and checks the ledger. Everything it started is stopped, also on error.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const { log } = options;
  const random = seededRandom(options.seed ^ 0x5eed);
  const root = await mkdtemp(path.join(tmpdir(), 'lle-chaos-'));
  await chmod(root, 0o755);
  const processLog = createWriteStream(path.join(root, 'processes.log'));
  const stops: (() => Promise<void>)[] = [];
  const started = Date.now();
  const since = (ms: number) => Math.round((Date.now() - ms) / 100) / 10;
  try {
    const build = await resolveTemporalServer({
      explicitDir: process.env.TEMPORAL_SERVER_DIR?.trim() || undefined,
      projectDir: PROJECT_DIR,
      log,
    });
    const pgOptions = {
      dataDir: path.join(root, 'postgres'),
      port: await freePort(),
      password: randomBytes(12).toString('hex'),
      database: 'leads',
    };
    let database: EmbeddedDatabase = await startEmbeddedPostgres(pgOptions);
    stops.push(() => database.stop());
    await migrate(database.url);
    const clusterOptions = {
      buildDir: build.dir,
      stateDir: path.join(root, 'temporal'),
      frontendPort: await freeClusterFrontendPort(),
      postgresUrl: database.url,
      namespace: 'default',
      log: (line: string) => processLog.write(`[temporal] ${line}\n`),
    };
    let temporal: TemporalCluster = await startTemporalCluster(clusterOptions);
    stops.push(() => temporal.stop());
    const sink = await startFlakySmtp({ port: await freePort(), rates: options.rates, seed: options.seed });
    stops.push(sink.stop);
    log(`services up in ${since(started)} s (PostgreSQL, Temporal ${build.source}, flaky SMTP); logs in ${root}`);

    const apiPort = await freePort();
    const adminKey = randomBytes(16).toString('hex');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: temporal.address,
      SMTP_URL: sink.url,
      APP_SECRET: randomBytes(24).toString('hex'),
      ADMIN_API_KEY: adminKey,
      PORT: String(apiPort),
      RATE_LIMIT_PER_MINUTE: '1000000',
      LOG_LEVEL: 'warn',
    };
    const processLine = (line: string) => processLog.write(`${line}\n`);
    const api = new SupervisedProcess('api', path.join(PROJECT_DIR, 'api', 'server.ts'), env, processLine);
    const workers = Array.from(
      { length: options.workers },
      (_, i) => new SupervisedProcess(`worker-${i + 1}`, path.join(PROJECT_DIR, 'worker', 'main.ts'), env, processLine),
    );
    for (const child of [api, ...workers]) {
      child.start();
      stops.push(() => child.stop());
    }
    const base = `http://127.0.0.1:${apiPort}`;
    const call = async (
      method: string,
      url: string,
      body?: unknown,
    ): Promise<{ status: number; json: Record<string, unknown> }> => {
      const res = await fetch(`${base}${url}`, {
        method,
        headers: {
          authorization: `Bearer ${adminKey}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? null : JSON.stringify(body),
      });
      return { status: res.status, json: (await res.json().catch(() => ({}))) as Record<string, unknown> };
    };
    await waitUntil(
      async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.status === 200,
      'the API to be ready',
      180_000,
    );

    for (const step of [1, 2]) {
      const template = await call('PUT', `/v1/templates/chaos-${step}`, {
        subject: `chaos ${step} {{lead.name}}`,
        mjml: `<mjml><mj-body><mj-section><mj-column><mj-text>Step ${step} for {{lead.name}}</mj-text></mj-column></mj-section></mj-body></mjml>`,
      });
      if (template.status >= 300) throw new Error(`template: ${template.status} ${JSON.stringify(template.json)}`);
    }
    const cadence = await call('PUT', '/v1/cadences/default', {
      name: 'Chaos',
      nurture: {
        steps: [1, 2].map((step) => ({ after: options.stepAfter, channel: 'email', template: `chaos-${step}` })),
      },
    });
    if (cadence.status >= 300) throw new Error(`cadence: ${cadence.status} ${JSON.stringify(cadence.json)}`);

    // Leads, sixteen requests in flight.
    const leadStarted = Date.now();
    const leads: { id: string; email: string; bounce: boolean }[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < options.leads) {
          const i = next++;
          const bounce = (i + 1) % options.bounceEvery === 0;
          const email = `${bounce ? 'bounce-' : ''}chaos-${i}@example.jp`;
          const created = await createLead(call, { email, name: `L${i}` });
          leads.push({ id: String(created.json.id), email, bounce });
        }
      }),
    );
    const createLeadsS = since(leadStarted);
    log(`${leads.length} leads created in ${createLeadsS} s; faults over the next ${options.faultWindowS} s`);

    // The faults, at random moments in the window; the restarts at fixed points in it.
    const plan: { atMs: number; kind: FaultRecord['kind'] }[] = [
      ...Array.from({ length: options.workerKills }, () => ({
        atMs: random() * options.faultWindowS * 1000,
        kind: 'worker-kill' as const,
      })),
      ...(options.restartTemporal
        ? [{ atMs: 0.35 * options.faultWindowS * 1000, kind: 'temporal-restart' as const }]
        : []),
      ...(options.restartPostgres
        ? [{ atMs: 0.65 * options.faultWindowS * 1000, kind: 'postgres-restart' as const }]
        : []),
    ].sort((a, b) => a.atMs - b.atMs);
    const faults: FaultRecord[] = [];
    const windowStart = Date.now();
    const recoveries: Promise<void>[] = [];
    for (const fault of plan) {
      await sleep(Math.max(0, windowStart + fault.atMs - Date.now()));
      const at = Date.now();
      if (fault.kind === 'worker-kill') {
        const worker = workers[Math.floor(random() * workers.length)] as SupervisedProcess;
        const pid = worker.pid;
        if (pid === undefined) continue;
        process.kill(pid, 'SIGKILL');
        await waitUntil(
          async () => worker.pid !== undefined && worker.pid !== pid,
          'the killed worker to be restarted',
          120_000,
        );
      } else if (fault.kind === 'temporal-restart') {
        await temporal.stop();
        temporal = await startTemporalCluster(clusterOptions);
      } else {
        await database.stop();
        database = await startEmbeddedPostgres(pgOptions);
      }
      const back = Date.now();
      const record: FaultRecord = {
        kind: fault.kind,
        atS: Math.round((at - leadStarted) / 100) / 10,
        downS: Math.round((back - at) / 100) / 10,
        recoveredS: null,
      };
      faults.push(record);
      log(`${fault.kind} at ${record.atS} s: back after ${record.downS} s`);
      // Recovered: the sink accepts a message after the component is back.
      const acceptedBefore = sink.accepted.length;
      recoveries.push(
        waitUntil(
          async () => sink.accepted.slice(acceptedBefore).some((m) => m.atMs >= back),
          'a delivery after the fault',
          options.settleTimeoutS * 1000,
        ).then(
          () => {
            const first = sink.accepted.slice(acceptedBefore).find((m) => m.atMs >= back);
            record.recoveredS = first ? Math.round((first.atMs - at) / 100) / 10 : null;
          },
          () => {},
        ),
      );
    }

    // Settle: every touch of every lead has a final delivery row (sent, failed, unknown).
    const app = new pg.Client({ connectionString: database.url });
    await app.connect();
    stops.push(() => app.end());
    const deliveryRows = async (): Promise<(DeliveryRow & { leadId: string })[]> => {
      const { rows } = await app.query<{
        lead_id: string;
        recipient: string;
        subject: string | null;
        template_key: string;
        message_id: string;
        status: string;
      }>("SELECT lead_id, recipient, subject, template_key, message_id, status FROM deliveries WHERE kind = 'touch'");
      return rows.map((row) => ({
        leadId: row.lead_id,
        recipient: row.recipient,
        step: Number(row.template_key.replace('chaos-', '')),
        messageId: row.message_id,
        status: row.status,
      }));
    };
    const goodLeads = leads.filter((lead) => !lead.bounce);
    const expected: ExpectedTouch[] = goodLeads.flatMap((lead) =>
      [1, 2].map((step) => ({ recipient: lead.email, step })),
    );
    const bounceIds = leads.filter((lead) => lead.bounce).map((lead) => lead.id);
    const failedOnTimelineCount = async (): Promise<number> => {
      const { rows } = await app.query<{ count: string }>(
        "SELECT count(DISTINCT lead_id) AS count FROM timeline WHERE lead_id = ANY($1::uuid[]) AND kind = 'touch_failed' AND detail->>'error' LIKE '%550%'",
        [bounceIds],
      );
      return Number(rows[0]?.count ?? 0);
    };
    // Settled once every touch has its final delivery row and every 550 is on its lead's
    // timeline: the workflow writes that entry in an activity after the send activity has
    // marked the delivery failed, so under load (or after a worker kill) it comes later.
    const settled = async () => {
      const rows = await deliveryRows();
      const final = rows.filter((row) => ['sent', 'failed', 'unknown'].includes(row.status));
      const goodDone = final.filter((row) => !row.recipient.startsWith('bounce-')).length;
      const bouncesFailed = new Set(
        final.filter((row) => row.recipient.startsWith('bounce-') && row.status === 'failed').map((row) => row.leadId),
      ).size;
      return (
        goodDone >= expected.length &&
        bouncesFailed >= bounceIds.length &&
        (await failedOnTimelineCount()) >= bounceIds.length
      );
    };
    await waitUntil(settled, 'every touch to settle', options.settleTimeoutS * 1000).catch((error: unknown) =>
      log(String(error)),
    );
    // Any late duplicate would arrive now.
    await sleep(5000);
    await Promise.all(recoveries);

    const rows = await deliveryRows();
    const ledger = checkLedger(expected, sink.accepted, rows);
    const deliveriesByStatus: Record<string, number> = {};
    for (const row of rows) deliveriesByStatus[row.status] = (deliveriesByStatus[row.status] ?? 0) + 1;
    const permanentFailuresOnTimeline = await failedOnTimelineCount();

    const connection = await Connection.connect({ address: temporal.address });
    const client = new Client({ connection, namespace: 'default' });
    const notRunning: string[] = [];
    let index = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (index < leads.length) {
          const lead = leads[index++] as (typeof leads)[number];
          const description = await client.workflow.getHandle(leadWorkflowId(lead.id)).describe();
          if (description.status.name !== 'RUNNING')
            notRunning.push(`${leadWorkflowId(lead.id)}: ${description.status.name}`);
        }
      }),
    );
    await connection.close();

    const report: ChaosReport = {
      options: optionsOf(options),
      leads: leads.length,
      bounceLeads: bounceIds.length,
      touchesDue: expected.length,
      ledger,
      permanentFailuresOnTimeline,
      workflowsRunning: leads.length - notRunning.length,
      workflowsNotRunning: notRunning.slice(0, 20),
      kills: faults.filter((f) => f.kind === 'worker-kill').length,
      restarts: {
        temporal: faults.filter((f) => f.kind === 'temporal-restart').length,
        postgres: faults.filter((f) => f.kind === 'postgres-restart').length,
      },
      smtpFaults: { ...sink.faults },
      faults,
      durationS: { createLeads: createLeadsS, total: since(started) },
      deliveriesByStatus,
      passed: false,
    };
    report.passed =
      ledger.duplicatesByMessageId === 0 &&
      ledger.duplicatesByLeadStep === 0 &&
      ledger.lost - ledger.lostInDoubt === 0 &&
      ledger.unexpected === 0 &&
      ledger.messageIdMismatches === 0 &&
      permanentFailuresOnTimeline === bounceIds.length &&
      notRunning.length === 0;
    return report;
  } finally {
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => log(`stop: ${String(error)}`));
    await new Promise<void>((resolve) => processLog.end(() => resolve()));
    if (process.env.CHAOS_KEEP === undefined) await rm(root, { recursive: true, force: true });
  }
}

type Call = (method: string, url: string, body?: unknown) => Promise<{ status: number; json: Record<string, unknown> }>;

/** How long one lead's creation keeps being retried before the run gives up on it. */
const CREATE_LEAD_BUDGET_MS = 15 * 60_000;

/**
 * POST /v1/leads as a client should: a 503 (Temporal slow to answer under load) or a cut
 * connection is retried with backoff (0.5 s doubling to 30 s) for as long as
 * {@link CREATE_LEAD_BUDGET_MS}, as a CRM sync keeps retrying; the intake is an upsert, so a
 * retry never makes a second lead, and it starts the workflow if the first attempt did not.
 * (A budget of eight attempts, about two minutes, ended a 2,000-lead run at lead 336 on a
 * machine so loaded that Temporal's own PostgreSQL calls timed out for minutes.)
 */
async function createLead(
  call: Call,
  body: { email: string; name: string },
): Promise<{ status: number; json: Record<string, unknown> }> {
  const deadline = Date.now() + CREATE_LEAD_BUDGET_MS;
  let last: string;
  for (let attempt = 0; ; attempt++) {
    const created = await call('POST', '/v1/leads', body).catch((error: unknown) => ({
      status: 0,
      json: { error: String(error) },
    }));
    if (created.status === 200 || created.status === 201) return created;
    last = `${created.status} ${JSON.stringify(created.json)}`;
    if ((created.status !== 0 && created.status < 500) || Date.now() >= deadline) break;
    await sleep(Math.min(30_000, 500 * 2 ** attempt));
  }
  throw new Error(`lead ${body.email}: ${last}`);
}

async function waitUntil(probe: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await sleep(250);
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
}

function optionsOf(options: ChaosOptions): Omit<ChaosOptions, 'log'> {
  // Everything but the logger, which is not data for the report.
  const { log: _log, ...rest } = options;
  return rest;
}
