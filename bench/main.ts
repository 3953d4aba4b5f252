import os from 'node:os';
import { performance } from 'node:perf_hooks';
import type { PairedResult } from './api-rig.ts';
import { benchEmailReport, type EmailReportResult } from './email-report.ts';
import { benchLeadImport, type ImportResult } from './lead-import.ts';
import { benchLeadIntake, type IntakeResult } from './lead-intake.ts';
import { startServices, type BenchServices } from './stack.ts';
import { benchSendPath, type SendResult } from './send-path.ts';
import { round } from './stats.ts';
import { benchTemplateRender, type RenderResult } from './template-render.ts';
import { benchTouches, type TouchResult } from './touches.ts';
import { benchWebhookIngest, type IngestResult } from './webhook-ingest.ts';
import { benchWorkerMemory, type MemoryResult } from './worker-memory.ts';
import { WORKER_MALLOC_ARENA_MAX, WORKER_NODE_FLAGS } from '../stack/worker-environments.ts';

// `npm run bench [-- section...]`: starts its own PostgreSQL, Temporal and SMTP sink, measures lead intake
// (API vs a bare workflow start), webhook ingest (signed CRM webhook vs a bare signal-with-start), template rendering (cached vs compiled each time) and the
// email send path (the activity vs a bare nodemailer loop), a 100,000-row CSV import (rows/s, the API's peak RSS), touches (a real worker vs a trivial
// workflow, leads due at once) and the worker's memory with 10,000 leads waiting, prints a table and, last on
// stdout, one JSON line of the figures. Progress goes to stderr.
// Figures only, no thresholds: see bench/README.md for how to read them.

function positiveInt(name: string, fallback: number, minimum = 1): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < minimum) {
    process.stderr.write(`${name} must be an integer >= ${minimum} (got "${text}")\n`);
    process.exit(2);
  }
  return value;
}

const settings = {
  leads: positiveInt('BENCH_LEADS', 300),
  concurrency: positiveInt('BENCH_CONCURRENCY', 16),
  rounds: positiveInt('BENCH_ROUNDS', 5, 2),
  renders: positiveInt('BENCH_RENDERS', 2000),
  compiles: positiveInt('BENCH_COMPILES', 50),
  sends: positiveInt('BENCH_SENDS', 500),
  importRows: positiveInt('BENCH_IMPORT_ROWS', 100_000),
  touchLeads: positiveInt('BENCH_TOUCH_LEADS', 2000),
  touchRounds: positiveInt('BENCH_TOUCH_ROUNDS', 3, 1),
  memoryLeads: positiveInt('BENCH_MEMORY_LEADS', 10_000),
  emailDeliveries: positiveInt('BENCH_EMAIL_DELIVERIES', 1_000_000),
};
// The memory section's worker runs as production runs it (stack/worker-environments.ts)
// unless told otherwise: BENCH_WORKER_NODE_FLAGS="" measures V8's defaults.
const workerNodeFlags = (process.env.BENCH_WORKER_NODE_FLAGS?.split(' ') ?? WORKER_NODE_FLAGS).filter((f) => f !== '');
const workerMallocArenaMax = process.env.MALLOC_ARENA_MAX ?? WORKER_MALLOC_ARENA_MAX;
const SECTIONS = ['intake', 'ingest', 'render', 'send', 'import', 'touches', 'memory', 'email-report'] as const;
type Section = (typeof SECTIONS)[number];
// `npm run bench -- ingest` runs that section alone; no argument runs them all.
const asked = process.argv.slice(2);
for (const name of asked) {
  if (!(SECTIONS as readonly string[]).includes(name)) {
    process.stderr.write(`unknown bench section "${name}"; sections: ${SECTIONS.join(', ')}\n`);
    process.exit(2);
  }
}
const runs = (section: Section) => asked.length === 0 || asked.includes(section);
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const out = (line = '') => process.stdout.write(`${line}\n`);

const cpus = os.cpus();
const machine = {
  cpus: cpus.length,
  cpuModel: cpus[0]?.model.trim() ?? 'unknown',
  memoryGiB: round(os.totalmem() / 2 ** 30),
  node: process.version,
  platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  loadAvgBefore: os.loadavg().map(round),
};

