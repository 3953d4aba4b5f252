import type pg from 'pg';

/**
 * Writes `count` lead rows on cadence `cadenceKey` in one statement and returns their ids.
 * Set-up only, never timed: the sections that use it measure what happens after the rows
 * exist (workflow starts, touches), and one INSERT … SELECT is the cheapest way there.
 */
export async function insertBenchLeads(
  db: pg.Pool,
  options: { count: number; tag: string; cadenceKey: string },
): Promise<string[]> {
  const result = await db.query<{ id: string }>(
    `INSERT INTO leads (email, name, company, cadence_key, locale, timezone, source)
     SELECT 'bench-' || $1 || '-' || n || '@example.com', 'Bench Lead ' || n, 'Example Co.', $2, 'ja', 'Asia/Tokyo', 'bench'
     FROM generate_series(1, $3::int) AS n
     RETURNING id`,
    [options.tag, options.cadenceKey, options.count],
  );
  return result.rows.map((row) => row.id);
}
