import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
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
  log: (line: string) => void;
}

/** The worker process's memory at one moment. */
export interface MemoryPoint {
  leads: number;
  rssMiB: number;
  hwmMiB: number;
  /** Seconds from the first start of this batch to its last first touch. */
  seconds: number;
}

/** Idle, then one point per count; with the worker's cache size. */
export interface MemoryResult {
  maxCachedWorkflows: string;
  idle: MemoryPoint;
  points: MemoryPoint[];
}

const CADENCE_KEY = 'bench-memory';
const START_LANES = 32;

/** VmRSS and VmHWM of a process, in MiB (Linux). */
async function memoryOf(pid: number): Promise<{ rssMiB: number; hwmMiB: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssMiB: round(kib('VmRSS') / 1024), hwmMiB: round(kib('VmHWM') / 1024) };
}

/**
 * The production worker (`worker/main.ts`, its own process, its own settings from the
 * environment) measured idle, then with `counts` leads waiting on their next-step timers:
 * each lead is started, makes its first touch a second later (into the SMTP sink), and
 * then waits a month for its second. Its RSS is read once every first touch is in.
 */
export async function benchWorkerMemory(settings: MemorySettings): Promise<MemoryResult> {
  const runTag = randomBytes(4).toString('hex');
  const taskQueue = `bench-memory-${runTag}`;
  const rig = await openApiRig(settings);
  const pool = createPool(settings.databaseUrl);
  const connection = await Connection.connect({ address: settings.temporalAddress });
  const client = new Client({ connection, namespace: 'default' });
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_DIR, 'worker', 'main.ts')], {
    cwd: PROJECT_DIR,
    env: {
      ...process.env,
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
    await putOneTouchThenAMonth(rig, CADENCE_KEY, 'Bench: one touch, then a month');
    // Ready once it says it polls (after bundling the workflow code).
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`the worker exited with ${String(code)} before polling`)));
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('worker polling')) resolve();
      });
    });
    const pid = child.pid as number;
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const idle = { leads: 0, seconds: 0, ...(await memoryOf(pid)) };
    settings.log(`  idle worker: RSS ${idle.rssMiB} MiB (peak ${idle.hwmMiB})`);

    const points: MemoryPoint[] = [];
    let waiting = 0;
    for (const target of settings.counts) {
      const count = target - waiting;
      const ids = await insertBenchLeads(pool, { count, tag: `${runTag}-${target}`, cadenceKey: CADENCE_KEY });
      const sinkTarget = settings.smtp.messages() + count;
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
      while (settings.smtp.messages() < sinkTarget) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        if (performance.now() - lastLog > 15_000) {
          lastLog = performance.now();
          settings.log(`  ... ${count - (sinkTarget - settings.smtp.messages())} of ${count} first touches`);
        }
      }
      const seconds = round((performance.now() - began) / 1000);
      // Let the last workflow tasks (recording the next step, arming its timer) finish.
      await new Promise((resolve) => setTimeout(resolve, 5000));
      waiting = target;
      const point = { leads: target, seconds, ...(await memoryOf(pid)) };
      settings.log(
        `  ${target} leads waiting: RSS ${point.rssMiB} MiB (peak ${point.hwmMiB}), first touches took ${seconds} s`,
      );
      points.push(point);
    }
    return { maxCachedWorkflows: process.env.WORKER_MAX_CACHED_WORKFLOWS ?? 'default', idle, points };
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
