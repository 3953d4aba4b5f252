import { accountKeysOf } from '../../domain/account-keys.ts';
import type { Stage } from '../../domain/lead.ts';
import type { Queryable } from '../pool.ts';
import { decayedScoreSql } from './leads.ts';

/** The transaction lock that orders account assignments (the same number as in assign_lead_account()). */
export const ACCOUNT_ASSIGNMENT_LOCK = 1_734_900_000;

/** The timeline kinds that are touches an account's page and list count (an email sent, a DM or task made). */
export const ACCOUNT_TOUCH_KINDS = ['email_sent', 'task_created'] as const;

/**
 * Puts each lead into the account its company name and mail domain name (creating or
 * merging accounts, see db/migrations/1734900000000_accounts.sql); a lead with neither
 * keeps its account. One statement for the whole batch.
 */
export async function assignAccounts(
  db: Queryable,
  leads: readonly { id: string; email: string; company?: string | null | undefined }[],
): Promise<void> {
  const keyed = leads
    .map((lead) => ({ id: lead.id, ...accountKeysOf(lead.company, lead.email) }))
    .filter((lead) => lead.keys.length > 0);
  if (keyed.length === 0) return;
  await db.query(
    `SELECT assign_lead_account(v.id, string_to_array(v.keys, E'\\x1f'), v.display, v.domain)
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS v(id, keys, display, domain, n)
      ORDER BY v.n`,
    [
      keyed.map((lead) => lead.id),
      // text[][] must be rectangular; each lead's one or two keys travel as one joined text.
      keyed.map((lead) => lead.keys.join('\x1f')),
      keyed.map((lead) => lead.displayName),
      keyed.map((lead) => lead.domain),
    ],
  );
}

/** {@link assignAccounts} for leads known by id (a CSV batch, the backfill). */
export async function assignAccountsOf(db: Queryable, leadIds: readonly string[]): Promise<void> {
  if (leadIds.length === 0) return;
  const result = await db.query<{ id: string; email: string; company: string | null }>(
    'SELECT id, email, company FROM leads WHERE id = ANY ($1::uuid[]) ORDER BY created_at, id',
    [leadIds],
  );
  await assignAccounts(db, result.rows);
}

/** An account as the list shows it. */
export interface AccountSummary {
  id: string;
  name: string;
  domain: string | null;
  leadCount: number;
  openDeals: number;
  lastTouchAt: Date | null;
  bestScore: number;
  createdAt: Date;
}

interface SummaryRow {
  id: string;
  name: string;
  domain: string | null;
  lead_count: string;
  open_deals: string;
  last_touch_at: Date | null;
  best_score: number | null;
  created_at: Date;
}

const summaryOf = (row: SummaryRow): AccountSummary => ({
  id: row.id,
  name: row.name,
  domain: row.domain,
  leadCount: Number(row.lead_count),
  openDeals: Number(row.open_deals),
  lastTouchAt: row.last_touch_at,
  bestScore: row.best_score ?? 0,
  createdAt: row.created_at,
});

const SUMMARY_COLUMNS = `a.id, a.name, a.domain, a.created_at,
  (SELECT count(*) FROM leads l WHERE l.account_id = a.id) AS lead_count,
  (SELECT count(*) FROM deals d JOIN leads l ON l.id = d.lead_id WHERE l.account_id = a.id AND d.status = 'open') AS open_deals,
  (SELECT max(t.at) FROM timeline t JOIN leads l ON l.id = t.lead_id
    WHERE l.account_id = a.id AND t.kind = ANY ('{${ACCOUNT_TOUCH_KINDS.join(',')}}'::text[])) AS last_touch_at,
  (SELECT max(${decayedScoreSql('l')}) FROM leads l WHERE l.account_id = a.id) AS best_score`;

/** Where the previous page of accounts ended: newest first, ties broken by id. */
export interface AccountCursor {
  createdAt: string;
  id: string;
}

/**
 * A page of accounts that have leads, newest first, after `cursor`; `q` filters on part
 * of the name or domain, any case, full- and half-width alike.
 */
