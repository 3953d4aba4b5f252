import { applyTagChange, MAX_TAGS } from '../domain/segment-query.ts';
import { changeTags, findLead, setOwner } from '../db/repositories/leads.ts';
import { appendTimeline } from '../db/repositories/timeline.ts';
import { withTransaction } from '../db/transaction.ts';
import type pg from 'pg';

/**
 * Assigns the lead's owner (null: unassigned) and writes it on the timeline, in one
 * transaction: `POST /v1/leads/:id/owner` and the bulk action `set_owner` both come here.
 * Answers the previous owner, or undefined when there is no such lead.
 */
export async function assignOwner(
  db: pg.Pool,
  leadId: string,
  ownerEmail: string | null,
  by: { keyId: string | null; bulkActionId?: string | undefined },
): Promise<{ previous: string | null } | undefined> {
  return withTransaction(db, async (client) => {
    const before = await setOwner(client, leadId, ownerEmail);
    if (before) {
      await appendTimeline(client, {
        leadId,
        at: new Date(),
        kind: 'owner_changed',
        detail: {
          from: before.previous,
          to: ownerEmail,
          by: by.keyId,
          ...(by.bulkActionId === undefined ? {} : { bulkActionId: by.bulkActionId }),
        },
        // A bulk action's retried page writes its entry once.
        dedupeKey: by.bulkActionId === undefined ? undefined : `bulk/${by.bulkActionId}/${leadId}`,
      });
    }
    return before;
  });
}

/** Why a tag change was not made. */
export type TagChangeRefusal = 'no_such_lead' | 'too_many_tags';

/**
 * Adds and removes tags (normalised) on one lead: `POST /v1/leads/:id/tags` and the bulk
 * actions `add_tag` / `remove_tag` both come here. A change that would leave more than
 * {@link MAX_TAGS} tags is refused and changes nothing; applying a change twice is applying
 * it once.
 */
export async function changeLeadTags(
  db: pg.Pool,
  leadId: string,
  add: readonly string[],
  remove: readonly string[],
): Promise<{ tags: string[] } | { refused: TagChangeRefusal }> {
  const lead = await findLead(db, leadId);
  if (!lead) return { refused: 'no_such_lead' };
  if (applyTagChange(lead.tags ?? [], add, remove).length > MAX_TAGS) return { refused: 'too_many_tags' };
  const tags = await changeTags(db, leadId, add, remove);
  return tags === undefined ? { refused: 'no_such_lead' } : { tags };
}
