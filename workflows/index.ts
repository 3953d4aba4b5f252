// The worker's workflow bundle entry: every workflow type the task queue serves.
export { crmFetchZoho } from './crm-fetch-zoho.ts';
export { leadLifecycle } from './lead-lifecycle.ts';
export { crmFetchHubspot } from './crm-fetch-hubspot.ts';
export { escalationFollowUp } from './escalation-follow-up.ts';
export { replyNotice } from './reply-notice.ts';
export { mailboxPoll } from './mailbox-poll.ts';
export { broadcast } from './broadcast.ts';
export { bulkAction } from './bulk-action.ts';
export { segmentCounts } from './segment-counts.ts';
