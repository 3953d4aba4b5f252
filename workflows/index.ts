// The worker's workflow bundle entry: every workflow type the task queue serves.
export { leadLifecycle } from './lead-lifecycle.ts';
export { crmFetchHubspot } from './crm-fetch-hubspot.ts';
