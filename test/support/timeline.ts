import type { FastifyInstance } from 'fastify';
import { auth, waitFor } from './services.ts';

/** A lead's timeline entry as `GET /v1/leads/:id/timeline` answers it. */
export interface TimelineEntry {
  at: string;
  kind: string;
  detail: Record<string, unknown>;
}

/** Waits until the lead's timeline has an entry of `kind` (written by its workflow), and returns the first. */
export function timelineEntry(app: FastifyInstance, leadId: string, kind: string): Promise<TimelineEntry> {
  return waitFor(async () => {
    const res = await app.inject({ method: 'GET', url: `/v1/leads/${leadId}/timeline`, headers: auth });
    return res.json<{ items: TimelineEntry[] }>().items.find((e) => e.kind === kind);
  }, `a ${kind} entry on the timeline`);
}
