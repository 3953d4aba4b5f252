import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createPool } from '../db/pool.ts';
import { openApiRig, putOneTouchThenAMonth } from './api-rig.ts';
import { insertBenchLeads } from './bench-leads.ts';
import { cpuSeconds, residentBytes } from './process-usage.ts';
import { PROJECT_DIR } from './stack.ts';

/** The production worker process with `leads` leads just touched, at one cache size. */
export interface CachePoint {
  maxCachedWorkflows: number;
  leads: number;
  /** Resident memory idle (bundle built, polling) and once every lead had its touch and waits. */
  idleRssBytes: number;
  loadedRssBytes: number;
  /** Worker CPU seconds from the first start to the last touch in (workflow tasks, activities, the SDK's core). */
  cpuSeconds: number;
  wallSeconds: number;
}

const CADENCE_KEY = 'sizing-cache';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Worker memory per cached workflow and CPU per touch, from the production worker
 * (`worker/main.ts`, its own process) at two cache sizes: `WORKER_MAX_CACHED_WORKFLOWS=1`
 * (every workflow evicted after its task, replayed at the next) and `leads + 1` (every
 * workflow kept). Each run starts `leads` workflows whose first email goes out a second
 * later, then waits a month; the difference in resident memory, divided by `leads`, is
 * what one cached lifecycle holds.
 */
export async function measureCache(options: {
  databaseUrl: string;
  temporalAddress: string;
  smtpUrl: string;
  smtp: { messages: () => number };
  leads: number;
  log: (line: string) => void;
}): Promise<CachePoint[]> {
  const rig = await openApiRig(options);
  const pool = createPool(options.databaseUrl);
  const connection = await Connection.connect({ address: options.temporalAddress });
  const client = new Client({ connection, namespace: 'default' });
  try {
    await putOneTouchThenAMonth(rig, CADENCE_KEY, 'Sizing: one touch, then a month');
    const points: CachePoint[] = [];
    for (const cache of [1, options.leads + 1]) {
      const taskQueue = `sizing-cache-${randomBytes(4).toString('hex')}`;
      const worker = await startWorker(options, taskQueue, cache);
      try {
        const pid = worker.pid as number;
        await sleep(3000);
        const idleRssBytes = await residentBytes(pid);
        const ids = await insertBenchLeads(pool, {
          count: options.leads,
          tag: `sizing-${cache}-${randomBytes(3).toString('hex')}`,
          cadenceKey: CADENCE_KEY,
        });
        const cpuStart = await cpuSeconds(pid);
        const began = Date.now();
        const target = options.smtp.messages() + ids.length;
        let next = 0;
        await Promise.all(
          Array.from({ length: 32 }, async () => {
            for (let i = next++; i < ids.length; i = next++) {
              const leadId = ids[i] as string;
              await client.workflow.start('leadLifecycle', {
                taskQueue,
                workflowId: `lead-${leadId}`,
                args: [{ leadId }],
              });
            }
          }),
        );
        while (options.smtp.messages() < target) await sleep(200);
        const wallSeconds = (Date.now() - began) / 1000;
        // The last workflow tasks (recording the next step, arming its timer) finish.
        await sleep(5000);
        const point: CachePoint = {
          maxCachedWorkflows: cache,
          leads: ids.length,
          idleRssBytes,
          loadedRssBytes: await residentBytes(pid),
          cpuSeconds: (await cpuSeconds(pid)) - cpuStart,
          wallSeconds,
        };
        options.log(
          `  cache ${cache}: RSS ${mib(point.idleRssBytes)} → ${mib(point.loadedRssBytes)} MiB, ${point.cpuSeconds.toFixed(1)} CPU s for ${ids.length} touches`,
        );
        points.push(point);
      } finally {
        await stop(worker);
      }
    }
    return points;
  } finally {
    await connection.close();
    await pool.end();
    await rig.close();
  }
}

const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);

async function startWorker(
  options: { databaseUrl: string; temporalAddress: string; smtpUrl: string },
  taskQueue: string,
  cache: number,
): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_DIR, 'worker', 'main.ts')], {
    cwd: PROJECT_DIR,
    env: {
      ...process.env,
      DATABASE_URL: options.databaseUrl,
      TEMPORAL_ADDRESS: options.temporalAddress,
      TEMPORAL_TASK_QUEUE: taskQueue,
      SMTP_URL: options.smtpUrl,
      APP_SECRET: randomBytes(24).toString('hex'),
      SENDER_POSTAL_ADDRESS: '〒100-0001 東京都千代田区千代田1-1',
      WORKER_MAX_CACHED_WORKFLOWS: String(cache),
      WORKER_METRICS_PORT: '',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the worker exited with ${String(code)} before polling`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('worker polling')) resolve();
    });
  });
  return child;
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
