import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createPool } from '../db/pool.ts';
import { createMailer } from '../mail/transport.ts';
import { createWorker } from '../worker/create-worker.ts';
import { benchActivityDependencies } from './activity-dependencies.ts';
import { openApiRig, putAll } from './api-rig.ts';
import { insertBenchLeads } from './bench-leads.ts';
import { median, round } from './stats.ts';

/** What the touches measurement is asked to do. */
export interface TouchSettings {
  databaseUrl: string;
  temporalAddress: string;
  smtpUrl: string;
  smtp: { messages: () => number };
  /** Leads (and trivial workflows) per round and side. */
  touchLeads: number;
  rounds: number;
  log: (line: string) => void;
}

/** One side of one round: from the first workflow start to the last touch, the wait subtracted. */
export interface TouchBatch {
  count: number;
  seconds: number;
  perSecond: number;
}

/** Every round and the medians. */
export interface TouchResult {
  rounds: { round: number; trivial: TouchBatch; real: TouchBatch; ratio: number }[];
  medianTrivialPerSecond: number;
  medianRealPerSecond: number;
  medianRatio: number;
  sinkMessages: number;
}

const TEMPLATE_KEY = 'bench-touch';
const CADENCE_KEY = 'bench-touch';
/** How long both sides wait before their touch: the real cadence's first step. */
const WAIT_MS = 1000;
/** Workflow starts in flight at once, on both sides. */
const START_LANES = 32;
const TRIVIAL_WORKFLOWS_PATH = path.join(path.dirname(fileURLToPath(import.meta.url)), 'workflows', 'trivial-touch.ts');

/**
 * N leads whose first step falls due at once, processed by a real worker
 * (`worker/create-worker.ts`, every real activity) into the SMTP sink, against N workflows
 * of a trivial workflow that waits as long and runs one no-op activity, on a worker with
 * the same settings, on the same Temporal server, alternated per round. A side's time runs
 * from its first start to its last touch (the sink's count, or the no-op's), less the wait.
 */
