import type { Client } from '@temporalio/client';
import type pg from 'pg';
import {
  bulkEventId,
  type BulkActionKind,
  type BulkActionParams,
  type BulkLeadOutcome,
} from '../domain/bulk-actions.ts';
import { InvalidInput } from '../domain/errors.ts';
import { findLead } from '../db/repositories/leads.ts';
import { suppress } from '../db/repositories/suppressions.ts';
import { intakeLead } from './lead-intake.ts';
import { assignOwner, changeLeadTags } from './lead-edits.ts';
import { signalLead } from './lifecycle-client.ts';

/** Where a bulk action applies its leads: the database and the lead workflows' task queue. */
export interface BulkLeadContext {
  db: pg.Pool;
  temporal: Client;
  taskQueue: string;
}

/**
 * Applies a bulk action to one lead through the same paths the single-lead routes take
 * (`POST /v1/leads` with `cadence`, `/owner`, `/pause`, `/resume`, `/do-not-contact`,
 * `/tags`), so every rule they keep holds here too. Each path is idempotent for a repeat:
 * signals carry the same event id on every attempt (the lead's workflow ignores a seen
 * one), the owner's timeline entry has a dedupe key, tags and cadences are set, not
 * toggled. `resumed` (an earlier attempt began on this lead) applies again without the
 * "nothing to do" checks, so a crash between the effect and its record still ends `done`.
 */
export async function applyBulkActionToLead(
  ctx: BulkLeadContext,
  bulkActionId: string,
  leadId: string,
  action: BulkActionKind,
  params: BulkActionParams,
  resumed: boolean,
): Promise<{ outcome: BulkLeadOutcome; detail: string | null }> {
  const lead = await findLead(ctx.db, leadId);
  if (!lead) return { outcome: 'skipped', detail: 'the lead no longer exists' };
  const skip = (detail: string) =>
    resumed ? undefined : ({ outcome: 'skipped', detail } as { outcome: BulkLeadOutcome; detail: string });
  const signal = async (kind: 'pause' | 'resume' | 'do_not_contact') => {
    await signalLead(ctx.temporal, ctx.taskQueue, leadId, {
      kind,
      eventId: bulkEventId(bulkActionId, leadId),
    });
  };
  const closed = lead.stage === 'closed' || lead.doNotContact;
  switch (action) {
    case 'move_cadence': {
      const cadence = params.cadence ?? '';
      if (lead.cadenceKey === cadence) return skip('already on this cadence') ?? { outcome: 'done', detail: null };
      try {
        await intakeLead(ctx.db, ctx.temporal, ctx.taskQueue, { email: lead.email, cadence });
      } catch (error) {
        if (error instanceof InvalidInput)
          return { outcome: 'failed', detail: error.details.map((d) => d.message).join('; ') };
        throw error;
      }
      return { outcome: 'done', detail: null };
    }
    case 'set_owner': {
      const owner = params.ownerEmail ?? null;
      if ((lead.ownerEmail?.toLowerCase() ?? null) === owner)
        return skip('already has this owner') ?? { outcome: 'done', detail: null };
      const changed = await assignOwner(ctx.db, leadId, owner, { keyId: null, bulkActionId });
      return changed ? { outcome: 'done', detail: null } : { outcome: 'skipped', detail: 'the lead no longer exists' };
    }
    case 'pause':
    case 'resume': {
      if (closed) return skip('the lead is closed or do-not-contact') ?? { outcome: 'done', detail: null };
      if (lead.paused === (action === 'pause'))
        return skip(action === 'pause' ? 'already paused' : 'not paused') ?? { outcome: 'done', detail: null };
      await signal(action);
      return { outcome: 'done', detail: null };
    }
    case 'do_not_contact': {
      if (lead.doNotContact) return skip('already do-not-contact') ?? { outcome: 'done', detail: null };
      // As the single-lead route: the suppression stops a send already under way, the signal every later touch.
      await suppress(ctx.db, lead.email, 'do not contact');
      await signal('do_not_contact');
      return { outcome: 'done', detail: null };
    }
    case 'add_tag':
    case 'remove_tag': {
      const tag = params.tag ?? '';
      const has = (lead.tags ?? []).includes(tag);
      if (action === 'add_tag' ? has : !has)
        return (
          skip(action === 'add_tag' ? 'already has the tag' : 'does not have the tag') ?? {
            outcome: 'done',
            detail: null,
          }
        );
      const result = await changeLeadTags(
        ctx.db,
        leadId,
        action === 'add_tag' ? [tag] : [],
        action === 'remove_tag' ? [tag] : [],
      );
      if ('refused' in result)
        return result.refused === 'too_many_tags'
          ? { outcome: 'failed', detail: 'the lead has 50 tags already' }
          : { outcome: 'skipped', detail: 'the lead no longer exists' };
      return { outcome: 'done', detail: null };
    }
  }
}
