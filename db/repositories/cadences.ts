import type { Cadence } from '../../domain/cadence.ts';
import type { Stage } from '../../domain/lead.ts';
import type { Queryable } from '../pool.ts';
import { findVersionRow, saveNextVersion } from './versioned.ts';

/** One stored version of a cadence. */
export interface CadenceVersion {
  key: string;
  version: number;
  definition: Cadence;
  createdAt: Date;
}

interface CadenceRow {
  key: string;
  version: number;
  definition: Cadence;
  created_at: Date;
}

const fromRow = (row: CadenceRow): CadenceVersion => ({
  key: row.key,
  version: row.version,
  definition: row.definition,
  createdAt: row.created_at,
});

/** Stores `definition` as the next version of `key` (see {@link saveNextVersion}). */
export async function saveCadence(
  db: Queryable,
  key: string,
  definition: Cadence,
): Promise<{ saved: CadenceVersion; created: boolean }> {
  return saveNextVersion({
    newest: () => findCadence(db, key),
    same: (newest) => JSON.stringify(newest.definition) === JSON.stringify(definition),
    insert: async (version) => {
      const result = await db.query<CadenceRow>(
        'INSERT INTO cadences (key, version, definition) VALUES ($1, $2, $3) RETURNING *',
        [key, version, JSON.stringify(definition)],
      );
      return fromRow(result.rows[0] as CadenceRow);
    },
  });
}

/** The newest version of `key`, or a given version. */
export async function findCadence(db: Queryable, key: string, version?: number): Promise<CadenceVersion | undefined> {
  const row = await findVersionRow<CadenceRow>(db, 'cadences', key, version);
  return row ? fromRow(row) : undefined;
}

/** Version numbers, names and dates of `key`, newest first. */
export async function listCadenceVersions(
  db: Queryable,
  key: string,
): Promise<{ version: number; name: string; createdAt: Date }[]> {
  const result = await db.query<{ version: number; name: string; created_at: Date }>(
    "SELECT version, definition->>'name' AS name, created_at FROM cadences WHERE key = $1 ORDER BY version DESC",
    [key],
  );
  return result.rows.map((r) => ({ version: r.version, name: r.name, createdAt: r.created_at }));
}

/** The newest version of every cadence. */
export async function listCadences(db: Queryable): Promise<CadenceVersion[]> {
  const result = await db.query<CadenceRow>('SELECT DISTINCT ON (key) * FROM cadences ORDER BY key, version DESC');
  return result.rows.map(fromRow);
}

/**
 * How many leads on cadence `key` run each version, as their workflows last planned
 * (`leads.cadence_version`); `null` counts leads that have not planned a step of it yet
 * (new, or just moved to this cadence).
 */
export async function countLeadsByCadenceVersion(db: Queryable, key: string): Promise<Map<number | null, number>> {
  const result = await db.query<{ version: number | null; count: number }>(
    'SELECT cadence_version AS version, count(*)::int AS count FROM leads WHERE cadence_key = $1 GROUP BY cadence_version',
    [key],
  );
  return new Map(result.rows.map((r) => [r.version, r.count]));
}

/** A lead running cadence `key` as the read model knows it: stage, step index, version. */
export interface CadenceLeadPosition {
  stage: Stage;
  stepIndex: number | null;
  version: number | null;
  count: number;
}

/**
 * The leads on cadence `key` in a stage that runs a sequence, grouped by stage, step index
 * (`leads.step_index`) and the version they run (`leads.cadence_version`).
 */
export async function countLeadPositions(db: Queryable, key: string): Promise<CadenceLeadPosition[]> {
  const result = await db.query<{ stage: Stage; step_index: number | null; version: number | null; count: number }>(
    `SELECT stage, step_index, cadence_version AS version, count(*)::int AS count
       FROM leads WHERE cadence_key = $1 AND stage IN ('nurturing', 'customer', 'reactivation')
      GROUP BY stage, step_index, cadence_version`,
    [key],
  );
  return result.rows.map((r) => ({ stage: r.stage, stepIndex: r.step_index, version: r.version, count: r.count }));
}
