import type { Consent } from '../../domain/consent.ts';
import type { CustomFields } from '../../domain/segment-query.ts';
import type { Locale, Stage } from '../../domain/lead.ts';
import { COUNTED_HALF_LIVES } from '../../domain/scoring.ts';
import type { Queryable } from '../pool.ts';
import type { ContactHealth } from '../../domain/contact-health.ts';
import { contactHealthSql } from './contact-health.ts';
import { isUuid } from '../uuid.ts';
import type { DeliveryStatus } from './deliveries.ts';

/** A Japanese postal address, in the order labels print it. */
export interface PostalAddress {
  postalCode: string;
  prefecture: string;
  city: string;
  line1: string;
  line2?: string | undefined;
}

/** The profile fields a CRM or marketer may set on a lead. */
export interface LeadProfile {
  name?: string | undefined;
  company?: string | undefined;
  department?: string | undefined;
  title?: string | undefined;
  phone?: string | undefined;
  postalAddress?: PostalAddress | undefined;
  source?: string | undefined;
  ownerEmail?: string | undefined;
  locale?: Locale | undefined;
  timezone?: string | undefined;
  externalId?: string | undefined;
  /** The legal basis for email (特定電子メール法); absent keeps the stored record. */
  consent?: Consent | undefined;
  /** Tags, normalised (domain/segment-query.ts); given, they replace the stored ones. */
  tags?: string[] | undefined;
  /** Custom fields; given, they replace the stored object. */
  customFields?: CustomFields | undefined;
}

/** A lead's deal as the CRM last reported it. */
export interface LeadDeal {
  status: 'open' | 'won' | 'lost';
  stage: string | null;
  amount: number | null;
  probability: number | null;
  /** YYYY-MM-DD */
  expectedCloseDate: string | null;
  ownerEmail: string | null;
  lastMovedAt: Date | null;
}

/** A lead as the read model holds it. */
export interface Lead extends LeadProfile {
  id: string;
  email: string;
  cadenceKey: string;
  locale: Locale;
  timezone: string;
  stage: Stage;
  stageEnteredAt: Date;
  /** The score as of `scoreAt`; it decays with `scoreHalfLifeMs` from then on. */
  score: number;
  scoreAt: Date | null;
  scoreHalfLifeMs: number | null;
  nextTouchAt: Date | null;
  /** The version of `cadenceKey` the lead's workflow last planned from; null until it has (or since the cadence changed). */
  cadenceVersion?: number | null | undefined;
  paused: boolean;
  doNotContact: boolean;
  deal: LeadDeal | null;
  contractEndReason: string | null;
  /** The account (company) the lead is grouped into (db/repositories/accounts.ts); null when it has none. */
  accountId?: string | null | undefined;
  /** When a touch last reached the lead (kept by the database's triggers); null: never. */
  lastTouchAt?: Date | null | undefined;
  createdAt: Date;
  updatedAt: Date;
}

