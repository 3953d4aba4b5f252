import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client, Connection } from '@temporalio/client';
import { createPool } from '../db/pool.ts';
import { freePort } from '../stack/free-port.ts';
import { PROJECT_DIR } from './stack.ts';

/** What the import measurement is asked to do. */
export interface ImportSettings {
  databaseUrl: string;
  temporalAddress: string;
  smtpUrl: string;
  rows: number;
  log: (line: string) => void;
}

/** Workflow starts the import keeps in flight (api/lead-import/import-leads.ts), and the bare side too. */
const START_LANES = 32;

/** The import's rate and the memory of the API process that served it. */
export interface ImportResult {
  rows: number;
  bytes: number;
  seconds: number;
  rowsPerSecond: number;
  /** The API process's resident set before the import, and its peak (VmHWM, Linux) after. */
  rssBeforeMiB: number;
  peakRssMiB: number;
  created: number;
  workflowsStarted: number;
  /** Seconds from the first byte to the commit (polled every half second): parse, validate, upsert. */
  commitSeconds: number;
  /** Bare `workflow.start` calls per second, the same count at the import's concurrency, half before the import and half after. */
  rawStartsPerSecond: number;
  /** rows/s over the bare start rate. */
  ratioImportOverRawStart: number;
}

/**
 * `count` bare starts of the lead workflow with the options the import gives its starts
 * (`ensureLifecycleStarted`): distinct ids, the same task queue with no worker,
 * REJECT_DUPLICATE, `START_LANES` in flight. Seconds from the first to the last answer.
 */
async function rawStarts(client: Client, taskQueue: string, prefix: string, count: number): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: START_LANES }, async () => {
      for (let i = next++; i < count; i = next++) {
        await client.workflow.start('leadLifecycle', {
          taskQueue,
          workflowId: `lead-raw-${prefix}-${i}`,
          args: [{ leadId: `raw-${prefix}-${i}` }],
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        });
      }
    }),
  );
  return (performance.now() - started) / 1000;
}

/** A figure of /proc/<pid>/status, in MiB: VmRSS now, VmHWM the peak since the process started. */
async function memoryOf(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return kib / 1024;
}

const loadAverage = () =>
  os
    .loadavg()
    .map((n) => n.toFixed(1))
    .join(' ');

/** `count` lead rows with an English header, generated as they are sent. */
function* csvRows(count: number, tag: string): Generator<string> {
  yield 'email,name,company,department,title,phone,postal code,prefecture,city,line1,source\n';
  for (let start = 0; start < count; start += 500) {
    const lines: string[] = [];
    for (let i = start; i < Math.min(start + 500, count); i++) {
      lines.push(
        `import-${tag}-${i}@example.jp,山田 太郎 ${i},株式会社サンプル ${i % 101},営業部,課長,03-1234-${String(i % 10_000).padStart(4, '0')},100-0001,東京都,千代田区,千代田1-${i % 50},bench\n`,
      );
    }
    yield lines.join('');
  }
}

/**
 * Runs the API as production runs it (`api/server.ts` in its own process, `npm run start:api`),
 * on a task queue no worker polls, and streams a `rows`-row CSV to `POST /v1/leads/import`
 * over HTTP, chunked, never held whole on either side. Measures the wall time from the first
 * byte sent to the answer, and the API process's peak resident set as Linux records it.
 */
