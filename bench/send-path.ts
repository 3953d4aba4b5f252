import { randomBytes } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import type Mail from 'nodemailer/lib/mailer/index.js';
import { deliverOnce } from '../activities/deliver-once.ts';
import { createEmailActivities, type SendEmailInput, type SendEmailResult } from '../activities/email.ts';
import { createPool } from '../db/pool.ts';
import { findLeadForTouch, upsertLead } from '../db/repositories/leads.ts';
import { saveTemplate } from '../db/repositories/templates.ts';
import { createMailer, type Mailer } from '../mail/transport.ts';
import { benchActivityDependencies } from './activity-dependencies.ts';
import { median, round, runConcurrently, type BatchResult } from './stats.ts';
import { NURTURE_TEMPLATE, SAMPLE_LEAD } from './template-render.ts';

/** What the send measurement is asked to do. */
export interface SendSettings {
  databaseUrl: string;
  smtpUrl: string;
  /** The sink's counters, for the check after the rounds. */
  smtp: { messages: () => number; bytes: () => number };
  sends: number;
  concurrency: number;
  rounds: number;
  log: (line: string) => void;
}

/** One round: the bare send loop, the send's statements alone, then the full send path, back to back. */
export interface SendRound {
  round: number;
  bare: BatchResult;
  /**
   * The floor: the bare loop's message sent through the send path's own statements (the
   * lead read, the claim, `sent` with its timeline entry and report count: `findLeadForTouch`
   * and `deliverOnce`), with no template, render, footer or tracking. What the full path
   * could reach if everything but PostgreSQL and SMTP cost nothing.
   */
  floor: BatchResult;
  full: BatchResult;
  /** floor messages/s ÷ bare messages/s of this round. */
  floorRatio: number;
  /** full messages/s ÷ bare messages/s of this round. */
  ratio: number;
  /** 1/full − 1/bare in ms: what the full path adds per message at this concurrency. */
  extraMsPerMessage: number;
}

/** Every round, the medians and what the checks after the rounds found. */
export interface SendResult {
  warmup: number;
  rounds: SendRound[];
  medianBarePerSecond: number;
  medianFullPerSecond: number;
  medianFloorPerSecond: number;
  medianRatio: number;
  medianFloorRatio: number;
  medianExtraMsPerMessage: number;
  /** Size of one message as the sink received it. */
  messageBytes: number;
  /** Messages the sink received during the counted rounds (both sides). */
  sinkMessages: number;
  /** Delivery rows of the counted full-path sends, all `sent`. */
  deliveriesSent: number;
}

const TEMPLATE_KEY = 'bench-nurture';
const WARMUP = 32;

/**
 * The real email activity (`sendEmail`: lead and template read, suppression check, cached
 * render, compliance footer and List-Unsubscribe headers, the delivery row claimed, moved
 * to `sending`, SMTP, moved to `sent`, the timeline entry) against a bare loop of pooled
 * nodemailer sends of the same message, to the same SMTP sink, at the same concurrency,
 * alternated per round.
 */
