import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { Client, Connection } from '@temporalio/client';
import { createPool } from '../db/pool.ts';
import { insertBenchLeads } from './bench-leads.ts';
import { openApiRig, putOneTouchThenAMonth } from './api-rig.ts';
import { PROJECT_DIR } from './stack.ts';
import { round } from './stats.ts';

/** What the memory measurement is asked to do. */
export interface MemorySettings {
  databaseUrl: string;
  temporalAddress: string;
  smtpUrl: string;
  smtp: { messages: () => number };
  /** Lead counts to measure at, ascending (10,000; 100,000 on request). */
  counts: number[];
  /**
   * Each lead makes its first touch (an email a second after its start) before it waits;
   * otherwise its first step is a month away and it waits at once, so the measurement is of
   * waiting leads rather than of a burst of sends (BENCH_MEMORY_FIRST_TOUCH=1).
   */
  firstTouch: boolean;
  /** The worker's Node flags: production's (WORKER_NODE_FLAGS) unless BENCH_WORKER_NODE_FLAGS names others. */
  nodeFlags: readonly string[];
  /** The worker's MALLOC_ARENA_MAX: production's unless the environment sets it. */
  mallocArenaMax: string;
  log: (line: string) => void;
}

/** The worker process's memory at one moment. */
export interface MemoryPoint {
  leads: number;
  rssMiB: number;
  hwmMiB: number;
  /** The main thread's V8 heap in use and Node's external memory (the workflow thread's heap is not in it). */
  heapUsedMiB: number;
  externalMiB: number;
  /** Seconds from the first start of this batch until every lead of it waits (its first touch made, if asked). */
  seconds: number;
}

/** Idle, then one point per count; with the worker's cache size. */
export interface MemoryResult {
  maxCachedWorkflows: string;
  firstTouch: boolean;
  idle: MemoryPoint;
  points: MemoryPoint[];
}

const CADENCE_KEY = 'bench-memory';

const describe = (point: Omit<MemoryPoint, 'leads' | 'seconds'>) =>
  `RSS ${point.rssMiB} MiB (peak ${point.hwmMiB}; main-thread heap ${point.heapUsedMiB}, external ${point.externalMiB}), load ${os
    .loadavg()
    .map(round)
    .join(' ')}`;
const START_LANES = 32;

const mib = (bytes: number) => round(bytes / 2 ** 20);

/**
 * VmRSS and VmHWM of the worker (Linux), and its main thread's heap as the probe it was started
 * with (bench/memory-probe.mjs) prints it on SIGUSR2.
 */
