import type { Queryable } from '../pool.ts';

/** A lead without a consent basis, as the report lists it. */
export interface LeadWithoutConsent {
  id: string;
  email: string;
  name: string | null;
  company: string | null;
  source: string | null;
  createdAt: Date;
}

/** How many leads have no consent basis, and the newest `limit` of them (before `beforeCreatedAt` when paging). */
export async function leadsWithoutConsent(
  db: Queryable,
  options: { limit: number },
): Promise<{ count: number; items: LeadWithoutConsent[] }> {
  const [count, items] = await Promise.all([
    db.query<{ n: string }>('SELECT count(*) AS n FROM leads WHERE consent IS NULL'),
    db.query<{
      id: string;
      email: string;
      name: string | null;
      company: string | null;
      source: string | null;
      created_at: Date;
    }>(
      `SELECT id, email, name, company, source, created_at FROM leads WHERE consent IS NULL
        ORDER BY created_at DESC, id LIMIT $1`,
      [options.limit],
    ),
  ]);
  return {
    count: Number(count.rows[0]?.n ?? 0),
    items: items.rows.map((r) => ({
      id: r.id,
      email: r.email,
      name: r.name,
      company: r.company,
      source: r.source,
      createdAt: r.created_at,
    })),
  };
}
