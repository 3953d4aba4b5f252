import { describe, expect, it } from 'vitest';
import { sizingRow, tieredActionCost, type CloudPrices, type MeasuredCosts } from '../../../bench/sizing-model.ts';

const TIERS: CloudPrices['actionTiers'] = [
  [5e6, 50],
  [10e6, 45],
  [20e6, 40],
];

describe('tieredActionCost', () => {
  it('prices the example of the Temporal Cloud pricing page: 11.25M Actions cost $525', () => {
    expect(tieredActionCost(11.25e6, TIERS)).toBeCloseTo(525, 6);
  });

  it('prices Actions past the last tier at the last tier’s rate, and nothing at nothing', () => {
    expect(tieredActionCost(30e6, TIERS)).toBeCloseTo(250 + 225 + 400 + 400, 6);
    expect(tieredActionCost(0, TIERS)).toBe(0);
  });
});

describe('sizingRow', () => {
  const costs: MeasuredCosts = {
    actionsPerLeadYear: 60,
    eventsPerLeadYear: 300,
    touchesPerLeadYear: 12,
    runsPerLeadYear: 2,
    historyBytesPerRun: 50_000,
    databaseBytesPerLeadYear: 40_000,
    walBytesPerTouch: 20_000,
    workerCpuSecondsPerTouch: 0.01,
    postgresCpuSecondsPerTouch: 0.005,
    bytesPerCachedWorkflow: 100_000,
    idleWorkerBytes: 200e6,
  };
  const assumptions = {
    drainHours: 1,
    windowHours: 9,
    workerUtilisation: 0.5,
    cachedWorkflowsPerWorker: 250,
    actionsPerSecondPerShard: 10,
    minimumShards: 512,
    retentionDays: 30,
  };
  const prices: CloudPrices = {
    actionTiers: TIERS,
    activeStorageUsdPerGbh: 0.042,
    retainedStorageUsdPerGbh: 0.00105,
    hoursPerMonth: 744,
  };

  it('puts every lead’s touch in the peak hour, at a year’s Actions per touch', () => {
    const row = sizingRow(360_000, costs, assumptions, prices);
    expect(row.peakTouches).toBe(360_000);
    expect(row.peakActions).toBe(1_800_000);
    expect(row.peakActionsPerSecond).toBe(500);
    // 100 touches/s × 0.01 CPU s at half a core each: 2 processes.
    expect(row.workerProcesses).toBe(2);
    expect(row.windowActionsPerSecond).toBeCloseTo(500 / 9, 9);
    expect(row.peakWalBytesPerSecond).toBe(2_000_000);
    expect(row.actionsPerMonth).toBe(1_800_000);
    expect(row.cloudActionsUsdPerMonth).toBeCloseTo(90, 6);
    expect(row.databaseBytesAfterYear).toBe(360_000 * 40_000);
  });

  it('plans workers for the drain hour and, fewer, for the whole window', () => {
    const row = sizingRow(3_600_000, costs, assumptions, prices);
    // 1,000 touches/s × 0.01 CPU s at half a core: 20; over nine hours: 3 (2.2 rounded up).
    expect([row.workerProcesses, row.windowWorkerProcesses]).toEqual([20, 3]);
  });

  it('never plans fewer than the minimum shards or two workers, and rounds shards to a power of two', () => {
    expect(sizingRow(1000, costs, assumptions, prices)).toMatchObject({ historyShards: 512, workerProcesses: 2 });
    expect(sizingRow(100_000_000, costs, assumptions, prices).historyShards).toBe(16_384);
  });
});