export async function benchTouches(settings: TouchSettings): Promise<TouchResult> {
  const rig = await openApiRig(settings);
  const pool = createPool(settings.databaseUrl);
  const mailer = createMailer(settings.smtpUrl);
  const runTag = randomBytes(4).toString('hex');
  const closers: (() => Promise<unknown>)[] = [() => rig.close(), () => pool.end(), async () => mailer.close()];
  try {
    const { client } = rig;
    // The first step falls due a second after the start; the second waits a month, so each
    // lead makes exactly one touch during the bench. No window and no cap: nothing holds it.
    await putAll(rig, [
      [
        `/v1/templates/${TEMPLATE_KEY}`,
        {
          subject: '{{lead.company}} {{lead.name}} 様へ: ご案内',
          mjml: '<mjml><mj-body><mj-section><mj-column><mj-text>{{lead.company}} {{lead.name}} 様、いつもお世話になっております。</mj-text></mj-column></mj-section></mj-body></mjml>',
        },
      ],
      [
        `/v1/cadences/${CADENCE_KEY}`,
        {
          name: 'Bench: one touch now',
          nurture: {
            steps: [
              { after: `PT${WAIT_MS / 1000}S`, channel: 'email', template: TEMPLATE_KEY },
              { after: 'P1M', channel: 'email', template: TEMPLATE_KEY },
            ],
          },
          sendWindow: null,
        },
      ],
    ]);

    const realQueue = `bench-touch-real-${runTag}`;
    const trivialQueue = `bench-touch-trivial-${runTag}`;
    const real = await createWorker(
      { connection: { address: settings.temporalAddress }, namespace: 'default', taskQueue: realQueue },
      benchActivityDependencies(pool, mailer),
    );
    closers.unshift(() => real.connection.close());
    let noops = 0;
    const trivialConnection = await NativeConnection.connect({ address: settings.temporalAddress });
    closers.unshift(() => trivialConnection.close());
    const trivial = await Worker.create({
      connection: trivialConnection,
      namespace: 'default',
      taskQueue: trivialQueue,
      workflowsPath: TRIVIAL_WORKFLOWS_PATH,
      activities: {
        noop: async () => {
          noops++;
        },
      },
      // The same worker settings as the real worker's (worker/create-worker.ts).
      ...real.tuning,
    });
    const running = [real.worker.run(), trivial.run()];
    closers.unshift(async () => {
      real.worker.shutdown();
      trivial.shutdown();
      await Promise.allSettled(running);
    });

    const startAll = async (count: number, start: (index: number) => Promise<unknown>) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: START_LANES }, async () => {
          for (let i = next++; i < count; i = next++) await start(i);
        }),
      );
    };
    const until = async (done: () => boolean) => {
      while (!done()) await new Promise((resolve) => setTimeout(resolve, 20));
    };
    const time = async (
      count: number,
      start: (index: number) => Promise<unknown>,
      done: () => boolean,
    ): Promise<TouchBatch> => {
      const began = performance.now();
      await startAll(count, start);
      await until(done);
      const seconds = (performance.now() - began - WAIT_MS) / 1000;
      return { count, seconds: round(seconds), perSecond: round(count / seconds) };
    };
    const trivialSide = async (label: string, count: number): Promise<TouchBatch> => {
      const target = noops + count;
      return time(
        count,
        (i) =>
          client.workflow.start('trivialTouch', {
            taskQueue: trivialQueue,
            workflowId: `bench-trivial-${runTag}-${label}-${i}`,
            args: [WAIT_MS],
          }),
        () => noops >= target,
      );
    };
    const realSide = async (label: string, count: number): Promise<TouchBatch> => {
      const ids = await insertBenchLeads(pool, { count, tag: `${runTag}-${label}`, cadenceKey: CADENCE_KEY });
      const target = settings.smtp.messages() + count;
      return time(
        count,
        (i) =>
          client.workflow.start('leadLifecycle', {
            taskQueue: realQueue,
            workflowId: `lead-${ids[i] as string}`,
            args: [{ leadId: ids[i] as string }],
          }),
        () => settings.smtp.messages() >= target,
      );
    };

    // Warm-up (not counted): the bundles' first runs, the pools, the template compile.
    await trivialSide('warmup', 32);
    await realSide('warmup', 32);
    const sinkBefore = settings.smtp.messages();
    const rounds: TouchResult['rounds'] = [];
    for (let n = 1; n <= settings.rounds; n++) {
      // Alternate which side goes first, so neither always meets a server still busy with the other.
      const trivialFirst = n % 2 === 1;
      const first = trivialFirst
        ? await trivialSide(`r${n}`, settings.touchLeads)
        : await realSide(`r${n}`, settings.touchLeads);
      const second = trivialFirst
        ? await realSide(`r${n}`, settings.touchLeads)
        : await trivialSide(`r${n}`, settings.touchLeads);
      const [trivialBatch, realBatch] = trivialFirst ? [first, second] : [second, first];
      settings.log(
        `  round ${n}: trivial ${trivialBatch.perSecond} workflows/s, real ${realBatch.perSecond} touches/s`,
      );
      rounds.push({
        round: n,
        trivial: trivialBatch,
        real: realBatch,
        ratio: round(realBatch.perSecond / trivialBatch.perSecond),
      });
    }
    return {
      rounds,
      medianTrivialPerSecond: round(median(rounds.map((r) => r.trivial.perSecond))),
      medianRealPerSecond: round(median(rounds.map((r) => r.real.perSecond))),
      medianRatio: round(median(rounds.map((r) => r.ratio))),
      sinkMessages: settings.smtp.messages() - sinkBefore,
    };
  } finally {
    for (const close of closers) await close().catch((error: unknown) => settings.log(`close: ${String(error)}`));
  }
}