export async function benchLeadImport(settings: ImportSettings): Promise<ImportResult> {
  const port = await freePort();
  const adminKey = randomBytes(24).toString('hex');
  const tag = randomBytes(4).toString('hex');
  const taskQueue = `bench-import-no-worker-${tag}`;
  const api = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_DIR, 'api/server.ts')], {
    cwd: PROJECT_DIR,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: settings.databaseUrl,
      TEMPORAL_ADDRESS: settings.temporalAddress,
      TEMPORAL_TASK_QUEUE: taskQueue,
      SMTP_URL: settings.smtpUrl,
      APP_SECRET: randomBytes(24).toString('hex'),
      ADMIN_API_KEY: adminKey,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => api.once('exit', () => resolve()));
  const pool = createPool(settings.databaseUrl);
  const connection = await Connection.connect({ address: settings.temporalAddress });
  const client = new Client({ connection, namespace: 'default' });
  try {
    const pid = api.pid;
    if (pid === undefined) throw new Error('the API process did not start');
    for (let tries = 0; ; tries++) {
      const up = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) break;
      if (tries > 300 || api.exitCode !== null) throw new Error('the API did not answer /healthz within 60 s');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const rssBeforeMiB = await memoryOf(pid, 'VmRSS');
    // The baseline: as many bare starts, half before the import and half after, so a server
    // that slows as its history grows weighs on both sides alike.
    const rawHalf = Math.ceil(settings.rows / 2);
    settings.log(`  bare starts: ${rawHalf} at ${START_LANES} in flight (load ${loadAverage()})`);
    let rawSeconds = await rawStarts(client, taskQueue, `${tag}-a`, rawHalf);
    settings.log(
      `  API pid ${pid} up, RSS ${rssBeforeMiB.toFixed(0)} MiB; sending ${settings.rows} rows (load ${loadAverage()})`,
    );

    let bytes = 0;
    const started = performance.now();
    // The rows become visible at the commit, all at once: from then on the import only starts
    // workflows. Polled, not timed precisely (to half a second), to split the two phases.
    const committed: { stop: boolean; seconds?: number } = { stop: false };
    void (async () => {
      while (!committed.stop) {
        const found = await pool.query<{ n: string }>(
          'SELECT EXISTS (SELECT 1 FROM leads WHERE lower(email) = $1) AS n',
          [`import-${tag}-0@example.jp`],
        );
        if (String(found.rows[0]?.n) === 'true') {
          committed.seconds = (performance.now() - started) / 1000;
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    })();
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = http.request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/v1/leads/import',
          headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'text/csv; charset=utf-8' },
        },
        (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (text: string) => (body += text));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
          response.on('error', reject);
        },
      );
      request.on('error', reject);
      const source = Readable.from(csvRows(settings.rows, tag)).map((text: string) => {
        const chunk = Buffer.from(text, 'utf8');
        bytes += chunk.length;
        return chunk;
      });
      pipeline(source, request).catch(reject);
    });
    const seconds = (performance.now() - started) / 1000;
    committed.stop = true;
    if (answer.status !== 200) throw new Error(`the import answered ${answer.status}: ${answer.body.slice(0, 500)}`);
    const summary = JSON.parse(answer.body) as { created: number; failed: number; workflowsStarted: number };
    const peakRssMiB = await memoryOf(pid, 'VmHWM');
    settings.log(
      `  imported in ${seconds.toFixed(1)} s (committed after about ${committed.seconds?.toFixed(1) ?? '?'} s); bare starts: ${rawHalf} more (load ${loadAverage()})`,
    );
    rawSeconds += await rawStarts(client, taskQueue, `${tag}-b`, rawHalf);
    const rawStartsPerSecond = (2 * rawHalf) / rawSeconds;

    // Not a timing check: confirms every row counted really became a lead.
    const written = await pool.query<{ n: string }>('SELECT count(*) AS n FROM leads WHERE email LIKE $1', [
      `import-${tag}-%`,
    ]);
    if (Number(written.rows[0]?.n) !== settings.rows || summary.failed !== 0)
      throw new Error(`expected ${settings.rows} leads, found ${written.rows[0]?.n} (${summary.failed} rows failed)`);
    return {
      rows: settings.rows,
      bytes,
      seconds,
      rowsPerSecond: settings.rows / seconds,
      rssBeforeMiB,
      peakRssMiB,
      created: summary.created,
      workflowsStarted: summary.workflowsStarted,
      commitSeconds: committed.seconds ?? Number.NaN,
      rawStartsPerSecond,
      ratioImportOverRawStart: settings.rows / seconds / rawStartsPerSecond,
    };
  } finally {
    await connection.close();
    await pool.end();
    if (api.exitCode === null) api.kill('SIGTERM');
    await exited;
  }
}
