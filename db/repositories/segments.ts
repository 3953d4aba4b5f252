import { SegmentNotFound, type SegmentQuery } from '../../domain/segment-query.ts';
import type { Queryable } from '../pool.ts';
import { isUuid } from '../uuid.ts';
import { decayedScoreSql, leadFromRow, scoreMinCandidates, type Lead, type LeadCursor, type LeadRow } from './leads.ts';

/** A saved segment. */
export interface Segment {
  id: string;
  name: string;
  query: SegmentQuery;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

interface SegmentRow {
  id: string;
  name: string;
  query: SegmentQuery;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
}

const fromRow = (row: SegmentRow): Segment => ({
  id: row.id,
  name: row.name,
  query: row.query,
  createdBy: row.created_by,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const escapeLike = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * The SQL condition on `leads l` a (canonical) segment query means, its values appended to
 * `params` (never spliced into the text). Each condition has an index to start from: stage,
 * cadence, source, owner (lower), tags and custom fields (GIN), created and last touch
 * (b-tree), the score's `score_fades_at`, recent events by type; PostgreSQL picks the most
 * selective and filters the rest. The meaning is `matchesSegment` of domain/segment-query.ts.
 */
export function segmentConditionSql(query: SegmentQuery, params: unknown[]): string {
  const p = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  const and: string[] = [];
  if (query.stages !== undefined) and.push(`l.stage = ANY(${p(query.stages)}::lead_stage[])`);
  if (query.scoreMin !== undefined && query.scoreMin > 0) {
    const min = `${p(query.scoreMin)}::float8`;
    and.push(`(${scoreMinCandidates(min)} AND ${decayedScoreSql('l')} >= ${min})`);
  }
  if (query.scoreMax !== undefined) and.push(`${decayedScoreSql('l')} <= ${p(query.scoreMax)}::float8`);
  if (query.owner !== undefined) {
    const owner = p(query.owner.toLowerCase());
    and.push(`(lower(l.owner_email) = ${owner} OR lower(l.deal_owner_email) = ${owner})`);
  }
  if (query.cadences !== undefined) and.push(`l.cadence_key = ANY(${p(query.cadences)}::text[])`);
  if (query.tags !== undefined)
    and.push(`l.tags ${query.tags.match === 'all' ? '@>' : '&&'} ${p(query.tags.values)}::text[]`);
  if (query.company !== undefined) and.push(`l.company ILIKE ${p(escapeLike(query.company))}`);
  if (query.sources !== undefined) and.push(`l.source = ANY(${p(query.sources)}::text[])`);
  if (query.createdAfter !== undefined) and.push(`l.created_at >= ${p(query.createdAfter)}::timestamptz`);
  if (query.createdBefore !== undefined) and.push(`l.created_at < ${p(query.createdBefore)}::timestamptz`);
  if (query.lastTouchAfter !== undefined) and.push(`l.last_touch_at >= ${p(query.lastTouchAfter)}::timestamptz`);
  if (query.lastTouchBefore !== undefined)
    and.push(`(l.last_touch_at IS NULL OR l.last_touch_at < ${p(query.lastTouchBefore)}::timestamptz)`);
  for (const [days, type] of [
    [query.openedWithinDays, 'email_open'],
    [query.clickedWithinDays, 'email_click'],
  ] as const) {
    if (days === undefined) continue;
    and.push(`l.id IN (SELECT e.lead_id FROM events e WHERE e.type = ${p(type)}
                          AND e.occurred_at >= now() - make_interval(days => ${p(days)}::int))`);
  }
  if (query.customFields !== undefined) and.push(`l.custom_fields @> ${p(JSON.stringify(query.customFields))}::jsonb`);
  if (query.search !== undefined) {
    const like = p(escapeLike(query.search));
    and.push(`(l.name ILIKE ${like} OR l.company ILIKE ${like} OR l.email ILIKE ${like})`);
  }
  return and.length === 0 ? 'true' : and.join('\n AND ');
}

/** Saves a new segment; undefined when another has the same name (any case). */
export async function insertSegment(
  db: Queryable,
  segment: { name: string; query: SegmentQuery; createdBy: string | null },
): Promise<Segment | undefined> {
  const result = await db.query<SegmentRow>(
    `INSERT INTO segments (name, query, created_by) VALUES ($1, $2, $3)
     ON CONFLICT ((lower(name))) DO NOTHING RETURNING *`,
    [segment.name, JSON.stringify(segment.query), segment.createdBy],
  );
  const row = result.rows[0];
  return row ? fromRow(row) : undefined;
}

/** The segment, or undefined (also for a malformed id). */
export async function findSegment(db: Queryable, id: string): Promise<Segment | undefined> {
  if (!isUuid(id)) return undefined;
  const result = await db.query<SegmentRow>('SELECT * FROM segments WHERE id = $1', [id]);
  const row = result.rows[0];
  return row ? fromRow(row) : undefined;
}

/** Whether another segment than `exceptId` has this name (any case). */
export async function segmentNameTaken(db: Queryable, name: string, exceptId?: string): Promise<boolean> {
  const result = await db.query('SELECT 1 FROM segments WHERE lower(name) = lower($1) AND id IS DISTINCT FROM $2', [
    name,
    exceptId ?? null,
  ]);
  return (result.rowCount ?? 0) > 0;
}

/** Replaces the segment's name and query; undefined when there is no such segment. */
export async function updateSegment(
  db: Queryable,
  id: string,
  segment: { name: string; query: SegmentQuery },
): Promise<Segment | undefined> {
  if (!isUuid(id)) return undefined;
  const result = await db.query<SegmentRow>(
    'UPDATE segments SET name = $2, query = $3, updated_at = now() WHERE id = $1 RETURNING *',
    [id, segment.name, JSON.stringify(segment.query)],
  );
  const row = result.rows[0];
  return row ? fromRow(row) : undefined;
}

/** Deletes the segment and its counts; false when there was none. Bulk actions keep their record. */
export async function deleteSegment(db: Queryable, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const result = await db.query('DELETE FROM segments WHERE id = $1', [id]);
  return result.rowCount === 1;
}

/** Every segment by name, with its latest daily count (null before the first). */
export async function listSegments(
  db: Queryable,
): Promise<(Segment & { latestCount: number | null; latestCountDay: string | null })[]> {
  const result = await db.query<SegmentRow & { latest_count: number | null; latest_day: string | null }>(
    `SELECT s.*, c.count AS latest_count, c.day AS latest_day
       FROM segments s
       LEFT JOIN LATERAL (SELECT count, day FROM segment_counts WHERE segment_id = s.id ORDER BY day DESC LIMIT 1) c ON true
      ORDER BY lower(s.name), s.id`,
  );
  return result.rows.map((row) => ({
    ...fromRow(row),
    latestCount: row.latest_count,
    latestCountDay: row.latest_day,
  }));
}

/** How many leads a query matches now. */
export async function countQuery(db: Queryable, query: SegmentQuery): Promise<number> {
  const params: unknown[] = [];
  const result = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM leads l WHERE ${segmentConditionSql(query, params)}`,
    params,
  );
  return result.rows[0]?.n ?? 0;
}

/** How many leads the segment holds now; throws {@link SegmentNotFound} for an unknown id. */
export async function countSegment(db: Queryable, segmentId: string): Promise<number> {
  const segment = await findSegment(db, segmentId);
  if (!segment) throw new SegmentNotFound(segmentId);
  return countQuery(db, segment.query);
}

/**
 * A page of the ids of the leads a query matches now, in id order after `afterLeadId`
 * (null: from the start); `next` is the id to pass for the following page, null on the
 * last. Keyset on the primary key: every page costs the same, however deep.
 */
export async function queryLeadIdsPage(
  db: Queryable,
  query: SegmentQuery,
  afterLeadId: string | null,
  limit: number,
): Promise<{ leadIds: string[]; next: string | null }> {
  const params: unknown[] = [afterLeadId, limit + 1];
  const result = await db.query<{ id: string }>(
    `SELECT l.id FROM leads l
      WHERE ($1::uuid IS NULL OR l.id > $1::uuid) AND ${segmentConditionSql(query, params)}
      ORDER BY l.id
      LIMIT $2`,
    params,
  );
  const leadIds = result.rows.slice(0, limit).map((row) => row.id);
  return { leadIds, next: result.rows.length > limit ? (leadIds[leadIds.length - 1] ?? null) : null };
}

/**
 * A page of the ids of the segment's leads as its query matches them now (see
 * {@link queryLeadIdsPage}); throws {@link SegmentNotFound} for an unknown id. Broadcasts
 * and bulk actions resolve a segment through this.
 */
export async function segmentLeadIdsPage(
  db: Queryable,
  segmentId: string,
  afterLeadId: string | null,
  limit: number,
): Promise<{ leadIds: string[]; next: string | null }> {
  const segment = await findSegment(db, segmentId);
  if (!segment) throw new SegmentNotFound(segmentId);
  return queryLeadIdsPage(db, segment.query, afterLeadId, limit);
}

/**
 * A page of the leads a query matches, newest first, after `cursor`: the lead list's keyset
 * order, on the `leads_created` index. `created_at` is kept in milliseconds, as cursors
 * carry it (migration 1735200000000), so a cursor neither skips nor repeats a lead.
 */
export async function listQueryLeads(
  db: Queryable,
  query: SegmentQuery,
  cursor: LeadCursor | undefined,
  limit: number,
): Promise<{ leads: Lead[]; next: LeadCursor | undefined }> {
  const params: unknown[] = [cursor?.createdAt ?? null, cursor?.id ?? null, limit + 1];
  const result = await db.query<LeadRow>(
    `SELECT * FROM leads l
      WHERE ($1::timestamptz IS NULL OR (l.created_at, l.id) < ($1, $2::uuid))
        AND ${segmentConditionSql(query, params)}
      ORDER BY l.created_at DESC, l.id DESC
      LIMIT $3`,
    params,
  );
  const rows = result.rows.slice(0, limit);
  const last = rows[rows.length - 1];
  return {
    leads: rows.map(leadFromRow),
    next: result.rows.length > limit && last ? { createdAt: last.created_at.toISOString(), id: last.id } : undefined,
  };
}

/** The day a count belongs to: the calendar day in Asia/Tokyo, as the reports count days. */
export const SEGMENT_COUNT_TIMEZONE = 'Asia/Tokyo';

/** Counts the segment now and records it as today's count (replacing an earlier one of today). */
export async function snapshotSegmentCount(db: Queryable, segmentId: string): Promise<number | undefined> {
  const segment = await findSegment(db, segmentId);
  if (!segment) return undefined;
  const count = await countQuery(db, segment.query);
  await db.query(
    `INSERT INTO segment_counts (segment_id, day, count)
     SELECT $1, (now() AT TIME ZONE '${SEGMENT_COUNT_TIMEZONE}')::date, $2 WHERE EXISTS (SELECT 1 FROM segments WHERE id = $1)
     ON CONFLICT (segment_id, day) DO UPDATE SET count = EXCLUDED.count, taken_at = now()`,
    [segmentId, count],
  );
  return count;
}

/** The ids of every segment, for the daily snapshot. */
export async function listSegmentIds(db: Queryable): Promise<string[]> {
  const result = await db.query<{ id: string }>('SELECT id FROM segments ORDER BY id');
  return result.rows.map((row) => row.id);
}

/** The segment's daily counts from `fromDay` (YYYY-MM-DD) on, oldest first. */
export async function listSegmentCounts(
  db: Queryable,
  segmentId: string,
  fromDay: string,
): Promise<{ day: string; count: number }[]> {
  const result = await db.query<{ day: string; count: number }>(
    'SELECT day, count FROM segment_counts WHERE segment_id = $1 AND day >= $2::date ORDER BY day',
    [segmentId, fromDay],
  );
  return result.rows;
}
