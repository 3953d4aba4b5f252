import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { leadIdOfWorkflowId } from '../domain/lead.ts';

/**
 * Adds `leadId` to every log line of an activity run for a lead's workflow, the SDK's own
 * ("Activity failed", with the error) as well as ours, beside the `workflowId` the SDK
 * puts there: an operator searches one lead's story by either.
 */
export const leadLogAttributes: ActivityInterceptorsFactory = (context) => {
  const leadId = leadIdOfWorkflowId(context.info.workflowExecution?.workflowId ?? '');
  return leadId === undefined ? {} : { outbound: { getLogAttributes: (input, next) => next({ ...input, leadId }) } };
};