let services: BenchServices | undefined;
let interrupted = false;
const onSignal = (signal: NodeJS.Signals) => {
  if (interrupted) return;
  interrupted = true;
  log(`${signal}: stopping the services...`);
  void (services?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const wallStart = performance.now();
try {
  log(
    `machine: ${machine.cpus} CPU (${machine.cpuModel}), node ${machine.node}, load ${machine.loadAvgBefore.join(' ')}`,
  );
  log('starting embedded PostgreSQL, the Temporal dev server and the SMTP sink...');
  const startedAt = performance.now();
  services = await startServices(log);
  const startupSeconds = round((performance.now() - startedAt) / 1000);
  log(`services up in ${startupSeconds} s (Temporal CLI: ${services.temporalCli})`);

  const stack = { databaseUrl: services.databaseUrl, temporalAddress: services.temporalAddress };
  let intake: IntakeResult | undefined;
  let ingest: IngestResult | undefined;
  let render: RenderResult | undefined;
  let send: SendResult | undefined;
  let imported: ImportResult | undefined;
  let touches: TouchResult | undefined;
  let memory: MemoryResult | undefined;
  let emailReport: EmailReportResult | undefined;
  if (runs('intake')) {
    log(
      `lead intake: ${settings.leads} leads x ${settings.rounds} rounds per side, concurrency ${settings.concurrency}`,
    );
    intake = await benchLeadIntake({ ...stack, ...settings, log });
  }
  if (runs('ingest')) {
    log(
      `webhook ingest: ${settings.leads} events x ${settings.rounds} rounds per side, concurrency ${settings.concurrency}`,
    );
    ingest = await benchWebhookIngest({ ...stack, ...settings, log });
  }
  if (runs('render')) {
    log(
      `template render: ${settings.renders} cached renders, ${settings.compiles} compile+render, ${settings.rounds} rounds`,
    );
    render = await benchTemplateRender({ ...settings, log });
  }
  if (runs('send')) {
    log(
      `send path: ${settings.sends} messages x ${settings.rounds} rounds per side, concurrency ${settings.concurrency}`,
    );
    send = await benchSendPath({
      databaseUrl: services.databaseUrl,
      smtpUrl: services.smtpUrl,
      smtp: services.smtp,
      ...settings,
      log,
    });
  }

  if (runs('import')) {
    log(`CSV import: ${settings.importRows} rows through POST /v1/leads/import, API in its own process`);
    imported = await benchLeadImport({ ...stack, smtpUrl: services.smtpUrl, rows: settings.importRows, log });
  }

  if (runs('touches')) {
    log(
      `touches: ${settings.touchLeads} leads due at once x ${settings.touchRounds} rounds per side, real worker vs trivial workflow`,
    );
    touches = await benchTouches({
      ...stack,
      smtpUrl: services.smtpUrl,
      smtp: services.smtp,
      touchLeads: settings.touchLeads,
      rounds: settings.touchRounds,
      log,
    });
  }
  if (runs('memory')) {
    // 10,000 always; a larger BENCH_MEMORY_LEADS (100,000) is measured after it, in the same worker.
    const counts = [...new Set([Math.min(10_000, settings.memoryLeads), settings.memoryLeads])];
    log(
      `worker memory: the production worker process idle, then with ${counts.join(', then ')} leads waiting on timers`,
    );
    memory = await benchWorkerMemory({
      ...stack,
      smtpUrl: services.smtpUrl,
      smtp: services.smtp,
      counts,
      firstTouch: process.env.BENCH_MEMORY_FIRST_TOUCH === '1',
      nodeFlags: workerNodeFlags,
      mallocArenaMax: workerMallocArenaMax,
      log,
    });
  }

  if (runs('email-report')) {
    log(`email report: ${settings.emailDeliveries} emails, then GET /v1/reports/email's queries x ${settings.rounds}`);
    emailReport = await benchEmailReport({
      databaseUrl: services.databaseUrl,
      deliveries: settings.emailDeliveries,
      rounds: settings.rounds,
      log,
    });
    out(`email report: ${JSON.stringify(emailReport)}`);
  }

  const loadAvgAfter = os.loadavg().map(round);
  printReport({ intake, ingest, render, send, imported, touches, memory }, loadAvgAfter);
  out(
    JSON.stringify({
      bench: 'lead-lifecycle-engine',
      at: new Date().toISOString(),
      machine: { ...machine, loadAvgAfter },
      settings,
      startupSeconds,
      sections: SECTIONS.filter(runs),
      intake: intake && pairedJson(intake, { raw: 'RawStart', api: 'Api', ratio: 'ApiOverRawStart' }),
      ingest:
        ingest &&
        pairedJson(ingest, { raw: 'RawSignalWithStart', api: 'Webhook', ratio: 'WebhookOverRawSignalWithStart' }),
      render: render && {
        cachedPerSecond: render.rounds.map((r) => round(r.cached.perSecond)),
        compilePlusRenderPerSecond: render.rounds.map((r) => round(r.compiled.perSecond)),
        medianCachedPerSecond: render.medianCachedPerSecond,
        medianCompilePlusRenderPerSecond: render.medianCompiledPerSecond,
        medianCachedSpeedup: render.medianSpeedup,
        firstCompileMs: render.firstCompileMs,
      },
      send: send && {
        barePerSecond: send.rounds.map((r) => round(r.bare.perSecond)),
        floorPerSecond: send.rounds.map((r) => round(r.floor.perSecond)),
        fullPerSecond: send.rounds.map((r) => round(r.full.perSecond)),
        ratio: send.rounds.map((r) => round(r.ratio)),
        extraMsPerMessage: send.rounds.map((r) => round(r.extraMsPerMessage)),
        medianBarePerSecond: send.medianBarePerSecond,
        medianFullPerSecond: send.medianFullPerSecond,
        medianFloorPerSecond: send.medianFloorPerSecond,
        medianRatioFullOverBare: send.medianRatio,
        medianRatioFloorOverBare: send.medianFloorRatio,
        medianExtraMsPerMessage: send.medianExtraMsPerMessage,
        messageBytes: send.messageBytes,
        sinkMessages: send.sinkMessages,
        deliveriesSent: send.deliveriesSent,
      },
      import: imported && {
        rows: imported.rows,
        bytes: imported.bytes,
        seconds: round(imported.seconds),
        rowsPerSecond: round(imported.rowsPerSecond),
        apiRssBeforeMiB: round(imported.rssBeforeMiB),
        apiPeakRssMiB: round(imported.peakRssMiB),
        workflowsStarted: imported.workflowsStarted,
        commitSeconds: round(imported.commitSeconds),
        rawStartsPerSecond: round(imported.rawStartsPerSecond),
        ratioImportOverRawStart: round(imported.ratioImportOverRawStart),
      },
      touches: touches && {
        trivialPerSecond: touches.rounds.map((r) => r.trivial.perSecond),
        realPerSecond: touches.rounds.map((r) => r.real.perSecond),
        ratio: touches.rounds.map((r) => r.ratio),
        medianTrivialPerSecond: touches.medianTrivialPerSecond,
        medianRealPerSecond: touches.medianRealPerSecond,
        medianRatioTouchesOverTrivial: touches.medianRatio,
        sinkMessages: touches.sinkMessages,
      },
      emailReport,
      memory: memory && {
        maxCachedWorkflows: memory.maxCachedWorkflows,
        firstTouch: memory.firstTouch,
        mallocArenaMax: workerMallocArenaMax,
        nodeFlags: workerNodeFlags.join(' '),
        workerRssMiB: Object.fromEntries([memory.idle, ...memory.points].map((p) => [String(p.leads), p.rssMiB])),
        workerHwmMiB: Object.fromEntries([memory.idle, ...memory.points].map((p) => [String(p.leads), p.hwmMiB])),
        workerMainHeapUsedMiB: Object.fromEntries(
          [memory.idle, ...memory.points].map((p) => [String(p.leads), p.heapUsedMiB]),
        ),
        secondsToWaiting: Object.fromEntries(memory.points.map((p) => [String(p.leads), p.seconds])),
      },
    }),
  );
} catch (error) {
  process.exitCode = 1;
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
} finally {
  if (!interrupted) {
    log('stopping the services...');
    await services?.stop();
    log(`done in ${round((performance.now() - wallStart) / 1000)} s`);
  }
}

/** A side-by-side section in the JSON line: per-round rates and ratios, and their medians. */
function pairedJson(
  result: PairedResult,
  names: { raw: string; api: string; ratio: string },
): Record<string, number | number[]> {
  const lower = (name: string) => name.charAt(0).toLowerCase() + name.slice(1);
  return {
    [`${lower(names.raw)}PerSecond`]: result.rounds.map((r) => round(r.raw.perSecond)),
    [`${lower(names.api)}PerSecond`]: result.rounds.map((r) => round(r.api.perSecond)),
    ratio: result.rounds.map((r) => round(r.ratio)),
    [`median${names.raw}PerSecond`]: result.medianRawPerSecond,
    [`median${names.api}PerSecond`]: result.medianApiPerSecond,
    [`medianRatio${names.ratio}`]: result.medianRatio,
  };
}

function printReport(
  {
    intake,
    ingest,
    render,
    send,
    imported,
    touches,
    memory,
  }: {
    intake?: IntakeResult | undefined;
    ingest?: IngestResult | undefined;
    render?: RenderResult | undefined;
    send?: SendResult | undefined;
    imported?: ImportResult | undefined;
    touches?: TouchResult | undefined;
    memory?: MemoryResult | undefined;
  },
  loadAvgAfter: number[],
): void {
  const f = (n: number) => String(round(n));
  const table = (header: string[], rows: string[][]) => {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
    const line = (cells: string[]) =>
      cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
    out(line(header));
    out(widths.map((w) => '-'.repeat(w)).join('  '));
    for (const r of rows) out(line(r));
  };
  const paired = (result: PairedResult, raw: string, api: string, ratio: string) =>
    table(
      ['round', `${raw}/s`, 'p50 ms', 'p95 ms', `${api}/s`, 'p50 ms', 'p95 ms', ratio],
      [
        ...result.rounds.map((r) => [
          String(r.round),
          f(r.raw.perSecond),
          f(r.raw.p50Ms),
          f(r.raw.p95Ms),
          f(r.api.perSecond),
          f(r.api.p50Ms),
          f(r.api.p95Ms),
          f(r.ratio),
        ]),
        ['median', f(result.medianRawPerSecond), '', '', f(result.medianApiPerSecond), '', '', f(result.medianRatio)],
      ],
    );

  out();
  out(
    `Machine: ${machine.cpus} CPU (${machine.cpuModel}), ${machine.memoryGiB} GiB, node ${machine.node}, ${machine.platform}`,
  );
  out(`Load average before/after: ${machine.loadAvgBefore.join(' ')} / ${loadAvgAfter.join(' ')}`);
  out();
  if (intake) {
    out(
      `Lead intake: ${settings.leads} leads per batch, concurrency ${settings.concurrency}, task queue with no worker, first step P1D`,
    );
    out(`(warm-up of ${intake.warmup} per side not counted; ${intake.leadRowsWritten} lead rows written by the API)`);
    paired(intake, 'raw start', 'API', 'API / raw');
    out();
  }
  if (ingest) {
    out(
      `Webhook ingest: ${settings.leads} signed deal.stage_changed events per batch to ${settings.leads} stored leads, concurrency ${settings.concurrency}, task queue with no worker`,
    );
    out(`(warm-up of ${ingest.warmup} per side not counted; ${ingest.receiptsWritten} webhook receipts written)`);
    paired(ingest, 'raw signalWithStart', 'webhook', 'webhook / raw');
    out();
  }
  if (render) {
    out(
      `Template render: ${settings.renders} cached renders vs ${settings.compiles} compile+render per round (first compile ${render.firstCompileMs} ms, HTML ${render.htmlBytes} bytes)`,
    );
    table(
      ['round', 'cached/s', 'p50 ms', 'compile+render/s', 'p50 ms', 'cached speed-up'],
      [
        ...render.rounds.map((r) => [
          String(r.round),
          f(r.cached.perSecond),
          f(r.cached.p50Ms),
          f(r.compiled.perSecond),
          f(r.compiled.p50Ms),
          `${f(r.speedup)}x`,
        ]),
        [
          'median',
          f(render.medianCachedPerSecond),
          '',
          f(render.medianCompiledPerSecond),
          '',
          `${f(render.medianSpeedup)}x`,
        ],
      ],
    );
    out();
  }
  if (send) {
    out(
      `Send path: ${settings.sends} messages per batch, concurrency ${settings.concurrency}, one SMTP sink on loopback, message ${send.messageBytes} bytes`,
    );
    out(
      `(warm-up of ${send.warmup} per side not counted; checked after: ${send.sinkMessages} messages received, ${send.deliveriesSent} delivery rows sent)`,
    );
    table(
      [
        'round',
        'bare msg/s',
        'p50 ms',
        'p95 ms',
        'statements only',
        'floor / bare',
        'full msg/s',
        'p50 ms',
        'p95 ms',
        'full / bare',
        '+ms/msg',
      ],
      [
        ...send.rounds.map((r) => [
          String(r.round),
          f(r.bare.perSecond),
          f(r.bare.p50Ms),
          f(r.bare.p95Ms),
          f(r.floor.perSecond),
          f(r.floorRatio),
          f(r.full.perSecond),
          f(r.full.p50Ms),
          f(r.full.p95Ms),
          f(r.ratio),
          f(r.extraMsPerMessage),
        ]),
        [
          'median',
          f(send.medianBarePerSecond),
          '',
          '',
          f(send.medianFloorPerSecond),
          f(send.medianFloorRatio),
          f(send.medianFullPerSecond),
          '',
          '',
          f(send.medianRatio),
          f(send.medianExtraMsPerMessage),
        ],
      ],
    );
    out();
  }
  if (imported) {
    out(
      `CSV import: ${imported.rows} rows (${round(imported.bytes / 2 ** 20)} MiB, UTF-8, chunked) to POST /v1/leads/import, API as its own process, task queue with no worker`,
    );
    table(
      [
        'rows',
        'seconds',
        'to commit s',
        'rows/s',
        'bare starts/s',
        'import / bare',
        'API RSS before MiB',
        'API peak RSS MiB',
        'workflows started',
      ],
      [
        [
          String(imported.rows),
          f(imported.seconds),
          f(imported.commitSeconds),
          f(imported.rowsPerSecond),
          f(imported.rawStartsPerSecond),
          f(imported.ratioImportOverRawStart),
          f(imported.rssBeforeMiB),
          f(imported.peakRssMiB),
          String(imported.workflowsStarted),
        ],
      ],
    );
    out();
  }
  if (touches) {
    out(
      `Touches: ${settings.touchLeads} leads due at once per side (first start to last touch, the 1 s wait subtracted), real worker vs a trivial one-activity workflow, same worker settings`,
    );
    out(`(${touches.sinkMessages} messages received by the sink during the counted rounds)`);
    table(
      ['round', 'trivial wf/s', 's', 'real touches/s', 's', 'real / trivial'],
      [
        ...touches.rounds.map((r) => [
          String(r.round),
          f(r.trivial.perSecond),
          f(r.trivial.seconds),
          f(r.real.perSecond),
          f(r.real.seconds),
          f(r.ratio),
        ]),
        ['median', f(touches.medianTrivialPerSecond), '', f(touches.medianRealPerSecond), '', f(touches.medianRatio)],
      ],
    );
    out();
  }
  if (memory) {
    out(
      `Worker memory: worker/main.ts in its own process, maxCachedWorkflows ${memory.maxCachedWorkflows} (WORKER_MAX_CACHED_WORKFLOWS), MALLOC_ARENA_MAX ${workerMallocArenaMax}, Node flags "${workerNodeFlags.join(' ')}" (BENCH_WORKER_NODE_FLAGS), leads waiting on their next-step timer ${memory.firstTouch ? 'after one touch' : 'before their first touch (a month away)'}`,
    );
    table(
      ['leads waiting', 'VmRSS MiB', 'VmHWM MiB', 'main heap MiB', 'external MiB', 'to waiting s'],
      [memory.idle, ...memory.points].map((p) => [
        String(p.leads),
        f(p.rssMiB),
        f(p.hwmMiB),
        f(p.heapUsedMiB),
        f(p.externalMiB),
        p.leads === 0 ? '' : f(p.seconds),
      ]),
    );
    out();
  }
}
