import { patched, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';

/** Read-model writes and reads: quick, retried until the database answers. */
export const records = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '1 minute',
    nonRetryableErrorTypes: ['LeadNotFound', 'CadenceNotFound'],
  },
});

/**
 * The same read-model activities run as local activities: in the worker that runs the
 * workflow task, recorded as one marker each instead of a task queue round trip with three
 * history events. A touch plans its step and records its next time around every send; as
 * regular activities those calls were most of what a touch cost the Temporal server.
 */
const localRecords = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '1 minute',
    nonRetryableErrorTypes: ['LeadNotFound', 'CadenceNotFound'],
  },
});

/**
 * The read-model calls of the touch path: local activities for workflows that have passed
 * the `lead-lifecycle/local-read-model` patch, the regular ones in histories recorded before it.
 */
export const touchRecords = (): Pick<Activities, 'planNextStep' | 'recordNextTouch'> =>
  patched('lead-lifecycle/local-read-model') ? localRecords : records;

/**
 * Sends and notifications: longer than the SMTP socket timeout, so a slow server fails
 * the call, not the attempt; heartbeats during the SMTP call, so a dead worker's attempt
 * is retried after seconds; retried for as long as the failure is transient.
 */
export const sends = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '20 seconds',
  retry: {
    initialInterval: '5 seconds',
    maximumInterval: '10 minutes',
    nonRetryableErrorTypes: ['InvalidTemplate', 'TemplateNotFound', 'LeadNotFound', 'MailRejected', 'DeliveryFailed'],
  },
});

/**
 * CRM REST calls: several attempts with backoff while the CRM is down or rate-limiting
 * (about four minutes in all), none when it refuses for good (`CrmPermanent`).
 */
export const crmCalls = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 8,
    nonRetryableErrorTypes: ['CrmPermanent', 'ZohoRecordUnusable', 'LeadNotFound'],
  },
});

/**
 * HubSpot record fetches (`crmFetchHubspot`): HubSpot's API answers 429 under its rate
 * limits and can be down for a while; the event waits and is applied when it answers (a
 * missing or revoked token is retried too, so setting it right recovers every event
 * received meanwhile). Only a record the engine cannot take (`InvalidCrmRecord`) fails.
 */
export const hubspotCalls = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '10 minutes',
    nonRetryableErrorTypes: ['InvalidCrmRecord'],
  },
});

/**
 * The IMAP mailbox poll: a poll reads at most a batch and heartbeats per message, so a
 * dead worker's poll is retried in a minute; an unreachable server is retried with backoff
 * up to five minutes apart, for as long as it takes.
 */
export const mailbox = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

/**
 * A broadcast's steps (freeze the recipients, hand a batch over by signals): each batch
 * heartbeats per lead, so a dead worker's batch is retried in seconds; retried for as long
 * as PostgreSQL or Temporal is down, since every step is safe to repeat.
 */
export const broadcastSteps = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '1 minute',
    nonRetryableErrorTypes: ['BroadcastNotFound', 'SegmentNotFound'],
  },
});

/**
 * Bulk actions: a page of leads per call, a heartbeat per lead, so a dead worker's page is
 * retried on another in seconds; retried for as long as the failure is transient (each
 * lead's outcome is recorded once, so a retried page applies only what is left).
 */
export const bulk = proxyActivities<Activities>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    nonRetryableErrorTypes: ['BulkActionNotFound'],
  },
});
