// Sizing on paper: from costs measured per lead (bench/sizing.ts), the resources and the
// Temporal Cloud bill at a given number of leads. Pure arithmetic, so the guide's table can
// be recomputed from new measurements; every assumption is a named input.

/** What the sizing bench measured, per lead and per touch. */
export interface MeasuredCosts {
  actionsPerLeadYear: number;
  eventsPerLeadYear: number;
  touchesPerLeadYear: number;
  /** Workflow runs a lead makes in a year (continue-as-new starts a new one). */
  runsPerLeadYear: number;
  /** Serialized history bytes of one run, on average. */
  historyBytesPerRun: number;
  /** Read model growth (every table, indexes included) per lead over a year. */
  databaseBytesPerLeadYear: number;
  /** WAL PostgreSQL writes per touch, in the year's mix of touches. */
  walBytesPerTouch: number;
  /** CPU seconds per touch: the worker's and PostgreSQL's. */
  workerCpuSecondsPerTouch: number;
  postgresCpuSecondsPerTouch: number;
  /** Resident memory one cached workflow adds to a worker, and a worker's idle resident memory. */
  bytesPerCachedWorkflow: number;
  idleWorkerBytes: number;
}

/** The assumptions the table rests on, each stated in the guide. */
export interface SizingAssumptions {
  /** Hours in which the peak day's touches must all go out (they are released together when the send window opens). */
  drainHours: number;
  /** Hours the send window is open: the slowest acceptable drain. */
  windowHours: number;
  /** Share of a core a worker process may use at the peak before another is added. */
  workerUtilisation: number;
  /** Workflows each worker keeps cached (WORKER_MAX_CACHED_WORKFLOWS). */
  cachedWorkflowsPerWorker: number;
  /** Peak actions per second one history shard is planned for (a planning rule, not a measurement). */
  actionsPerSecondPerShard: number;
  minimumShards: number;
  /** Days Temporal Cloud keeps a closed run (namespace retention). */
  retentionDays: number;
}

/** Temporal Cloud's published prices: Actions by monthly volume tier, storage per GBh. */
export interface CloudPrices {
  /** [up to this many Actions in the month, USD per million] in ascending order; the last tier applies beyond. */
  actionTiers: [upTo: number, usdPerMillion: number][];
  activeStorageUsdPerGbh: number;
  retainedStorageUsdPerGbh: number;
  hoursPerMonth: number;
}

/** One row of the guide's table. */
export interface SizingRow {
  leads: number;
  peakTouches: number;
  peakActions: number;
  peakActionsPerSecond: number;
  /** The same peak spread over the whole send window. */
  windowActionsPerSecond: number;
  historyShards: number;
  databaseBytesAfterYear: number;
  peakWalBytesPerSecond: number;
  workerProcesses: number;
  windowWorkerProcesses: number;
  postgresCores: number;
  actionsPerMonth: number;
  cloudActionsUsdPerMonth: number;
  cloudStorageUsdPerMonth: number;
}

/** Cost of `actions` in one month at the tiered prices. */
export function tieredActionCost(actions: number, tiers: CloudPrices['actionTiers']): number {
  let cost = 0;
  let from = 0;
  for (const [upTo, usdPerMillion] of tiers) {
    const inTier = Math.max(0, Math.min(actions, upTo) - from);
    cost += (inTier / 1e6) * usdPerMillion;
    from = upTo;
    if (actions <= upTo) return cost;
  }
  const last = tiers[tiers.length - 1];
  return cost + (last ? ((actions - from) / 1e6) * last[1] : 0);
}

const nextPowerOfTwo = (n: number) => 2 ** Math.ceil(Math.log2(Math.max(1, n)));

/**
 * The row for `leads` leads. The peak is the month's worst day: every lead's touch falls on
 * the first business day after a holiday, all released when the send window opens, and
 * must be out within `drainHours`. Actions per touch are a year's Actions over a year's
 * touches (the start and the guarantee's timers included), so the peak is slightly high.
 */
export function sizingRow(
  leads: number,
  costs: MeasuredCosts,
  assumptions: SizingAssumptions,
  prices: CloudPrices,
): SizingRow {
  const drainSeconds = assumptions.drainHours * 3600;
  const actionsPerTouch = costs.actionsPerLeadYear / costs.touchesPerLeadYear;
  const peakTouches = leads;
  const peakActions = peakTouches * actionsPerTouch;
  const peakActionsPerSecond = peakActions / drainSeconds;
  const touchesPerSecond = peakTouches / drainSeconds;
  const workersFor = (seconds: number) =>
    Math.max(2, Math.ceil(((peakTouches / seconds) * costs.workerCpuSecondsPerTouch) / assumptions.workerUtilisation));
  const actionsPerMonth = (leads * costs.actionsPerLeadYear) / 12;
  // Active storage: each lead's open run; retained: closed runs kept for the retention period.
  const activeGb = (leads * costs.historyBytesPerRun) / 1e9;
  const closedRunsKept = ((leads * Math.max(0, costs.runsPerLeadYear - 1)) / 365) * assumptions.retentionDays;
  const retainedGb = (closedRunsKept * costs.historyBytesPerRun) / 1e9;
  return {
    leads,
    peakTouches,
    peakActions,
    peakActionsPerSecond,
    windowActionsPerSecond: peakActions / (assumptions.windowHours * 3600),
    historyShards: Math.max(
      assumptions.minimumShards,
      nextPowerOfTwo(peakActionsPerSecond / assumptions.actionsPerSecondPerShard),
    ),
    databaseBytesAfterYear: leads * costs.databaseBytesPerLeadYear,
    peakWalBytesPerSecond: touchesPerSecond * costs.walBytesPerTouch,
    workerProcesses: workersFor(drainSeconds),
    windowWorkerProcesses: workersFor(assumptions.windowHours * 3600),
    postgresCores: touchesPerSecond * costs.postgresCpuSecondsPerTouch,
    actionsPerMonth,
    cloudActionsUsdPerMonth: tieredActionCost(actionsPerMonth, prices.actionTiers),
    cloudStorageUsdPerMonth:
      (activeGb * prices.activeStorageUsdPerGbh + retainedGb * prices.retainedStorageUsdPerGbh) * prices.hoursPerMonth,
  };
}