async function memoryOf(
  child: ChildProcessByStdio<null, Readable, null>,
): Promise<Omit<MemoryPoint, 'leads' | 'seconds'>> {
  const probe = new Promise<{ heapUsed: number; external: number }>((resolve) => {
    const onData = (chunk: Buffer) => {
      const line = /memory-probe (\{.*\})/.exec(chunk.toString());
      if (!line) return;
      child.stdout.off('data', onData);
      resolve(JSON.parse(line[1] as string) as { heapUsed: number; external: number });
    };
    child.stdout.on('data', onData);
  });
  child.kill('SIGUSR2');
  const usage = await probe;
  const status = await readFile(`/proc/${child.pid as number}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return {
    rssMiB: round(kib('VmRSS') / 1024),
    hwmMiB: round(kib('VmHWM') / 1024),
    heapUsedMiB: mib(usage.heapUsed),
    externalMiB: mib(usage.external),
  };
}

/**
 * The production worker (`worker/main.ts`, its own process, its own settings from the
 * environment) measured idle, then with `counts` leads waiting on their next-step timers:
 * each lead is started and waits a month for its first step (or, with `firstTouch`, makes its
 * first touch a second later into the SMTP sink and then waits a month for its second). Its
 * RSS is read once every lead of the batch has recorded the touch it waits for.
 */
export async function benchWorkerMemory(settings: MemorySettings): Promise<MemoryResult> {
  const runTag = randomBytes(4).toString('hex');
  const taskQueue = `bench-memory-${runTag}`;
  const rig = await openApiRig(settings);
  const pool = createPool(settings.databaseUrl);
  const connection = await Connection.connect({ address: settings.temporalAddress });
  const client = new Client({ connection, namespace: 'default' });
  const probe = path.join(PROJECT_DIR, 'bench', 'memory-probe.mjs');
  const worker = path.join(PROJECT_DIR, 'worker', 'main.ts');
  const child = spawn(process.execPath, [...settings.nodeFlags, '--import', 'tsx', '--import', probe, worker], {
    cwd: PROJECT_DIR,
    env: {
      ...process.env,
      MALLOC_ARENA_MAX: settings.mallocArenaMax,
      DATABASE_URL: settings.databaseUrl,
      TEMPORAL_ADDRESS: settings.temporalAddress,
      TEMPORAL_TASK_QUEUE: taskQueue,
      SMTP_URL: settings.smtpUrl,
      APP_SECRET: randomBytes(24).toString('hex'),
      SENDER_POSTAL_ADDRESS: '〒100-0001 東京都千代田区千代田1-1',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await putOneTouchThenAMonth(
      rig,
      CADENCE_KEY,
      'Bench: one touch, then a month',
      settings.firstTouch ? 'PT1S' : 'P1M',
    );
    // Ready once it says it polls (after bundling the workflow code).
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`the worker exited with ${String(code)} before polling`)));
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('worker polling')) resolve();
      });
    });
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const idle = { leads: 0, seconds: 0, ...(await memoryOf(child)) };
    settings.log(`  idle worker: ${describe(idle)}`);

    const points: MemoryPoint[] = [];
    let waiting = 0;
    for (const target of settings.counts) {
      const count = target - waiting;
      const tag = `${runTag}-${target}`;
      const ids = await insertBenchLeads(pool, { count, tag, cadenceKey: CADENCE_KEY });
      const sinkTarget = settings.smtp.messages() + count;
      // A lead waits once its workflow has recorded the touch it waits for (a month away).
      const waitingNow = async () => {
        if (settings.firstTouch) return count - (sinkTarget - settings.smtp.messages());
        const result = await pool.query<{ n: string }>(
          `SELECT count(*) AS n FROM leads WHERE email LIKE $1 AND next_touch_at > now() + interval '1 day'`,
          [`bench-${tag}-%`],
        );
        return Number(result.rows[0]?.n);
      };
      const began = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: START_LANES }, async () => {
          for (let i = next++; i < count; i = next++) {
            const leadId = ids[i] as string;
            await client.workflow.start('leadLifecycle', {
              taskQueue,
              workflowId: `lead-${leadId}`,
              args: [{ leadId }],
            });
          }
        }),
      );
      let lastLog = performance.now();
      for (let done = await waitingNow(); done < count; done = await waitingNow()) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        if (performance.now() - lastLog > 15_000) {
          lastLog = performance.now();
          settings.log(`  ... ${waiting + done} leads waiting: ${describe(await memoryOf(child))}`);
        }
      }
      const seconds = round((performance.now() - began) / 1000);
      // Let the last workflow tasks (recording the next step, arming its timer) finish.
      await new Promise((resolve) => setTimeout(resolve, 5000));
      waiting = target;
      const point = { leads: target, seconds, ...(await memoryOf(child)) };
      settings.log(`  ${target} leads waiting: ${describe(point)}, ${seconds} s to get them there`);
      points.push(point);
    }
    return {
      maxCachedWorkflows: process.env.WORKER_MAX_CACHED_WORKFLOWS ?? 'default',
      firstTouch: settings.firstTouch,
      idle,
      points,
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => {
      if (child.exitCode !== null) resolve(undefined);
      else child.once('exit', resolve);
    });
    await connection.close();
    await pool.end();
    await rig.close();
  }
}
