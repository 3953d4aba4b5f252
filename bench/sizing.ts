import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { measureCache, type CachePoint } from './sizing-cache.ts';
import {
  sizingRow,
  type CloudPrices,
  type MeasuredCosts,
  type SizingAssumptions,
  type SizingRow,
} from './sizing-model.ts';
import { DEFAULT_MAX_CACHED_WORKFLOWS } from '../worker/create-worker.ts';
import { measureYear, type YearResult } from './sizing-year.ts';
import { startServices } from './stack.ts';

// `npm run sizing`: what one lead costs, measured (a simulated year of SIZING_LEADS leads on
// the default cadence; the production worker's memory per cached workflow and CPU per
// touch), then the derived table of docs/operations.md ("Sizing") for 10,000 to 10,000,000
// leads. Progress on stderr; the tables on stdout, then one JSON line of every figure.

function positiveInt(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    process.stderr.write(`${name} must be a whole number >= 1 (got "${text}")\n`);
    process.exit(2);
  }
  return value;
}

const settings = {
  leads: positiveInt('SIZING_LEADS', 50),
  days: positiveInt('SIZING_DAYS', 365),
  cacheLeads: positiveInt('SIZING_CACHE_LEADS', 1000),
};
/** Temporal Cloud, Business plan, pay-as-you-go list prices (docs/operations.md cites the page and its date). */
const PRICES: CloudPrices = {
  actionTiers: [
    [5e6, 50],
    [10e6, 45],
    [20e6, 40],
    [50e6, 35],
    [100e6, 30],
    [200e6, 25],
  ],
  activeStorageUsdPerGbh: 0.042,
  retainedStorageUsdPerGbh: 0.00105,
  hoursPerMonth: 744,
};
const ASSUMPTIONS: SizingAssumptions = {
  drainHours: 1,
  windowHours: 9,
  workerUtilisation: 0.5,
  cachedWorkflowsPerWorker: DEFAULT_MAX_CACHED_WORKFLOWS,
  actionsPerSecondPerShard: 10,
  minimumShards: 512,
  retentionDays: 30,
};
const SIZES = [10_000, 100_000, 1_000_000, 10_000_000];

const log = (line: string) => process.stderr.write(`${line}\n`);
const out = (line = '') => process.stdout.write(`${line}\n`);
const load = () =>
  os
    .loadavg()
    .map((n) => n.toFixed(1))
    .join(' ');

// SIZING_FROM=<file>: the derived tables again from an earlier run's output (its last line, the JSON), nothing measured.
const from = process.env.SIZING_FROM;
const measured: { settings: typeof settings; year: YearResult; cache: CachePoint[] } = from
  ? (JSON.parse((await readFile(from, 'utf8')).trim().split('\n').pop() as string) as typeof measured)
  : await measure();
Object.assign(settings, measured.settings);
const { year, cache } = measured;

async function measure(): Promise<typeof measured> {
  log(`sizing: ${settings.leads} leads over ${settings.days} simulated days; load ${load()}`);
  const yearResult = await measureYear({ leads: settings.leads, days: settings.days, log });
  log(`sizing: worker cache with ${settings.cacheLeads} leads; load ${load()}`);
  const services = await startServices(log);
  const points = await measureCache({ ...services, leads: settings.cacheLeads, log }).finally(() => services.stop());
  log(`sizing: done; load ${load()}`);
  return { settings, year: yearResult, cache: points };
}

const perYear = 365 / settings.days;
const perLead = (n: number) => (n / year.leads) * perYear;
const [evicted, cached] = cache as [(typeof cache)[number], (typeof cache)[number]];
const databaseBytes = Object.values(year.tables).reduce((sum, t) => sum + t.bytes, 0);
const costs: MeasuredCosts = {
  actionsPerLeadYear: perLead(year.actions),
  eventsPerLeadYear: perLead(year.events),
  touchesPerLeadYear: perLead(year.touches),
  runsPerLeadYear: perLead(year.runs),
  historyBytesPerRun: year.historyBytes / year.runs,
  databaseBytesPerLeadYear: perLead(databaseBytes),
  walBytesPerTouch: year.walBytes.year / year.touches,
  workerCpuSecondsPerTouch: year.cpuSeconds.worker / year.touches,
  postgresCpuSecondsPerTouch: year.cpuSeconds.postgres / year.touches,
  bytesPerCachedWorkflow:
    (cached.loadedRssBytes - cached.idleRssBytes - (evicted.loadedRssBytes - evicted.idleRssBytes)) / cached.leads,
  idleWorkerBytes: (cached.idleRssBytes + evicted.idleRssBytes) / 2,
};
const rows = SIZES.map((n) => sizingRow(n, costs, ASSUMPTIONS, PRICES));

