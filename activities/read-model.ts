import { dmQueueMoveFor, type DmQueueMove } from '../domain/dm-queue.ts';
import type { Stage } from '../domain/lead.ts';
import { cancelDmTasksOf, holdDmTasksOf, releaseDmTasksOf } from '../db/repositories/dm-task-states.ts';
import type { Queryable } from '../db/pool.ts';
import { withTransaction } from '../db/transaction.ts';
import { setCadenceKey, setFlags, setNextTouchAt, setScore, setStage, updateDeal } from '../db/repositories/leads.ts';
import { appendTimeline } from '../db/repositories/timeline.ts';
import type { DealUpdate } from '../domain/lead-events.ts';
import type { CrmDealRef, DealKind } from '../domain/deals.ts';
import { applyDealReport, findDealByCrm, latestDeal, openDealRow } from '../db/repositories/deals.ts';
import type { ActivityDependencies } from './dependencies.ts';

/** A timeline entry the workflow decided on; `dedupeKey` makes a retry write it once. */
export interface TimelineInput {
  leadId: string;
  atMs: number;
  kind: string;
  detail?: Record<string, unknown>;
  dedupeKey: string;
}

/**
 * Writes of the PostgreSQL read model, so the API answers without asking Temporal. Each
 * records a fact the workflow already decided, with a timeline entry written once.
 */
export function createReadModelActivities({ db }: Pick<ActivityDependencies, 'db'>) {
  const timeline = (input: TimelineInput, to: Queryable = db) =>
    appendTimeline(to, {
      leadId: input.leadId,
      at: new Date(input.atMs),
      kind: input.kind,
      detail: input.detail ?? {},
      dedupeKey: input.dedupeKey,
    });

  /**
   * Cancels, holds or releases the lead's unposted DM tasks, each with a timeline entry,
   * in the transaction of the change that caused it: a retry finds the work done.
   */
  const moveDmQueue = async (client: Queryable, input: TimelineInput, move: DmQueueMove | null): Promise<void> => {
    if (!move) return;
    const apply = { cancel: cancelDmTasksOf, hold: holdDmTasksOf, release: releaseDmTasksOf }[move.action];
    const kind = { cancel: 'dm_task_cancelled', hold: 'dm_task_held', release: 'dm_task_released' }[move.action];
    for (const task of await apply(client, input.leadId, move.reason)) {
      await timeline(
        {
          leadId: input.leadId,
          atMs: input.atMs,
          kind,
          detail: { taskId: task.id, template: task.templateKey, reason: move.reason },
          dedupeKey: `${input.dedupeKey}/dm/${task.id}`,
        },
        client,
      );
    }
  };

  return {
    /**
     * Records when the lead's next touch is due (`null` when none is scheduled) and the
     * index of the step the workflow runs next (absent in histories recorded before it).
     */
    async recordNextTouch(input: { leadId: string; at: string | null; stepIndex?: number }): Promise<void> {
      await setNextTouchAt(db, input.leadId, input.at === null ? null : new Date(input.at), input.stepIndex);
    },

    /** Records a timeline entry that changes nothing else (a delayed or skipped touch). */
    async recordTimeline(input: TimelineInput): Promise<void> {
      await timeline(input);
    },

    /** Records a stage change. */
    async recordStage(input: TimelineInput & { stage: Stage; from: Stage; contractEndReason?: string }): Promise<void> {
      await withTransaction(db, async (client) => {
        await setStage(client, input.leadId, input.stage, new Date(input.atMs), input.contractEndReason);
        await timeline(
          { ...input, kind: 'stage_changed', detail: { from: input.from, to: input.stage, ...input.detail } },
          client,
        );
        const reason = typeof input.detail?.reason === 'string' ? input.detail.reason : undefined;
        await moveDmQueue(client, input, dmQueueMoveFor(input.from, input.stage, reason));
      });
    },

    /**
     * Records an engagement event and the score it left, as of `scoreAtMs` (the newest
     * event's time, from which it decays; before scores ran on the event's clock, `atMs`).
     */
    async recordEngagement(
      input: TimelineInput & { score: number; halfLifeMs: number; scoreAtMs?: number },
    ): Promise<void> {
      await setScore(db, input.leadId, input.score, new Date(input.scoreAtMs ?? input.atMs), input.halfLifeMs);
      await timeline(input);
    },

    /**
     * Records a deal report from the CRM (or a deal opened by hand) on the deal it is about:
     * `dealKey` names it (opened as `dealKind` when new; a new sales deal starts from
     * nothing, so no amount or date of an earlier deal is carried over); without a key, the
     * lead's deal the CRM knows by `crmDeal`, else its latest (histories from before deals
     * had keys). A `main` report (the default) also updates the lead's deal columns, which
     * mirror its current sales deal; an upsell deal leaves them alone.
     */
    async recordDeal(
      input: TimelineInput & {
        status: 'open' | 'won' | 'lost';
        deal: DealUpdate;
        moved: boolean;
        dealKey?: string | undefined;
        dealKind?: DealKind | undefined;
        crmDeal?: CrmDealRef | undefined;
        main?: boolean | undefined;
      },
    ): Promise<void> {
      const main = input.main ?? true;
      const at = new Date(input.atMs);
      await withTransaction(db, async (client) => {
        let dealId: string | undefined;
        if (input.dealKey !== undefined)
          dealId = (
            await openDealRow(client, {
              leadId: input.leadId,
              key: input.dealKey,
              kind: input.dealKind ?? 'new',
              at,
              mirror: main,
              crmDeal: input.crmDeal,
            })
          ).id;
        else if (input.crmDeal !== undefined) dealId = await findDealByCrm(client, input.leadId, input.crmDeal);
        if (dealId === undefined && input.dealKey === undefined && main)
          dealId = await latestDeal(client, input.leadId);
        if (dealId !== undefined)
          await applyDealReport(client, dealId, {
            status: input.status,
            deal: input.deal,
            crmDeal: input.crmDeal,
            at,
            moved: input.moved,
            dedupeKey: input.dedupeKey,
          });
        if (main)
          await updateDeal(client, input.leadId, {
            status: input.status,
            ...input.deal,
            ...(input.moved ? { lastMovedAt: at } : {}),
          });
        await timeline(input, client);
      });
    },

    /**
     * Moves the lead to the cadence a reactivation decision named, as it resumes; a
     * cadence deleted since the decision leaves the lead on its own (and says so).
     */
    async setLeadCadence(input: { leadId: string; cadenceKey: string; atMs: number }): Promise<void> {
      const changed = await setCadenceKey(db, input.leadId, input.cadenceKey);
      await timeline({
        leadId: input.leadId,
        atMs: input.atMs,
        kind: changed ? 'cadence_changed' : 'cadence_change_failed',
        detail: { cadence: input.cadenceKey, reason: 'reactivation decision' },
        dedupeKey: `reactivation-cadence/${input.leadId}/${input.atMs}`,
      });
    },

    /** Records pause and do-not-contact. */
    async recordFlags(input: TimelineInput & { paused?: boolean; doNotContact?: boolean }): Promise<void> {
      await withTransaction(db, async (client) => {
        await setFlags(client, input.leadId, { paused: input.paused, doNotContact: input.doNotContact });
        await timeline(input, client);
        if (input.doNotContact === true)
          await moveDmQueue(client, input, { action: 'cancel', reason: 'do not contact' });
      });
    },
  };
}