export async function listAccounts(
  db: Queryable,
  filter: { q?: string | undefined },
  cursor: AccountCursor | undefined,
  limit: number,
): Promise<{ accounts: AccountSummary[]; next: AccountCursor | undefined }> {
  const like = filter.q === undefined ? null : `%${filter.q.normalize('NFKC').replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const result = await db.query<SummaryRow>(
    `SELECT ${SUMMARY_COLUMNS} FROM accounts a
      WHERE EXISTS (SELECT 1 FROM leads l WHERE l.account_id = a.id)
        AND ($1::text IS NULL OR normalize(a.name, NFKC) ILIKE $1 OR a.domain ILIKE $1)
        AND ($2::timestamptz IS NULL OR (a.created_at, a.id) < ($2, $3::uuid))
      ORDER BY a.created_at DESC, a.id DESC
      LIMIT $4`,
    [like, cursor?.createdAt ?? null, cursor?.id ?? null, limit + 1],
  );
  const rows = result.rows.slice(0, limit);
  const last = rows[rows.length - 1];
  return {
    accounts: rows.map(summaryOf),
    next: result.rows.length > limit && last ? { createdAt: last.created_at.toISOString(), id: last.id } : undefined,
  };
}

/** One contact of an account, as its page and the rep's escalation notice show it. */
export interface AccountContact {
  id: string;
  email: string;
  name: string | null;
  company: string | null;
  title: string | null;
  department: string | null;
  stage: Stage;
  score: number;
  ownerEmail: string | null;
}

/** A deal of one of the account's leads. */
export interface AccountDeal {
  id: string;
  leadId: string;
  kind: string;
  status: string;
  stage: string | null;
  amount: number | null;
  ownerEmail: string | null;
  openedAt: Date;
  closedAt: Date | null;
}

/** A touch of one of the account's leads. */
export interface AccountTouch {
  leadId: string;
  at: Date;
  kind: string;
  detail: Record<string, unknown>;
}

/** The account with its leads (best score first), deals and last 50 touches. */
export async function findAccount(
  db: Queryable,
  id: string,
): Promise<
  { summary: AccountSummary; contacts: AccountContact[]; deals: AccountDeal[]; touches: AccountTouch[] } | undefined
> {
  const found = await db.query<SummaryRow>(`SELECT ${SUMMARY_COLUMNS} FROM accounts a WHERE a.id = $1`, [id]);
  const row = found.rows[0];
  if (!row) return undefined;
  const [contacts, deals, touches] = await Promise.all([
    accountContacts(db, id),
    db.query<{
      id: string;
      lead_id: string;
      kind: string;
      status: string;
      stage: string | null;
      amount: string | null;
      owner_email: string | null;
      opened_at: Date;
      closed_at: Date | null;
    }>(
      `SELECT d.id, d.lead_id, d.kind, d.status, d.stage, d.amount, d.owner_email, d.opened_at, d.closed_at
         FROM deals d JOIN leads l ON l.id = d.lead_id
        WHERE l.account_id = $1 ORDER BY d.opened_at DESC, d.id LIMIT 200`,
      [id],
    ),
    db.query<{ lead_id: string; at: Date; kind: string; detail: Record<string, unknown> }>(
      `SELECT t.lead_id, t.at, t.kind, t.detail FROM timeline t JOIN leads l ON l.id = t.lead_id
        WHERE l.account_id = $1 AND t.kind = ANY ($2::text[])
        ORDER BY t.at DESC, t.id DESC LIMIT 50`,
      [id, ACCOUNT_TOUCH_KINDS],
    ),
  ]);
  return {
    summary: summaryOf(row),
    contacts,
    deals: deals.rows.map((d) => ({
      id: d.id,
      leadId: d.lead_id,
      kind: d.kind,
      status: d.status,
      stage: d.stage,
      amount: d.amount === null ? null : Number(d.amount),
      ownerEmail: d.owner_email,
      openedAt: d.opened_at,
      closedAt: d.closed_at,
    })),
    touches: touches.rows.map((t) => ({ leadId: t.lead_id, at: t.at, kind: t.kind, detail: t.detail })),
  };
}

/** The account's leads, best score first (at most 200), without `exceptLeadId`. */
export async function accountContacts(
  db: Queryable,
  accountId: string,
  exceptLeadId?: string,
): Promise<AccountContact[]> {
  // The column names are the fields' own (owner_email aliased), so rows are contacts as they come.
  const result = await db.query<AccountContact>(
    `SELECT l.id, l.email, l.name, l.company, l.title, l.department, l.stage, l.owner_email AS "ownerEmail",
            ${decayedScoreSql('l')}::float8 AS score
       FROM leads l WHERE l.account_id = $1 AND ($2::uuid IS NULL OR l.id <> $2)
      ORDER BY score DESC, l.created_at, l.id LIMIT 200`,
    [accountId, exceptLeadId ?? null],
  );
  return result.rows;
}

/** The lead's account id and name, or undefined when it has none. */
export async function accountOfLead(db: Queryable, leadId: string): Promise<{ id: string; name: string } | undefined> {
  const result = await db.query<{ id: string; name: string }>(
    'SELECT a.id, a.name FROM leads l JOIN accounts a ON a.id = l.account_id WHERE l.id = $1',
    [leadId],
  );
  return result.rows[0];
}