const f = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits });
const bytes = (n: number) =>
  n >= 1e12
    ? `${f(n / 1e12, 1)} TB`
    : n >= 1e9
      ? `${f(n / 1e9, 1)} GB`
      : n >= 1e6
        ? `${f(n / 1e6, 1)} MB`
        : `${f(n / 1e3, 1)} kB`;

out(
  `Measured (${settings.leads} leads, ${settings.days} days on the time-skipping server; cache: ${settings.cacheLeads} leads)`,
);
out('| Per lead-year | Value |');
out('|---|---|');
out(`| Temporal Actions | ${f(costs.actionsPerLeadYear, 1)} (${actionsText(year.actionsByKind)}) |`);
out(
  `| History events | ${f(costs.eventsPerLeadYear, 1)} in ${f(costs.runsPerLeadYear, 2)} runs; longest run ${year.maxEventsPerRun} events |`,
);
out(`| History bytes per run | ${bytes(costs.historyBytesPerRun)} |`);
out(
  `| Touches | ${f(costs.touchesPerLeadYear, 2)} (emails accepted by the sink, owners' notices included: ${f(perLead(year.emailsAccepted), 2)}) |`,
);
out(
  `| PostgreSQL bytes | ${bytes(costs.databaseBytesPerLeadYear)} (${tablesText(year.tables, year.leads * (settings.days / 365))}) |`,
);
out(
  `| WAL per touch | ${bytes(costs.walBytesPerTouch)} (creating a lead: ${bytes(year.walBytes.create / year.leads)}) |`,
);
out(`| Worker CPU per touch | ${f(costs.workerCpuSecondsPerTouch * 1000, 1)} ms (year's mix, in-process worker) |`);
out(`| PostgreSQL CPU per touch | ${f(costs.postgresCpuSecondsPerTouch * 1000, 1)} ms |`);
out(
  `| Worker CPU per first touch, production worker | ${f((cached.cpuSeconds / cached.leads) * 1000, 1)} ms cached, ${f((evicted.cpuSeconds / evicted.leads) * 1000, 1)} ms evicted (replayed) |`,
);
out(
  `| Worker memory per cached workflow | ${bytes(costs.bytesPerCachedWorkflow)} (idle worker ${bytes(costs.idleWorkerBytes)}) |`,
);
out(`| Simulated year, wall time | ${f(year.wallSeconds)} s |`);
out();
out(
  `Derived (peak drained in ${ASSUMPTIONS.drainHours} h; workers at ${ASSUMPTIONS.workerUtilisation * 100} % of a core; ${ASSUMPTIONS.actionsPerSecondPerShard} peak Actions/s per shard, at least ${ASSUMPTIONS.minimumShards})`,
);
out(
  '| Leads | Peak-day Actions | Actions/s: 1 h (9 h) | History shards | PostgreSQL after a year | Peak WAL | Worker processes: 1 h (9 h) | PostgreSQL cores at peak | Actions a month | Temporal Cloud a month: Actions + storage |',
);
out('|---|---|---|---|---|---|---|---|---|---|');
for (const row of rows) out(rowText(row));
out();
out(JSON.stringify({ settings, year, cache, costs, assumptions: ASSUMPTIONS, prices: PRICES, rows }));

function rowText(row: SizingRow): string {
  return `| ${f(row.leads)} | ${f(row.peakActions)} | ${f(row.peakActionsPerSecond, 1)} (${f(row.windowActionsPerSecond, 1)}) | ${f(row.historyShards)} | ${bytes(row.databaseBytesAfterYear)} | ${bytes(row.peakWalBytesPerSecond)}/s | ${row.workerProcesses} (${row.windowWorkerProcesses}) | ${f(row.postgresCores, 2)} | ${f(row.actionsPerMonth)} | $${f(row.cloudActionsUsdPerMonth)} + $${f(row.cloudStorageUsdPerMonth)} |`;
}

function actionsText(byKind: Record<string, number>): string {
  return Object.entries(byKind)
    .sort((a, b) => b[1] - a[1])
    .map(([kind, n]) => `${kind} ${f(perLead(n), 1)}`)
    .join(', ');
}

function tablesText(tables: Record<string, { bytes: number; rows: number }>, leadYears: number): string {
  return Object.entries(tables)
    .sort((a, b) => b[1].bytes - a[1].bytes)
    .slice(0, 6)
    .map(([name, t]) => `${name} ${bytes(t.bytes / leadYears)}, ${f(t.rows / leadYears, 1)} rows`)
    .join('; ');
}
