import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
// A CommonJS module: Node's ESM loader sees only its default export.
import proto from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../activities/index.ts';
import { buildApp } from '../api/app.ts';
import { loadConfig } from '../config/env.ts';
import { migrate } from '../db/migrate.ts';
import { createPool } from '../db/pool.ts';
import { countTouchesOf } from '../db/repositories/deliveries.ts';
import { leadWorkflowId } from '../domain/lead.ts';
import { createMailer } from '../mail/transport.ts';
import { startEmbeddedPostgres } from '../stack/embedded-postgres.ts';
import { freePort } from '../stack/free-port.ts';
import { resolveTemporalTestServer } from '../stack/temporal-test-server.ts';
import { workerTuning, workflowBundleSource } from '../worker/create-worker.ts';
import { benchActivityDependencies } from './activity-dependencies.ts';
import { billableActions, eventTypeName } from './billable-actions.ts';
import { treeCpuSeconds } from './process-usage.ts';
import { startSmtpSink } from './smtp-sink.ts';
import { PROJECT_DIR } from './stack.ts';

const DAY_MS = 86_400_000;
const HistoryMessage = proto.temporal.api.history.v1.History;

/** What one simulated year of `leads` leads cost, in total (the caller divides). */
export interface YearResult {
  leads: number;
  days: number;
  /** Touches that reached leads (emails accepted, DM tasks made), as the read model counts them. */
  touches: number;
  /** Messages the SMTP sink accepted: touches by email plus notices to owners. */
  emailsAccepted: number;
  runs: number;
  events: number;
  eventsByType: Record<string, number>;
  /** The longest single run, in events (continue-as-new keeps it bounded). */
  maxEventsPerRun: number;
  historyBytes: number;
  actions: number;
  actionsByKind: Record<string, number>;
  /** Each table of the read model: bytes (pg_total_relation_size, indexes and TOAST included) and rows, grown over the run. */
  tables: Record<string, { bytes: number; rows: number }>;
  /** WAL PostgreSQL wrote: creating the leads, and the simulated year after. */
  walBytes: { create: number; year: number };
  /** CPU seconds over the simulated year: this process (worker: workflows, activities, the SDK's core) and PostgreSQL. */
  cpuSeconds: { worker: number; postgres: number };
  wallSeconds: number;
}

/** A postal address, so the default cadence's paper DM steps become DM tasks, as for a real lead. */
const ADDRESS = { postalCode: '100-0001', prefecture: '東京都', city: '千代田区', line1: '千代田1-1' };

/**
 * `leads` leads on the default cadence, created through the real API at one moment, then
 * `days` days of their lives on Temporal's time-skipping test server (timers fire as soon as
 * nothing else runs) with the real workflow code, the real activities, a fresh PostgreSQL
 * and an SMTP sink. Counts their histories (all runs, following continue-as-new) and what
 * the read model, the WAL and the CPU grew by.
 */
