import type { Client } from '@temporalio/client';
import type pg from 'pg';
import type { EventType } from '../domain/scoring.ts';
import { recordEvent } from '../db/repositories/events.ts';
import { suppress } from '../db/repositories/suppressions.ts';
import { withTransaction } from '../db/transaction.ts';
import { signalLead } from './lifecycle-client.ts';

/**
 * Records an engagement event and hands it to the lead's workflow, both or neither: the
 * event row and the signal succeed or fail together, so an accepted event is never lost,
 * and a repeated `sourceId` finds its row and has no second effect.
 */
export async function acceptEngagement(
  deps: { db: pg.Pool; temporal: Client; taskQueue: string },
  event: { leadId: string; type: EventType; occurredAt: Date; sourceId: string | undefined },
): Promise<{ duplicate: boolean }> {
  return withTransaction(deps.db, async (tx) => {
    const rowId = await recordEvent(tx, event);
    if (rowId === undefined) return { duplicate: true };
    await signalLead(deps.temporal, deps.taskQueue, event.leadId, {
      kind: 'engagement',
      eventId: event.sourceId ?? `event-${rowId}`,
      type: event.type,
      occurredAtMs: event.occurredAt.getTime(),
    });
    return { duplicate: false };
  });
}

/**
 * A bounce or complaint: a complaint or hard bounce suppresses the address at once (the send
 * activity checks right before each SMTP call); the workflow records it, and a complaint
 * closes the lead like an unsubscribe. Deduped by `sourceId` like engagement.
 */
export async function acceptDeliveryEvent(
  deps: { db: pg.Pool; temporal: Client; taskQueue: string },
  event: { lead: { id: string; email: string }; type: 'bounce' | 'complaint'; hard: boolean; occurredAt: Date; sourceId: string | undefined },
): Promise<{ duplicate: boolean }> {
  return withTransaction(deps.db, async (tx) => {
    const rowId = await recordEvent(tx, { leadId: event.lead.id, type: event.type, occurredAt: event.occurredAt, sourceId: event.sourceId });
    if (rowId === undefined) return { duplicate: true };
    if (event.hard) await suppress(tx, event.lead.email, event.type === 'complaint' ? 'complaint' : 'hard bounce');
    const eventId = event.sourceId ?? `event-${rowId}`;
    await signalLead(deps.temporal, deps.taskQueue, event.lead.id, event.type === 'complaint' ? { kind: 'unsubscribed', eventId } : { kind: 'email_bounced', eventId, hard: event.hard });
    return { duplicate: false };
  });
}
