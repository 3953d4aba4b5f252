import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { buildApp } from '../api/app.ts';
import { loadConfig, type Config } from '../config/env.ts';
import { createPool } from '../db/pool.ts';
import { median, round, runConcurrently, type BatchResult } from './stats.ts';

/** The real API against the bench's services, and a bare Temporal client on the same connection. */
export interface ApiRig {
  app: FastifyInstance;
  client: Client;
  pool: pg.Pool;
  /** A task queue no worker polls: workflows are started and signalled, never run. */
  taskQueue: string;
  /** Distinguishes this run's rows (emails, event ids). */
  runTag: string;
  /** Admin headers for `app.inject`. */
  headers: Record<string, string>;
  close: () => Promise<void>;
}

/**
 * Builds the API as production does (`buildApp`, a production-sized pool) with one Temporal
 * client that the baseline uses too, so the two sides differ only by what the API adds.
 */
export async function openApiRig(
  settings: { databaseUrl: string; temporalAddress: string; log: (line: string) => void },
  config: Partial<Config> = {},
): Promise<ApiRig> {
  const runTag = randomBytes(4).toString('hex');
  const taskQueue = `bench-no-worker-${runTag}`;
  const adminKey = randomBytes(24).toString('hex');
  const pool = createPool(settings.databaseUrl);
  const closers: (() => Promise<unknown>)[] = [() => pool.end()];
  const close = async () => {
    for (const c of closers) await c().catch((error: unknown) => settings.log(`close: ${String(error)}`));
  };
  try {
    const connection = await Connection.connect({ address: settings.temporalAddress });
    closers.unshift(() => connection.close());
    const client = new Client({ connection, namespace: 'default' });
    // The per-key rate limit stays on (its cost is the API's) but high enough never to refuse.
    const app = await buildApp({
      config: {
        ...loadConfig({}),
        temporalTaskQueue: taskQueue,
        adminApiKey: adminKey,
        rateLimitPerMinute: 1_000_000_000,
        ...config,
      },
      db: pool,
      temporal: { client, connection },
    });
    closers.unshift(() => app.close());
    return { app, client, pool, taskQueue, runTag, headers: { authorization: `Bearer ${adminKey}` }, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Stores templates and cadences through the API (`PUT` each `[url, body]`); 200 means an earlier section stored it. */
export async function putAll(
  rig: Pick<ApiRig, 'app' | 'headers'>,
  entries: [url: string, payload: object][],
): Promise<void> {
  for (const [url, payload] of entries) {
    const response = await rig.app.inject({ method: 'PUT', url, headers: rig.headers, payload });
    if (![200, 201].includes(response.statusCode))
      throw new Error(`bench set-up: PUT ${url} answered ${response.statusCode}: ${response.body}`);
  }
}

/** What a side-by-side API measurement is asked to do: the services, the load, the rounds. */
/**
 * Saves a template and a cadence under `key` (both): one email `firstAfter` after the start
 * (a second unless given), the next a month later, no send window. Leads on it make one touch
 * and then wait on a timer, which is what the memory and cache measurements need; with a
 * first step a month away they wait at once, without a touch.
 */
export async function putOneTouchThenAMonth(
  rig: ApiRig,
  key: string,
  name: string,
  firstAfter = 'PT1S',
): Promise<void> {
  await putAll(rig, [
    [
      `/v1/templates/${key}`,
      {
        subject: '{{lead.name}} 様へ',
        mjml: '<mjml><mj-body><mj-section><mj-column><mj-text>{{lead.company}} {{lead.name}} 様</mj-text></mj-column></mj-section></mj-body></mjml>',
      },
    ],
    [
      `/v1/cadences/${key}`,
      {
        name,
        nurture: {
          steps: [
            { after: firstAfter, channel: 'email', template: key },
            { after: 'P1M', channel: 'email', template: key },
          ],
        },
        sendWindow: null,
      },
    ],
  ]);
}

export interface PairedSettings {
  databaseUrl: string;
  temporalAddress: string;
  leads: number;
  concurrency: number;
  rounds: number;
  log: (line: string) => void;
}

/** One round: the baseline, then the subject, back to back. */
export interface PairedRound {
  round: number;
  raw: BatchResult;
  api: BatchResult;
  /** api rate ÷ raw rate of this round. */
  ratio: number;
}

/** Every round and the medians (the ratio's median is over the per-round ratios). */
export interface PairedResult {
  warmup: number;
  rounds: PairedRound[];
  medianRawPerSecond: number;
  medianApiPerSecond: number;
  medianRatio: number;
}

/**
 * Runs a warm-up of both sides (not counted), then `rounds` rounds alternating the
 * baseline and the subject, `count` calls each at `concurrency`.
 */
export async function alternateRounds(
  settings: { count: number; concurrency: number; rounds: number; log: (line: string) => void; unit: string },
  raw: (round: string, index: number) => Promise<void>,
  api: (round: string, index: number) => Promise<void>,
  warmup = 32,
): Promise<PairedResult> {
  const w = Math.min(warmup, settings.count);
  // Warm-up: JIT, the PostgreSQL pool, the gRPC channel, Fastify's route compile.
  await runConcurrently(w, settings.concurrency, (i) => raw('warmup', i));
  await runConcurrently(w, settings.concurrency, (i) => api('warmup', i));
  const rounds: PairedRound[] = [];
  for (let n = 1; n <= settings.rounds; n++) {
    const rawBatch = await runConcurrently(settings.count, settings.concurrency, (i) => raw(`r${n}`, i));
    settings.log(`  round ${n}: raw ${rawBatch.perSecond.toFixed(1)} ${settings.unit}/s`);
    const apiBatch = await runConcurrently(settings.count, settings.concurrency, (i) => api(`r${n}`, i));
    settings.log(`  round ${n}: API ${apiBatch.perSecond.toFixed(1)} ${settings.unit}/s`);
    rounds.push({ round: n, raw: rawBatch, api: apiBatch, ratio: apiBatch.perSecond / rawBatch.perSecond });
  }
  return {
    warmup: w,
    rounds,
    medianRawPerSecond: round(median(rounds.map((r) => r.raw.perSecond))),
    medianApiPerSecond: round(median(rounds.map((r) => r.api.perSecond))),
    medianRatio: round(median(rounds.map((r) => r.ratio))),
  };
}
