import { randomBytes, randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../api/app.ts';
import { loadConfig } from '../config/env.ts';
import { createPool } from '../db/pool.ts';
import { leadWorkflowId } from '../domain/lead.ts';
import type { leadLifecycle } from '../workflows/lead-lifecycle.ts';
import { median, round, runConcurrently, type BatchResult } from './stats.ts';

/** What the intake measurement is asked to do. */
export interface IntakeSettings {
  databaseUrl: string;
  temporalAddress: string;
  leads: number;
  concurrency: number;
  rounds: number;
  log: (line: string) => void;
}

/** One round: the raw-start baseline, then the API, back to back. */
export interface IntakeRound {
  round: number;
  raw: BatchResult;
  api: BatchResult;
  /** api leads/s ÷ raw-start leads/s of this round. */
  ratio: number;
}

/** Every round and the medians the README tells how to read. */
export interface IntakeResult {
  taskQueue: string;
  warmup: number;
  rounds: IntakeRound[];
  medianRawPerSecond: number;
  medianApiPerSecond: number;
  medianRatio: number;
  leadRowsWritten: number;
}

const CADENCE_KEY = 'bench-p1d';
const TEMPLATE_KEY = 'bench-welcome';
const WARMUP = 32;

// The first step waits a day, so even if a worker did poll the queue nothing would be
// sent during the bench; and none does: workflows are only started, which is what
// intake costs.
const CADENCE = { name: 'Bench: first touch after a day', nurture: { steps: [{ after: 'P1D', channel: 'email', template: TEMPLATE_KEY }] } };
const TEMPLATE = {
  subject: '{{lead.company}} {{lead.name}} 様へ: ご案内',
  mjml: '<mjml><mj-body><mj-section><mj-column><mj-text>{{lead.company}} {{lead.name}} 様</mj-text></mj-column></mj-section></mj-body></mjml>',
};

/**
 * Lead intake through the real API path (`POST /v1/leads` via `inject`: auth, schema
 * validation, the lead read, the cadence check, the upsert in PostgreSQL and the workflow
 * start) against a baseline of bare `client.workflow.start` calls with the same options,
 * on the same Temporal client and server, at the same concurrency, alternated per round.
 */
export async function benchLeadIntake(settings: IntakeSettings): Promise<IntakeResult> {
  const runTag = randomBytes(4).toString('hex');
  const taskQueue = `bench-no-worker-${runTag}`;
  const adminKey = randomBytes(24).toString('hex');
  const headers = { authorization: `Bearer ${adminKey}` };

  const pool = createPool(settings.databaseUrl);
  const closers: (() => Promise<unknown>)[] = [() => pool.end()];
  try {
    const connection = await Connection.connect({ address: settings.temporalAddress });
    closers.unshift(() => connection.close());
    // One client for both sides: the baseline and the API differ only by what the API adds.
    const client = new Client({ connection, namespace: 'default' });
    const app: FastifyInstance = await buildApp({
      config: { ...loadConfig({}), temporalTaskQueue: taskQueue, adminApiKey: adminKey },
      db: pool,
      temporal: { client, connection },
    });
    closers.unshift(() => app.close());

    const template = await app.inject({ method: 'PUT', url: `/v1/templates/${TEMPLATE_KEY}`, headers, payload: TEMPLATE });
    const cadence = await app.inject({ method: 'PUT', url: `/v1/cadences/${CADENCE_KEY}`, headers, payload: CADENCE });
    if (template.statusCode !== 201 || cadence.statusCode !== 201) {
      throw new Error(`bench set-up failed: template ${template.statusCode} ${template.body}; cadence ${cadence.statusCode} ${cadence.body}`);
    }

    const rawStart = async (): Promise<void> => {
      const leadId = randomUUID();
      await client.workflow.start<typeof leadLifecycle>('leadLifecycle', {
        taskQueue,
        workflowId: leadWorkflowId(leadId),
        args: [{ leadId }],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
    };
    const apiCreate = async (label: string, i: number): Promise<void> => {
      const response = await app.inject({
        method: 'POST',
        url: '/v1/leads',
        headers,
        payload: {
          email: `bench-${runTag}-${label}-${i}@example.com`,
          name: `Bench Lead ${i}`,
          company: 'Example Co.',
          title: 'Buyer',
          source: 'bench',
          cadence: CADENCE_KEY,
        },
      });
      if (response.statusCode !== 201) throw new Error(`POST /v1/leads answered ${response.statusCode}: ${response.body}`);
    };

    // Warm-up, not counted: JIT, the PostgreSQL pool, the gRPC channel, Fastify's route compile.
    const warmup = Math.min(WARMUP, settings.leads);
    await runConcurrently(warmup, settings.concurrency, () => rawStart());
    await runConcurrently(warmup, settings.concurrency, (i) => apiCreate('warmup', i));

    const rounds: IntakeRound[] = [];
    for (let n = 1; n <= settings.rounds; n++) {
      const raw = await runConcurrently(settings.leads, settings.concurrency, () => rawStart());
      settings.log(`  round ${n}: raw start ${raw.perSecond.toFixed(1)} leads/s`);
      const api = await runConcurrently(settings.leads, settings.concurrency, (i) => apiCreate(`r${n}`, i));
      settings.log(`  round ${n}: API       ${api.perSecond.toFixed(1)} leads/s`);
      rounds.push({ round: n, raw, api, ratio: api.perSecond / raw.perSecond });
    }

    // Not a timing check: confirms every counted API call really wrote its lead.
    const written = await pool.query<{ n: string }>('SELECT count(*) AS n FROM leads WHERE email LIKE $1', [`bench-${runTag}-%`]);
    const leadRowsWritten = Number(written.rows[0]?.n ?? 0);
    const expected = warmup + settings.rounds * settings.leads;
    if (leadRowsWritten !== expected) throw new Error(`expected ${expected} lead rows after the bench, found ${leadRowsWritten}`);

    return {
      taskQueue,
      warmup,
      rounds,
      medianRawPerSecond: round(median(rounds.map((r) => r.raw.perSecond))),
      medianApiPerSecond: round(median(rounds.map((r) => r.api.perSecond))),
      medianRatio: round(median(rounds.map((r) => r.ratio))),
      leadRowsWritten,
    };
  } finally {
    for (const close of closers) await close().catch((error: unknown) => settings.log(`close: ${String(error)}`));
  }
}
