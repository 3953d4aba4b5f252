import type { Queryable } from '../pool.ts';

/** One entry of a lead's timeline. */
export interface TimelineEntry {
  at: Date;
  kind: string;
  detail: Record<string, unknown>;
}

/**
 * Appends an entry; with a `dedupeKey` a retried activity writes it once. Answers whether
 * the entry was new.
 */
export async function appendTimeline(
  db: Queryable,
  entry: { leadId: string; at: Date; kind: string; detail?: Record<string, unknown>; dedupeKey?: string | undefined },
): Promise<boolean> {
  const result = await db.query(
    `INSERT INTO timeline (lead_id, at, kind, detail, dedupe_key) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (dedupe_key) DO NOTHING`,
    [entry.leadId, entry.at, entry.kind, JSON.stringify(entry.detail ?? {}), entry.dedupeKey ?? null],
  );
  return result.rowCount === 1;
}

/** The lead's timeline, oldest first. */
export async function listTimeline(db: Queryable, leadId: string, limit = 500): Promise<TimelineEntry[]> {
  const result = await db.query<TimelineEntry>(
    'SELECT at, kind, detail FROM timeline WHERE lead_id = $1 ORDER BY at, id LIMIT $2',
    [leadId, limit],
  );
  return result.rows;
}

/** The lead's timeline entries of the given kinds up to `before` (default: all), oldest first, the newest `limit` of them. */
export async function listTimelineOfKinds(
  db: Queryable,
  leadId: string,
  kinds: readonly string[],
  options: { before?: Date; limit?: number } = {},
): Promise<TimelineEntry[]> {
  const result = await db.query<TimelineEntry>(
    `SELECT at, kind, detail FROM (
       SELECT at, kind, detail, id FROM timeline
        WHERE lead_id = $1 AND kind = ANY($2::text[]) AND ($3::timestamptz IS NULL OR at <= $3)
        ORDER BY at DESC, id DESC LIMIT $4) newest
     ORDER BY at, id`,
    [leadId, kinds, options.before ?? null, options.limit ?? 5000],
  );
  return result.rows;
}