export async function measureYear(options: {
  leads: number;
  days: number;
  log: (line: string) => void;
}): Promise<YearResult> {
  const { log } = options;
  const root = await mkdtemp(path.join(tmpdir(), 'lle-sizing-'));
  await chmod(root, 0o755);
  const stops: (() => Promise<unknown>)[] = [];
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    const database = await startEmbeddedPostgres({
      dataDir: path.join(root, 'postgres'),
      port: await freePort(),
      password: randomBytes(12).toString('hex'),
      database: 'lle_sizing',
    });
    stops.push(database.stop);
    await migrate(database.url);
    const pool = createPool(database.url);
    stops.push(() => pool.end());
    const sink = await startSmtpSink(await freePort());
    stops.push(sink.stop);
    const serverPath =
      process.env.TEMPORAL_TEST_SERVER_PATH?.trim() ||
      (await resolveTemporalTestServer({ projectDir: PROJECT_DIR, log }));
    const env = await TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: serverPath } },
    });
    stops.push(() => env.teardown());
    const mailer = createMailer(sink.url);
    stops.push(async () => mailer.close());
    const taskQueue = `sizing-${randomBytes(4).toString('hex')}`;
    const worker = await Worker.create({
      ...workerTuning(),
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue,
      workflowBundle: await bundleWorkflowCode({ ...workflowBundleSource(), logger: new DefaultLogger('WARN') }),
      activities: createActivities(benchActivityDependencies(pool, mailer)),
    });
    const running = worker.run();
    stops.push(async () => {
      worker.shutdown();
      await running;
    });
    const adminKey = randomBytes(24).toString('hex');
    const app = await buildApp({
      config: { ...loadConfig({}), temporalTaskQueue: taskQueue, adminApiKey: adminKey, rateLimitPerMinute: 1e9 },
      db: pool,
      temporal: { client: env.client, connection: env.connection },
    });
    stops.push(() => app.close());

    const tables = async () =>
      (
        await pool.query<{ name: string; bytes: string; rows: string }>(
          `SELECT c.relname AS name, pg_total_relation_size(c.oid) AS bytes,
                  (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I', c.relname), false, true, '')))[1]::text AS rows
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind = 'r'`,
        )
      ).rows;
    const wal = async () =>
      (await pool.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0]?.lsn as string;
    const walSince = async (from: string) =>
      Number(
        (await pool.query<{ d: string }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn) AS d', [from]))
          .rows[0]?.d,
      );
    const before = new Map((await tables()).map((t) => [t.name, t]));
    const walAtStart = await wal();

    // The leads, eight requests at a time, as a CRM sync would send them.
    const ids: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < options.leads) {
          const i = next++;
          const response = await app.inject({
            method: 'POST',
            url: '/v1/leads',
            headers: { authorization: `Bearer ${adminKey}` },
            payload: {
              email: `sizing-${i}@example.com`,
              name: `見積 太郎 ${i}`,
              company: '見積商事',
              ownerEmail: 'rep@example.com',
              timezone: 'Asia/Tokyo',
              postalAddress: ADDRESS,
            },
          });
          if (response.statusCode !== 201) throw new Error(`lead ${i}: ${response.statusCode} ${response.body}`);
          ids.push(response.json<{ id: string }>().id);
        }
      }),
    );
    const walCreate = await walSince(walAtStart);
    const walAfterCreate = await wal();
    log(`  ${ids.length} leads created; simulating ${options.days} days`);

    const cpuBefore = process.cpuUsage();
    const pgCpuBefore = await treeCpuSeconds(database.pid as number);
    const wallStart = Date.now();
    const startMs = await env.currentTimeMs();
    for (let day = 30; ; day += 30) {
      const target = startMs + Math.min(day, options.days) * DAY_MS;
      const now = await env.currentTimeMs();
      if (target > now) await env.sleep(target - now);
      log(
        `  day ${Math.min(day, options.days)}: ${sink.messages()} emails so far, ${Math.round((Date.now() - wallStart) / 1000)} s`,
      );
      if (day >= options.days) break;
    }
    const cpu = process.cpuUsage(cpuBefore);
    const pgCpu = (await treeCpuSeconds(database.pid as number)) - pgCpuBefore;
    const wallSeconds = (Date.now() - wallStart) / 1000;
    const walYear = await walSince(walAfterCreate);

    const touches = [...(await countTouchesOf(pool, ids)).values()].reduce((a, b) => a + b, 0);
    const after = await tables();
    const grown: YearResult['tables'] = {};
    for (const table of after) {
      const was = before.get(table.name);
      const bytes = Number(table.bytes) - Number(was?.bytes ?? 0);
      const rows = Number(table.rows) - Number(was?.rows ?? 0);
      if (bytes > 0 || rows > 0) grown[table.name] = { bytes, rows };
    }

    // Every run of every lead, newest first, following continue-as-new back to the first.
    let runs = 0;
    let events = 0;
    let historyBytes = 0;
    let maxEventsPerRun = 0;
    const eventsByType: Record<string, number> = {};
    const actionsByKind: Record<string, number> = {};
    for (const id of ids) {
      let runId: string | undefined;
      for (;;) {
        const history = await env.client.workflow.getHandle(leadWorkflowId(id), runId).fetchHistory();
        const list = history.events ?? [];
        runs++;
        events += list.length;
        maxEventsPerRun = Math.max(maxEventsPerRun, list.length);
        historyBytes += HistoryMessage.encode(history).finish().length;
        for (const event of list) {
          const name = eventTypeName(event);
          eventsByType[name] = (eventsByType[name] ?? 0) + 1;
        }
        for (const [kind, n] of Object.entries(billableActions(list)))
          actionsByKind[kind] = (actionsByKind[kind] ?? 0) + n;
        const previous = list[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
        if (!previous) break;
        runId = previous;
      }
    }
    return {
      leads: ids.length,
      days: options.days,
      touches,
      emailsAccepted: sink.messages(),
      runs,
      events,
      eventsByType,
      maxEventsPerRun,
      historyBytes,
      actions: Object.values(actionsByKind).reduce((a, b) => a + b, 0),
      actionsByKind,
      tables: grown,
      walBytes: { create: walCreate, year: walYear },
      cpuSeconds: { worker: (cpu.user + cpu.system) / 1e6, postgres: pgCpu },
      wallSeconds,
    };
  } finally {
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => log(`stop: ${String(error)}`));
    await rm(root, { recursive: true, force: true });
  }
}