export async function benchSendPath(settings: SendSettings): Promise<SendResult> {
  const runTag = randomBytes(4).toString('hex');
  const pool = createPool(settings.databaseUrl);
  const closers: (() => Promise<unknown>)[] = [() => pool.end()];
  const transport = (): Mailer => {
    const mailer = createMailer(settings.smtpUrl);
    closers.unshift(async () => mailer.close());
    return mailer;
  };
  try {
    const deps = benchActivityDependencies(pool, transport());
    const activities = createEmailActivities(deps);
    // The SDK's way to run an activity outside a worker: `heartbeat()` and `log` work, and
    // nothing of a worker's own cost (polling, completing the task) is added. Its logger
    // keeps warnings to one line each, and drops "Activity failed": the bench reports the
    // first failure itself, and the sends still in flight when it stops fail too.
    const logger = new DefaultLogger('WARN', (entry) => {
      if (entry.message !== 'Activity failed')
        settings.log(`activity ${entry.level}: ${entry.message} ${JSON.stringify(entry.meta ?? {})}`);
    });
    const env = new MockActivityEnvironment(undefined, { logger });

    const { saved } = await saveTemplate(pool, TEMPLATE_KEY, NURTURE_TEMPLATE);
    const profile = {
      name: SAMPLE_LEAD.name,
      company: SAMPLE_LEAD.company,
      department: SAMPLE_LEAD.department,
      title: SAMPLE_LEAD.title,
      phone: SAMPLE_LEAD.phone,
      postalAddress: SAMPLE_LEAD.postalAddress,
      source: SAMPLE_LEAD.source,
      ownerEmail: SAMPLE_LEAD.ownerEmail,
    };
    const leadIds = new Array<string>(settings.sends);
    await runConcurrently(settings.sends, settings.concurrency, async (i) => {
      const upserted = await upsertLead(pool, `bench-send-${runTag}-${i}@example.jp`, profile, {
        cadenceKey: 'default',
        locale: 'ja',
        timezone: 'Asia/Tokyo',
      });
      if (upserted === undefined) throw new Error('the default cadence is missing from the bench database');
      leadIds[i] = upserted.lead.id;
    });
    const leadId = (i: number): string => leadIds[i] as string;

    type SendEmail = (input: SendEmailInput) => Promise<SendEmailResult>;
    const fullSend = async (idempotencyKey: string, i: number, on = activities): Promise<void> => {
      const activity: SendEmail = (input) => on.sendEmail(input);
      const result = await env.run<[SendEmailInput], SendEmailResult, SendEmail>(activity, {
        leadId: leadId(i),
        templateKey: TEMPLATE_KEY,
        idempotencyKey,
      });
      if (result.status !== 'sent') throw new Error(`sendEmail ${idempotencyKey}: ${result.status}, expected sent`);
    };

    // The bare loop's message is the one the activity sends, taken from the transport as
    // the activity hands it over (rendered for lead 0: template, footer, headers, ids), so
    // the two sides cannot drift apart when the activity changes. This send is not counted.
    let captured: Mail.Options | undefined;
    const captureMailer = transport();
    captureMailer.use('compile', (mail, done) => {
      captured ??= { ...mail.data, headers: { ...(mail.data.headers as Record<string, string>) } };
      done();
    });
    const sinkBefore = { messages: settings.smtp.messages(), bytes: settings.smtp.bytes() };
    await fullSend(`bench/capture-${runTag}`, 0, createEmailActivities({ ...deps, mailer: captureMailer }));
    const message = captured;
    if (!message) throw new Error('the activity sent nothing through the transport');
    const messageBytes = settings.smtp.bytes() - sinkBefore.bytes;
    const headers = message.headers as Record<string, string>;
    if (
      !headers['List-Unsubscribe'] ||
      typeof message.html !== 'string' ||
      !message.html.includes(deps.sender.postalAddress)
    ) {
      throw new Error('the captured message lacks its List-Unsubscribe header or compliance footer');
    }
    if (message.subject !== `${SAMPLE_LEAD.company} ${SAMPLE_LEAD.name} 様へ: 新機能のご案内`)
      throw new Error(`unexpected subject "${message.subject}"`);

    const bare = transport();
    const bareSend = async (): Promise<void> => {
      await bare.sendMail(message);
    };
    // The floor: the send path's statements around the same message, already rendered.
    const rendered = {
      subject: message.subject,
      html: message.html,
      text: message.text as string,
      templateVersion: saved.version,
      headers,
    };
    type Floor = (key: string) => Promise<void>;
    const floorOnce = async (idempotencyKey: string, i: number): Promise<void> => {
      const found = await findLeadForTouch(pool, leadId(i), idempotencyKey);
      if (!found) throw new Error(`lead ${leadId(i)} is missing`);
      const result = await deliverOnce(deps, {
        idempotencyKey,
        leadId: found.lead.id,
        kind: 'touch',
        templateKey: TEMPLATE_KEY,
        to: found.lead.email,
        existing: found.delivery,
        emailOrigin: { cadenceKey: found.lead.cadenceKey, stage: null, step: null, variantTest: false },
        sentTimeline: ({ subject, messageId }) => ({
          kind: 'email_sent',
          detail: { template: TEMPLATE_KEY, subject, messageId },
          dedupeKey: `${idempotencyKey}/sent`,
        }),
        render: async () => rendered,
      });
      if (result.outcome !== 'sent') throw new Error(`floor ${idempotencyKey}: ${result.outcome}, expected sent`);
    };
    const floorSend = (idempotencyKey: string, i: number): Promise<void> =>
      env.run<[string], void, Floor>((key) => floorOnce(key, i), idempotencyKey);

    // Warm-up, not counted: JIT, both pools' SMTP connections, the PostgreSQL pool, the template cache.
    const warmup = Math.min(WARMUP, settings.sends);
    await runConcurrently(warmup, settings.concurrency, () => bareSend());
    await runConcurrently(warmup, settings.concurrency, (i) => floorSend(`bench/floor-warmup-${runTag}/${i}`, i));
    await runConcurrently(warmup, settings.concurrency, (i) => fullSend(`bench/warmup-${runTag}/${i}`, i));

    const counted = settings.smtp.messages();
    const rounds: SendRound[] = [];
    for (let n = 1; n <= settings.rounds; n++) {
      const bareBatch = await runConcurrently(settings.sends, settings.concurrency, () => bareSend());
      settings.log(`  round ${n}: bare loop ${bareBatch.perSecond.toFixed(1)} messages/s`);
      const floorBatch = await runConcurrently(settings.sends, settings.concurrency, (i) =>
        floorSend(`bench/floor-${n}/${i}`, i),
      );
      settings.log(`  round ${n}: statements only ${floorBatch.perSecond.toFixed(1)} messages/s`);
      const fullBatch = await runConcurrently(settings.sends, settings.concurrency, (i) =>
        fullSend(`bench/${n}/${i}`, i),
      );
      settings.log(`  round ${n}: full path ${fullBatch.perSecond.toFixed(1)} messages/s`);
      rounds.push({
        round: n,
        bare: bareBatch,
        floor: floorBatch,
        full: fullBatch,
        floorRatio: floorBatch.perSecond / bareBatch.perSecond,
        ratio: fullBatch.perSecond / bareBatch.perSecond,
        extraMsPerMessage: 1000 / fullBatch.perSecond - 1000 / bareBatch.perSecond,
      });
    }

    // Not timed: every counted full-path send left a `sent` row, and the sink got every message.
    const sinkMessages = settings.smtp.messages() - counted;
    const expectedMessages = settings.rounds * settings.sends * 3;
    if (sinkMessages !== expectedMessages)
      throw new Error(`the SMTP sink received ${sinkMessages} messages in the rounds, expected ${expectedMessages}`);
    const rows = await pool.query<{ status: string; n: string }>(
      `SELECT status, count(*) AS n FROM deliveries WHERE idempotency_key ~ '^bench/[0-9]+/[0-9]+$' GROUP BY status`,
    );
    const byStatus = Object.fromEntries(rows.rows.map((r) => [r.status, Number(r.n)]));
    const deliveriesSent = byStatus.sent ?? 0;
    if (deliveriesSent !== settings.rounds * settings.sends || rows.rows.length !== 1) {
      throw new Error(
        `expected ${settings.rounds * settings.sends} delivery rows, all sent; found ${JSON.stringify(byStatus)}`,
      );
    }
    const version = await pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM deliveries WHERE idempotency_key ~ '^bench/[0-9]+/' AND template_version = $1`,
      [saved.version],
    );
    if (Number(version.rows[0]?.n) !== deliveriesSent)
      throw new Error('some deliveries do not record the template version sent');

    return {
      warmup,
      rounds,
      medianBarePerSecond: round(median(rounds.map((r) => r.bare.perSecond))),
      medianFullPerSecond: round(median(rounds.map((r) => r.full.perSecond))),
      medianFloorPerSecond: round(median(rounds.map((r) => r.floor.perSecond))),
      medianRatio: round(median(rounds.map((r) => r.ratio))),
      medianFloorRatio: round(median(rounds.map((r) => r.floorRatio))),
      medianExtraMsPerMessage: round(median(rounds.map((r) => r.extraMsPerMessage))),
      messageBytes,
      sinkMessages,
      deliveriesSent,
    };
  } finally {
    for (const close of closers) await close().catch((error: unknown) => settings.log(`close: ${String(error)}`));
  }
}
