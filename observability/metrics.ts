import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

// Every metric the engine's own code records, in one place, so docs/metrics.md, the
// dashboard and the alert rules have one list to agree with. Activities and the API
// import this module; workflows must not (recording is I/O, and a replayed workflow
// would count twice), which eslint.config.js enforces.
//
// Counters count events that happened once: each is incremented where the exactly-once
// machinery has already decided (a delivery moved to `sent`, a timeline row that was
// new), so an activity retry or a replayed webhook does not count again.

/** The one registry of a process; `GET /metrics` (API and worker) serialises it. */
export const registry = new Registry();

/** Names start with this, so the engine's series are easy to tell from the SDK's and Node's. */
const PREFIX = 'lle_';

/** Emails the SMTP server accepted: touches to leads and notifications to reps. */
export const emailsSent = new Counter({
  name: `${PREFIX}emails_sent_total`,
  help: 'Emails the SMTP server accepted, by kind (touch: marketing email to a lead; notification: a notice to a rep).',
  labelNames: ['kind'] as const,
  registers: [registry],
});

/** Why an email was not (or may not have been) delivered; see {@link emailsFailed}. */
export type EmailFailureReason = 'rejected' | 'invalid_template' | 'template_missing' | 'unknown' | 'smtp_transient';

/** Send attempts that failed, by reason; only `smtp_transient` is retried. */
export const emailsFailed = new Counter({
  name: `${PREFIX}emails_failed_total`,
  help: 'Emails that failed, by kind and reason: rejected (SMTP 5xx, permanent), invalid_template, template_missing, unknown (a worker died during the SMTP call; not resent), smtp_transient (4xx or connection error; Temporal retries the attempt).',
  labelNames: ['kind', 'reason'] as const,
  registers: [registry],
});

/** Marketing emails not sent because the address is on the suppression list. */
export const emailsSuppressed = new Counter({
  name: `${PREFIX}emails_suppressed_total`,
  help: 'Touches not sent because the address is suppressed, by reason (unsubscribed, hard_bounce, complaint, do_not_contact, other).',
  labelNames: ['reason'] as const,
  registers: [registry],
});

/** Touches that reached the lead (DESIGN's contact guarantee counts these; skipped touches are not touches). */
export const touches = new Counter({
  name: `${PREFIX}touches_total`,
  help: 'Touches that reached a lead, by channel: email (accepted by SMTP), dm (a DM task created), task (an owner to-do created).',
  labelNames: ['channel'] as const,
  registers: [registry],
});

/** Hot leads handed to sales, and upsell opportunities handed to account owners. */
export const escalations = new Counter({
  name: `${PREFIX}escalations_total`,
  help: 'Escalations recorded, by kind (sales, upsell).',
  labelNames: ['kind'] as const,
  registers: [registry],
});

/** Webhook requests, by who sent them and what the engine answered. */
export const webhookReceipts = new Counter({
  name: `${PREFIX}webhook_receipts_total`,
  help: 'Webhook requests received, by provider (generic, zoho, zoho_notifications, hubspot, mailgun, sendgrid) and outcome (accepted, duplicate, ignored, or the error code answered: bad_signature, stale_signature, bad_token, not_configured, invalid, ...).',
  labelNames: ['provider', 'outcome'] as const,
  registers: [registry],
});

/** Rows of CSV imports, by what became of each. */
export const csvRowsImported = new Counter({
  name: `${PREFIX}csv_rows_imported_total`,
  help: 'CSV import rows, by outcome (created, updated, failed).',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

/** API latency by route pattern (`/v1/leads/:id`, never the raw URL: ids would explode the series). */
export const httpRequestDuration = new Histogram({
  name: `${PREFIX}http_request_duration_seconds`,
  help: 'API request duration in seconds, by method, route pattern and status code.',
  labelNames: ['method', 'route', 'status_code'] as const,
  // From a cached read (a few ms) to a large CSV import (tens of seconds).
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  registers: [registry],
});

/**
 * Gauges the API reads at scrape time from shared state (PostgreSQL, Temporal), kept in
 * their own registry: every API process reports the same values (alert on `max`), and
 * a worker, which has no such state to read, does not report empty series for them.
 */
export const sharedStateRegistry = new Registry();

/** Escalations nobody has acknowledged yet (the sales inbox's open items). */
export const escalationsUnacknowledged = new Gauge({
  name: `${PREFIX}escalations_unacknowledged`,
  help: 'Escalations not yet acknowledged, by kind (sales, upsell); read from PostgreSQL at scrape time.',
  labelNames: ['kind'] as const,
  registers: [sharedStateRegistry],
});

/** How long the oldest open escalation has waited for a rep. */
export const oldestUnacknowledgedEscalationAge = new Gauge({
  name: `${PREFIX}escalation_oldest_unacknowledged_age_seconds`,
  help: 'Age in seconds of the oldest escalation not yet acknowledged, by kind (0 when none); read from PostgreSQL at scrape time.',
  labelNames: ['kind'] as const,
  registers: [sharedStateRegistry],
});

/** Tasks waiting on the task queue for a worker (Temporal's approximate backlog). */
export const taskQueueBacklog = new Gauge({
  name: `${PREFIX}task_queue_backlog`,
  help: "Tasks waiting on the engine's task queue for a worker, by type (workflow, activity); Temporal's approximate count, asked at scrape time.",
  labelNames: ['type'] as const,
  registers: [sharedStateRegistry],
});

/** How long the oldest waiting task has waited. */
export const taskQueueBacklogAge = new Gauge({
  name: `${PREFIX}task_queue_backlog_age_seconds`,
  help: 'Age in seconds of the oldest task waiting on the task queue, by type (workflow, activity); asked at scrape time.',
  labelNames: ['type'] as const,
  registers: [sharedStateRegistry],
});

/** Whether the last scrape could read the shared state it reports. */
export const sharedStateReadable = new Gauge({
  name: `${PREFIX}metrics_source_up`,
  help: 'Whether the API could read a source of the gauges above at this scrape (1) or not (0), by source (database, temporal).',
  labelNames: ['source'] as const,
  registers: [sharedStateRegistry],
});

let processMetricsOn = false;

/**
 * Adds Node's process metrics (CPU, memory, event loop lag, GC) to the registry. Called
 * by the process entry points, not on import, so importing this module has no side effect.
 */
export function collectProcessMetrics(): void {
  if (processMetricsOn) return;
  processMetricsOn = true;
  collectDefaultMetrics({ register: registry });
}

/** The content type of the Prometheus text exposition format. */
export const METRICS_CONTENT_TYPE = registry.contentType;

/**
 * The suppression list's free-text reason as a label with few values: the list keeps
 * "unsubscribed via zoho" and the like, which would make one series per provider phrase.
 */
export function suppressionReasonLabel(
  reason: string,
): 'unsubscribed' | 'hard_bounce' | 'complaint' | 'do_not_contact' | 'other' {
  if (reason.startsWith('unsubscribed')) return 'unsubscribed';
  if (reason === 'hard bounce') return 'hard_bounce';
  if (reason === 'complaint') return 'complaint';
  if (reason === 'do not contact') return 'do_not_contact';
  return 'other';
}
