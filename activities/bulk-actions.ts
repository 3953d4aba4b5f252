import { ApplicationFailure, Context, heartbeat } from '@temporalio/activity';
import type { BulkActionState } from '../domain/bulk-actions.ts';
import {
  beginBulkLead,
  bulkActionState,
  findBulkAction,
  finishBulkAction,
  pendingBulkLeads,
  recordBulkOutcome,
  takeSelection,
} from '../db/repositories/bulk-actions.ts';
import { listSegmentIds, snapshotSegmentCount } from '../db/repositories/segments.ts';
import { applyBulkActionToLead } from '../intake/bulk-lead-action.ts';
import type { ActivityDependencies } from './dependencies.ts';

/** One page of a bulk action applied: how many leads got an outcome, and whether any remain. */
export interface BulkPageResult {
  applied: number;
  remaining: boolean;
  /** True when a person cancelled the action: the workflow stops. */
  stopped: boolean;
}

const notFound = (id: string) => ApplicationFailure.nonRetryable(`no bulk action ${id}`, 'BulkActionNotFound');

/** The bulk action workflow's activities (take the selection, apply a page, finish) and the daily segment count. */
export function createBulkActionActivities({ db }: Pick<ActivityDependencies, 'db'>) {
  return {
    /** Freezes the action's selection (once; later calls change nothing) and answers its state and size. */
    async takeBulkSelection(input: { bulkActionId: string }): Promise<{ state: BulkActionState; total: number }> {
      const taken = await takeSelection(db, input.bulkActionId);
      if (!taken) throw notFound(input.bulkActionId);
      return taken;
    },

    /**
     * Applies the action to the next `limit` leads without an outcome, each recorded once
     * (the row keyed by action and lead). Stops early, answering `stopped`, once the action
     * is cancelled; heartbeats per lead, so a dead worker's page is retried on another in
     * seconds, and a worker shutting down ends the page between two leads.
     */
    async applyBulkActionPage(input: { bulkActionId: string; limit: number }): Promise<BulkPageResult> {
      const action = await findBulkAction(db, input.bulkActionId);
      if (!action) throw notFound(input.bulkActionId);
      const context = Context.current();
      const ctx = { db, temporal: context.client, taskQueue: context.info.taskQueue };
      const leads = await pendingBulkLeads(db, action.id, input.limit);
      let applied = 0;
      for (const lead of leads) {
        if ((await bulkActionState(db, action.id)) === 'cancelled') return { applied, remaining: true, stopped: true };
        if (context.cancellationSignal.aborted) throw new Error('the worker is shutting down; the page is retried');
        await beginBulkLead(db, action.id, lead.leadId);
        const result = await applyBulkActionToLead(
          ctx,
          action.id,
          lead.leadId,
          action.action,
          action.params,
          lead.resumed,
        );
        if (await recordBulkOutcome(db, action.id, lead.leadId, result.outcome, result.detail)) applied++;
        heartbeat({ leadId: lead.leadId });
      }
      const state = await bulkActionState(db, action.id);
      return { applied, remaining: leads.length === input.limit, stopped: state === 'cancelled' };
    },

    /** Counts every segment now and records it as today's count (the daily snapshot). */
    async snapshotSegmentCounts(): Promise<number> {
      const ids = await listSegmentIds(db);
      for (const id of ids) {
        await snapshotSegmentCount(db, id);
        heartbeat();
      }
      return ids.length;
    },

    /** Records the end of the run: completed, unless it was cancelled or failed. */
    async finishBulkAction(input: { bulkActionId: string }): Promise<BulkActionState> {
      const state = await finishBulkAction(db, input.bulkActionId);
      if (state === undefined) throw notFound(input.bulkActionId);
      return state;
    },
  };
}