/** A row of `leads` as `SELECT *` reads it. */
export interface LeadRow {
  id: string;
  email: string;
  name: string | null;
  company: string | null;
  department: string | null;
  title: string | null;
  phone: string | null;
  postal_address: PostalAddress | null;
  source: string | null;
  owner_email: string | null;
  cadence_key: string;
  locale: Locale;
  timezone: string;
  external_id: string | null;
  stage: Stage;
  stage_entered_at: Date;
  score: number;
  score_at: Date | null;
  score_half_life_ms: string | null;
  next_touch_at: Date | null;
  cadence_version: number | null;
  paused: boolean;
  do_not_contact: boolean;
  deal_status: LeadDeal['status'] | null;
  deal_stage: string | null;
  deal_amount: string | null;
  deal_probability: string | null;
  deal_expected_close: string | null;
  deal_owner_email: string | null;
  deal_last_moved_at: Date | null;
  contract_end_reason: string | null;
  consent: Consent | null;
  account_id?: string | null;
  tags: string[];
  custom_fields: CustomFields;
  last_touch_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** A lead from its row. */
export function leadFromRow(row: LeadRow): Lead {
  return fromRow(row);
}

function fromRow(row: LeadRow): Lead {
  return {
    id: row.id,
    email: row.email,
    name: row.name ?? undefined,
    company: row.company ?? undefined,
    department: row.department ?? undefined,
    title: row.title ?? undefined,
    phone: row.phone ?? undefined,
    postalAddress: row.postal_address ?? undefined,
    source: row.source ?? undefined,
    ownerEmail: row.owner_email ?? undefined,
    cadenceKey: row.cadence_key,
    locale: row.locale,
    timezone: row.timezone,
    externalId: row.external_id ?? undefined,
    stage: row.stage,
    stageEnteredAt: row.stage_entered_at,
    score: row.score,
    scoreAt: row.score_at,
    scoreHalfLifeMs: row.score_half_life_ms === null ? null : Number(row.score_half_life_ms),
    nextTouchAt: row.next_touch_at,
    cadenceVersion: row.cadence_version,
    paused: row.paused,
    doNotContact: row.do_not_contact,
    deal:
      row.deal_status === null
        ? null
        : {
            status: row.deal_status,
            stage: row.deal_stage,
            amount: row.deal_amount === null ? null : Number(row.deal_amount),
            probability: row.deal_probability === null ? null : Number(row.deal_probability),
            expectedCloseDate: row.deal_expected_close,
            ownerEmail: row.deal_owner_email,
            lastMovedAt: row.deal_last_moved_at,
          },
    contractEndReason: row.contract_end_reason,
    consent: row.consent ?? undefined,
    accountId: row.account_id ?? null,
    tags: row.tags,
    customFields: row.custom_fields,
    lastTouchAt: row.last_touch_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * Creates the lead, or updates the one with the same address (case-insensitive). Fields
 * left out keep their stored value. `created` tells which happened; one statement, so two
 * concurrent requests for one address still make one lead. `consentIfNone` is a consent
 * record the lead gets only when it has none (neither given in `profile` nor stored): a
 * configured default never replaces a recorded basis, and two concurrent deliveries
 * cannot make it do so either.
 *
 * The cadence the lead would run must exist: `profile.cadenceKey` when given, else the
 * default for a new lead (an existing lead keeps its own). When it does not, nothing is
 * written and the answer is undefined. The check is part of the same statement: it used to
 * be one or two reads before it (the lead by address, the cadence; issue 14).
 */
export async function upsertLead(
  db: Queryable,
  email: string,
  profile: LeadProfile & { cadenceKey?: string | undefined },
  defaults: { cadenceKey: string; locale: Locale; timezone: string; consentIfNone?: Consent | undefined },
): Promise<{ lead: Lead; created: boolean } | undefined> {
  const result = await db.query<LeadRow & { created: boolean }>(
    `INSERT INTO leads AS l (email, name, company, department, title, phone, postal_address, source,
                             owner_email, cadence_key, locale, timezone, external_id, consent, tags, custom_fields)
     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, COALESCE($10, $14), COALESCE($11, $15), COALESCE($12, $16), $13,
            COALESCE($17::jsonb, $18::jsonb), COALESCE($19::text[], '{}'), COALESCE($20::jsonb, '{}')
      WHERE EXISTS (SELECT 1 FROM cadences WHERE key = COALESCE($10, $14))
         OR ($10::text IS NULL AND EXISTS (SELECT 1 FROM leads WHERE lower(email) = lower($1)))
     ON CONFLICT (lower(email)) DO UPDATE SET
       name = COALESCE($2, l.name), company = COALESCE($3, l.company),
       department = COALESCE($4, l.department), title = COALESCE($5, l.title),
       phone = COALESCE($6, l.phone), postal_address = COALESCE($7, l.postal_address),
       source = COALESCE($8, l.source), owner_email = COALESCE($9, l.owner_email),
       cadence_key = COALESCE($10, l.cadence_key),
       -- Another cadence: the version the workflow runs is unknown until its next step.
       cadence_version = CASE WHEN $10 IS NULL OR $10 = l.cadence_key THEN l.cadence_version END,
       -- and starts from its first step.
       step_index = CASE WHEN $10 IS NULL OR $10 = l.cadence_key THEN l.step_index ELSE 0 END,
       locale = COALESCE($11, l.locale),
       timezone = COALESCE($12, l.timezone), external_id = COALESCE($13, l.external_id),
       consent = COALESCE($17::jsonb, l.consent, $18::jsonb),
       tags = COALESCE($19::text[], l.tags), custom_fields = COALESCE($20::jsonb, l.custom_fields),
       updated_at = now()
     RETURNING l.*, (xmax = 0) AS created`,
    [
      email,
      profile.name ?? null,
      profile.company ?? null,
      profile.department ?? null,
      profile.title ?? null,
      profile.phone ?? null,
      profile.postalAddress === undefined ? null : JSON.stringify(profile.postalAddress),
      profile.source ?? null,
      profile.ownerEmail ?? null,
      profile.cadenceKey ?? null,
      profile.locale ?? null,
      profile.timezone ?? null,
      profile.externalId ?? null,
      defaults.cadenceKey,
      defaults.locale,
      defaults.timezone,
      profile.consent === undefined ? null : JSON.stringify(profile.consent),
      defaults.consentIfNone === undefined ? null : JSON.stringify(defaults.consentIfNone),
      profile.tags ?? null,
      profile.customFields === undefined ? null : JSON.stringify(profile.customFields),
    ],
  );
  const row = result.rows[0];
  return row === undefined ? undefined : { lead: fromRow(row), created: row.created };
}

/** The lead with this id, or undefined (also for a malformed id, so ids cannot be probed). */
export async function findLead(db: Queryable, id: string): Promise<Lead | undefined> {
  if (!isUuid(id)) return undefined;
  const result = await db.query<LeadRow>('SELECT * FROM leads WHERE id = $1', [id]);
  const row = result.rows[0];
  return row ? fromRow(row) : undefined;
}

/**
 * What an email touch needs to know before it renders, in one round trip: the lead, the
 * delivery row already recorded under the touch's key (null when none), the reason its
 * address is suppressed (undefined when it is not) and the templates' generation. Undefined
 * when the lead does not exist.
 */
export async function findLeadForTouch(
  db: Queryable,
  id: string,
  idempotencyKey: string,
): Promise<
  | {
      lead: Lead;
      delivery: { status: DeliveryStatus; error: string | null } | null;
      suppression: string | undefined;
      /** The templates' generation (migration 1735300000000): a resolved template is good while it stays. */
      templateGeneration: string | null;
    }
  | undefined
> {
  if (!isUuid(id)) return undefined;
  const result = await db.query<
    LeadRow & {
      touch_delivery_status: DeliveryStatus | null;
      touch_delivery_error: string | null;
      touch_suppression: string | null;
      touch_template_generation: string | null;
    }
  >(
    `SELECT l.*, d.status AS touch_delivery_status, d.error AS touch_delivery_error, s.reason AS touch_suppression,
            (SELECT n::text FROM template_generation) AS touch_template_generation
             FROM leads l
             LEFT JOIN deliveries d ON d.idempotency_key = $2
             LEFT JOIN suppressions s ON s.email = lower(l.email)
            WHERE l.id = $1`,
    [id, idempotencyKey],
  );
  const row = result.rows[0];
  if (!row) return undefined;
  const {
    touch_delivery_status: status,
    touch_delivery_error: error,
    touch_suppression: suppression,
    touch_template_generation: templateGeneration,
    ...leadRow
  } = row;
  return {
    lead: fromRow(leadRow),
    delivery: status === null ? null : { status, error },
    suppression: suppression ?? undefined,
    templateGeneration,
  };
}

/** The lead with this address, whatever its case, or undefined. */
export async function findLeadByEmail(db: Queryable, email: string): Promise<Lead | undefined> {
  const result = await db.query<LeadRow>('SELECT * FROM leads WHERE lower(email) = lower($1)', [email]);
  const row = result.rows[0];
  return row ? fromRow(row) : undefined;
}

/**
 * Records when the lead's next touch is due (null: none scheduled) and, when the workflow
 * says, the index of the step it runs next (histories from before it leave it as it was).
 */
export async function setNextTouchAt(db: Queryable, id: string, at: Date | null, stepIndex?: number): Promise<void> {
  await db.query(
    'UPDATE leads SET next_touch_at = $2, step_index = COALESCE($3, step_index), updated_at = now() WHERE id = $1',
    [id, at, stepIndex ?? null],
  );
}

/**
 * Records the cadence version the lead's workflow planned from, unless the lead has since
 * been moved to another cadence (its next plan records that one).
 */
export async function setCadenceVersion(db: Queryable, id: string, cadenceKey: string, version: number): Promise<void> {
  await db.query('UPDATE leads SET cadence_version = $3 WHERE id = $1 AND cadence_key = $2', [id, cadenceKey, version]);
}

/** Records the owner a marketer assigned; an open deal follows the lead's owner. Answers the previous owner. */
export async function setOwner(
  db: Queryable,
  id: string,
  ownerEmail: string | null,
): Promise<{ previous: string | null } | undefined> {
  if (!isUuid(id)) return undefined;
  const result = await db.query<{ previous: string | null }>(
    `UPDATE leads l SET owner_email = $2,
            deal_owner_email = CASE WHEN l.deal_status = 'open' THEN $2 ELSE l.deal_owner_email END,
            updated_at = now()
       FROM (SELECT id, owner_email AS previous FROM leads WHERE id = $1 FOR UPDATE) old
      WHERE l.id = old.id
      RETURNING old.previous`,
    [id, ownerEmail],
  );
  return result.rows[0];
}

/** Records the lead's stage and when it entered it; a stage change clears the pending touch. */
export async function setStage(
  db: Queryable,
  id: string,
  stage: Stage,
  at: Date,
  contractEndReason?: string,
): Promise<void> {
  await db.query(
    `UPDATE leads SET stage = $2, stage_entered_at = $3, next_touch_at = NULL, step_index = 0,
            contract_end_reason = COALESCE($4, contract_end_reason), updated_at = now() WHERE id = $1`,
    [id, stage, at, contractEndReason ?? null],
  );
}

/** Records the lead's score as of `at`, and the half-life it decays with. */
export async function setScore(db: Queryable, id: string, score: number, at: Date, halfLifeMs: number): Promise<void> {
  await db.query(
    'UPDATE leads SET score = $2, score_at = $3, score_half_life_ms = $4, updated_at = now() WHERE id = $1',
    [id, score, at, Math.round(halfLifeMs)],
  );
}

/** Applies a deal report: given fields replace stored ones, absent ones stay. */
export async function updateDeal(
  db: Queryable,
  id: string,
  deal: {
    status: LeadDeal['status'];
    stage?: string | undefined;
    amount?: number | undefined;
    probability?: number | undefined;
    expectedCloseDate?: string | undefined;
    ownerEmail?: string | undefined;
    lastMovedAt?: Date | undefined;
  },
): Promise<void> {
  await db.query(
    `UPDATE leads SET deal_status = $2, deal_stage = COALESCE($3, deal_stage), deal_amount = COALESCE($4, deal_amount),
            deal_probability = COALESCE($5, deal_probability), deal_expected_close = COALESCE($6::date, deal_expected_close),
            deal_owner_email = COALESCE($7, deal_owner_email, owner_email), deal_last_moved_at = COALESCE($8, deal_last_moved_at),
            updated_at = now()
      WHERE id = $1`,
    [
      id,
      deal.status,
      deal.stage ?? null,
      deal.amount ?? null,
      deal.probability ?? null,
      deal.expectedCloseDate ?? null,
      deal.ownerEmail ?? null,
      deal.lastMovedAt ?? null,
    ],
  );
}

/** Records pause and do-not-contact as the workflow applied them. */
export async function setFlags(
  db: Queryable,
  id: string,
  flags: { paused?: boolean | undefined; doNotContact?: boolean | undefined },
): Promise<void> {
  await db.query(
    'UPDATE leads SET paused = COALESCE($2, paused), do_not_contact = COALESCE($3, do_not_contact), updated_at = now() WHERE id = $1',
    [id, flags.paused ?? null, flags.doNotContact ?? null],
  );
}

/**
 * The lead's score now, in SQL, as `scoreNow` (domain/scoring.ts) computes it: the stored
 * score decayed from `score_at` with its half-life, 0 once that is more than ten
 * half-lives ago. `alias` is the leads table's alias in the query.
 */
export function decayedScoreSql(alias: string): string {
  const l = alias;
  // In float8 throughout: EXTRACT answers numeric, and numeric power() is many times slower.
  const halfLives = `(extract(epoch FROM now() - ${l}.score_at)::float8 * 1000 / ${l}.score_half_life_ms)`;
  return `(CASE WHEN ${l}.score <= 0 OR ${l}.score_at IS NULL OR ${l}.score_half_life_ms IS NULL
      OR ${l}.score_half_life_ms <= 0 OR ${l}.score_at >= now() THEN ${l}.score
    WHEN ${halfLives} > ${COUNTED_HALF_LIVES} THEN 0
    ELSE ${l}.score * power(0.5::float8, ${halfLives}) END)`;
}

/**
 * A condition every lead whose score now is at least `min` (a positive number) meets, and
 * that the index on `score_fades_at` answers: decayed ≥ min exactly when score_fades_at ≥
 * now + halfLife·log2(min), and the shortest (for min ≥ 1) or longest (below 1) half-life
 * of any lead bounds that from below. The exact test follows it. `min` is SQL (a float8 parameter).
 */
export function scoreMinCandidates(min: string): string {
  const halfLife = `(CASE WHEN ${min} >= 1
      THEN (SELECT min(score_half_life_ms) FROM leads WHERE score > 0)
      ELSE (SELECT max(score_half_life_ms) FROM leads WHERE score > 0) END)`;
  return `(l.score > 0 AND l.score_fades_at >= now()
      + make_interval(secs => COALESCE(${halfLife}, 0) * (ln(${min}) / ln(2)) / 1000.0))`;
}

/** Filters of the leads list; every one optional. */
export interface LeadFilter {
  stage?: Stage | undefined;
  scoreMin?: number | undefined;
  scoreMax?: number | undefined;
  /** The lead's owner or its deal's owner. */
  owner?: string | undefined;
  cadence?: string | undefined;
  /** Part of the name, company or email, any case. */
  q?: string | undefined;
  /** A contact health group as of now (see `contactHealthSql`). */
  contact?: ContactHealth | undefined;
  /** The zone the contact filter counts months in; undefined: each lead's own. */
  timezone?: string | undefined;
}

/** Where the previous page ended: newest first, ties broken by id. */
export interface LeadCursor {
  createdAt: string;
  id: string;
}

/**
 * A page of leads, newest first, after `cursor`. Keyset pagination: a page is stable
 * while leads are added, and costs the same deep in the list as at its start.
 */
export async function listLeads(
  db: Queryable,
  filter: LeadFilter,
  cursor: LeadCursor | undefined,
  limit: number,
): Promise<{ leads: Lead[]; next: LeadCursor | undefined }> {
  const like = filter.q === undefined ? null : `%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const contact = contactHealthSql('$11', 'now()');
  const result = await db.query<LeadRow>(
    `SELECT * FROM leads l
      WHERE ($10::text IS NULL OR ($10 = 'contactable' AND ${contact.contactable})
             OR ($10 = 'touched' AND ${contact.touched}) OR ($10 = 'at_risk' AND ${contact.at_risk}))
        AND ($1::lead_stage IS NULL OR stage = $1)
        AND ($2::float8 IS NULL OR $2 <= 0 OR (${scoreMinCandidates('$2')} AND ${decayedScoreSql('l')} >= $2))
        AND ($3::float8 IS NULL OR ${decayedScoreSql('l')} <= $3)
        AND ($4::text IS NULL OR lower(owner_email) = lower($4) OR lower(deal_owner_email) = lower($4))
        AND ($5::text IS NULL OR cadence_key = $5)
        AND ($6::text IS NULL OR name ILIKE $6 OR company ILIKE $6 OR email ILIKE $6)
        AND ($7::timestamptz IS NULL OR (created_at, id) < ($7, $8::uuid))
      ORDER BY created_at DESC, id DESC
      LIMIT $9`,
    [
      filter.stage ?? null,
      filter.scoreMin ?? null,
      filter.scoreMax ?? null,
      filter.owner ?? null,
      filter.cadence ?? null,
      like,
      cursor?.createdAt ?? null,
      cursor?.id ?? null,
      limit + 1,
      filter.contact ?? null,
      filter.timezone ?? null,
    ],
  );
  const rows = result.rows.slice(0, limit);
  const last = rows[rows.length - 1];
  return {
    leads: rows.map(fromRow),
    next: result.rows.length > limit && last ? { createdAt: last.created_at.toISOString(), id: last.id } : undefined,
  };
}

/**
 * Puts the lead on cadence `cadenceKey` (its next step follows that cadence's newest
 * version); false when there is no such cadence, and then nothing changes.
 */
export async function setCadenceKey(db: Queryable, id: string, cadenceKey: string): Promise<boolean> {
  const result = await db.query(
    `UPDATE leads SET cadence_key = $2, cadence_version = NULL, updated_at = now()
      WHERE id = $1 AND EXISTS (SELECT 1 FROM cadences WHERE key = $2)`,
    [id, cadenceKey],
  );
  return result.rowCount === 1;
}

/**
 * Adds and removes tags (normalised already) on one lead, in one statement, so two
 * concurrent changes never lose each other's tags; answers the tags it has now, or
 * undefined when there is no such lead. Adding a tag it has, or removing one it has not,
 * changes nothing: applying a change twice is applying it once.
 */
export async function changeTags(
  db: Queryable,
  id: string,
  add: readonly string[],
  remove: readonly string[],
): Promise<string[] | undefined> {
  if (!isUuid(id)) return undefined;
  const result = await db.query<{ tags: string[] }>(
    `UPDATE leads SET tags = ARRAY(
              SELECT t FROM (SELECT t, n FROM unnest(tags) WITH ORDINALITY AS kept(t, n) WHERE NOT t = ANY($3::text[])
                             UNION ALL
                             SELECT a, 1000 + k FROM unnest($2::text[]) WITH ORDINALITY AS added(a, k)
                              WHERE NOT a = ANY(tags) AND NOT a = ANY($3::text[])) AS next
               ORDER BY n),
            updated_at = now()
      WHERE id = $1 RETURNING tags`,
    [id, add, remove],
  );
  return result.rows[0]?.tags;
}
