import type pg from 'pg';
import type { LeadEvent } from '../domain/lead-events.ts';
import type { EventType } from '../domain/scoring.ts';
import { recordEvent } from '../db/repositories/events.ts';
import { suppress } from '../db/repositories/suppressions.ts';
import { withTransaction } from '../db/transaction.ts';
import type { IntakeDependencies } from './dependencies.ts';
import { signalLead } from './lifecycle-client.ts';

/**
 * Records an event row and hands the workflow event `toSignal` makes of it, both or
 * neither: the row and the signal succeed or fail together, so an accepted event is never
 * lost, and a repeated `sourceId` finds its row and has no second effect. `toSignal` runs
 * inside the transaction and may write more (a suppression) with `tx`.
 */
async function recordAndSignal(
  deps: IntakeDependencies,
  row: { leadId: string; type: string; occurredAt: Date; sourceId: string | undefined },
  toSignal: (tx: pg.PoolClient, eventId: string) => Promise<LeadEvent>,
): Promise<{ duplicate: boolean }> {
  return withTransaction(deps.db, async (tx) => {
    const rowId = await recordEvent(tx, row);
    if (rowId === undefined) return { duplicate: true };
    await signalLead(deps.temporal, deps.taskQueue, row.leadId, await toSignal(tx, row.sourceId ?? `event-${rowId}`));
    return { duplicate: false };
  });
}

/** Records an engagement event and hands it to the lead's workflow (see {@link recordAndSignal}). */
export async function acceptEngagement(
  deps: IntakeDependencies,
  event: { leadId: string; type: EventType; occurredAt: Date; sourceId: string | undefined },
): Promise<{ duplicate: boolean }> {
  return recordAndSignal(deps, event, async (_tx, eventId) => ({
    kind: 'engagement',
    eventId,
    type: event.type,
    occurredAtMs: event.occurredAt.getTime(),
  }));
}

/**
 * A bounce or complaint: a complaint or hard bounce suppresses the address at once (the send
 * activity checks right before each SMTP call); the workflow records it, and takes a
 * complaint as an unsubscribe from email (DM and tasks go on). Deduped by `sourceId` like engagement.
 */
export async function acceptDeliveryEvent(
  deps: IntakeDependencies,
  event: {
    lead: { id: string; email: string };
    type: 'bounce' | 'complaint';
    hard: boolean;
    occurredAt: Date;
    sourceId: string | undefined;
  },
): Promise<{ duplicate: boolean }> {
  return recordAndSignal(
    deps,
    { leadId: event.lead.id, type: event.type, occurredAt: event.occurredAt, sourceId: event.sourceId },
    async (tx, eventId) => {
      if (event.hard) await suppress(tx, event.lead.email, event.type === 'complaint' ? 'complaint' : 'hard bounce');
      return event.type === 'complaint'
        ? { kind: 'unsubscribed', eventId, reason: 'complaint' }
        : { kind: 'email_bounced', eventId, hard: event.hard };
    },
  );
}
