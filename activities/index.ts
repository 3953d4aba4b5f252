import { createAccountCapActivities } from './account-cap.ts';
import { createBroadcastActivities } from './broadcasts.ts';
import { createBulkActionActivities } from './bulk-actions.ts';
import { createCadenceActivities } from './cadences.ts';
import { createCrmDealActivities } from './crm-deals.ts';
import type { ActivityDependencies } from './dependencies.ts';
import { createEmailActivities } from './email.ts';
import { createEscalationActivities } from './escalation.ts';
import { createEscalationFollowUpActivities } from './escalation-follow-up.ts';
import { createHubspotActivities } from './hubspot-records.ts';
import { createMailboxActivities } from './mailbox.ts';
import { createReadModelActivities } from './read-model.ts';
import { createReplyActivities } from './replies.ts';
import { createTaskActivities } from './tasks.ts';
import { createZohoRecordActivities } from './zoho-records.ts';

/** Every activity, bound to its dependencies; the worker registers this object. */
export function createActivities(deps: ActivityDependencies) {
  return {
    ...createCadenceActivities(deps),
    ...createReadModelActivities(deps),
    ...createEmailActivities(deps),
    ...createTaskActivities(deps),
    ...createEscalationActivities(deps),
    ...createEscalationFollowUpActivities(deps),
    ...createCrmDealActivities(deps),
    ...createZohoRecordActivities(deps),
    ...createHubspotActivities(deps),
    ...createReplyActivities(deps),
    ...createMailboxActivities(deps),
    ...createAccountCapActivities(deps),
    ...createBroadcastActivities(deps),
    ...createBulkActionActivities(deps),
  };
}

/** The activity interface workflows proxy (imported as a type only). */
export type Activities = ReturnType<typeof createActivities>;
