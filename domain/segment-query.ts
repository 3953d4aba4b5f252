import type { InputProblem } from './errors.ts';
import { STAGES, type Stage } from './lead.ts';

/** At most this many tags on one lead. */
export const MAX_TAGS = 50;
/** At most this many characters in one tag, after normalising. */
export const MAX_TAG_LENGTH = 64;
/** At most this many custom fields on one lead. */
export const MAX_CUSTOM_FIELDS = 50;
/** At most this many characters in a custom field's name. */
export const MAX_CUSTOM_FIELD_NAME = 64;
/** At most this many characters in a custom field's text value. */
export const MAX_CUSTOM_FIELD_TEXT = 500;
/** The longest look-back of "opened / clicked in the last N days". */
export const MAX_ENGAGEMENT_DAYS = 3650;

/** A custom field's value: custom fields hold flat values only, so "equals" is well defined. */
export type CustomFieldValue = string | number | boolean;

/** A lead's custom fields: a flat object of names to values. */
export type CustomFields = Record<string, CustomFieldValue>;

/**
 * A segment: a saved query over leads. Every condition is optional and all given ones
 * must hold (AND); a list condition holds when any of its values matches (OR). Instants
 * are ISO 8601; an "after" bound is inclusive, a "before" bound exclusive.
 */
export interface SegmentQuery {
  /** The lead is in one of these stages. */
  stages?: Stage[] | undefined;
  /** Its score now (decayed) is at least / at most this. */
  scoreMin?: number | undefined;
  scoreMax?: number | undefined;
  /** The lead's owner, or its deal's owner, is this address (any case), as the lead list filters. */
  owner?: string | undefined;
  /** The lead runs one of these cadences. */
  cadences?: string[] | undefined;
  /** Tags (normalised): the lead has all of them, or any of them. */
  tags?: { match: 'all' | 'any'; values: string[] } | undefined;
  /** The company name contains this text (any case). */
  company?: string | undefined;
  /** The lead came from one of these sources (exact). */
  sources?: string[] | undefined;
  /** Created at or after / before. */
  createdAfter?: string | undefined;
  createdBefore?: string | undefined;
  /** The last touch that reached the lead was at or after this. A lead never touched does not match. */
  lastTouchAfter?: string | undefined;
  /** The last touch was before this, or the lead was never touched ("not touched since"). */
  lastTouchBefore?: string | undefined;
  /** An email of ours was opened (by a person or reported as such) in the last N days. */
  openedWithinDays?: number | undefined;
  /** A link in an email of ours was clicked in the last N days. */
  clickedWithinDays?: number | undefined;
  /** Every named custom field equals its value (same type: 10 is not "10"). */
  customFields?: CustomFields | undefined;
  /** Part of the name, company or email, any case (the lead list's search box). */
  search?: string | undefined;
}

/** The keys of a {@link SegmentQuery}, in the order the console and documents list them. */
export const SEGMENT_QUERY_KEYS = [
  'stages',
  'scoreMin',
  'scoreMax',
  'owner',
  'cadences',
  'tags',
  'company',
  'sources',
  'createdAfter',
  'createdBefore',
  'lastTouchAfter',
  'lastTouchBefore',
  'openedWithinDays',
  'clickedWithinDays',
  'customFields',
  'search',
] as const satisfies readonly (keyof SegmentQuery)[];

/**
 * A tag as it is stored and matched: Unicode NFKC (full-width "ＶＩＰ" is "VIP"), runs of
 * white space made one space, trimmed, lower case. Two spellings a person would call the
 * same tag are one tag.
 */
export function normaliseTag(tag: string): string {
  return tag.normalize('NFKC').replace(/\s+/gu, ' ').trim().toLowerCase();
}

/**
 * Tags normalised and deduplicated, in their first order; problems name an empty tag, one
 * too long, or too many, each at `path`/index.
 */
export function normaliseTags(tags: readonly string[], path: string): { tags: string[]; problems: InputProblem[] } {
  const problems: InputProblem[] = [];
  const seen = new Set<string>();
  tags.forEach((raw, index) => {
    const tag = normaliseTag(raw);
    if (tag.length === 0) problems.push({ path: `${path}/${index}`, message: 'a tag cannot be empty' });
    else if ([...tag].length > MAX_TAG_LENGTH)
      problems.push({ path: `${path}/${index}`, message: `a tag has at most ${MAX_TAG_LENGTH} characters` });
    else seen.add(tag);
  });
  if (seen.size > MAX_TAGS) problems.push({ path, message: `a lead has at most ${MAX_TAGS} tags` });
  return { tags: [...seen], problems };
}

/** The tags a lead has after adding `add` and removing `remove` (both normalised already). */
export function applyTagChange(
  current: readonly string[],
  add: readonly string[],
  remove: readonly string[],
): string[] {
  const removed = new Set(remove);
  const next = current.filter((tag) => !removed.has(tag));
  for (const tag of add) if (!removed.has(tag) && !next.includes(tag)) next.push(tag);
  return next;
}

/** What is wrong with a custom fields object (none: an empty list), each problem at `path`/name. */
export function customFieldProblems(fields: Record<string, unknown>, path: string): InputProblem[] {
  const problems: InputProblem[] = [];
  const names = Object.keys(fields);
  if (names.length > MAX_CUSTOM_FIELDS)
    problems.push({ path, message: `a lead has at most ${MAX_CUSTOM_FIELDS} custom fields` });
  for (const name of names) {
    const at = `${path}/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    const value = fields[name];
    if (name.trim().length === 0 || [...name].length > MAX_CUSTOM_FIELD_NAME)
      problems.push({
        path: at,
        message: `a field name has 1 to ${MAX_CUSTOM_FIELD_NAME} characters, not only spaces`,
      });
    else if (typeof value === 'number' && !Number.isFinite(value))
      problems.push({ path: at, message: 'a number must be finite' });
    else if (typeof value === 'string' && [...value].length > MAX_CUSTOM_FIELD_TEXT)
      problems.push({ path: at, message: `a text value has at most ${MAX_CUSTOM_FIELD_TEXT} characters` });
    else if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
      problems.push({ path: at, message: 'a custom field is a string, a number or a boolean' });
  }
  return problems;
}

const instantMs = (text: string | undefined): number | undefined => {
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
};

/**
 * The segment query in its one canonical form, or the problems that make it one no lead
 * could be judged by (each at its JSON pointer under `path`). Canonical: tags normalised,
 * lists deduplicated (stages in lifecycle order, others sorted), text trimmed, instants
 * as `toISOString()`, the owner in lower case, empty conditions dropped. Normalising a
 * canonical query changes nothing, so two queries that mean the same are stored the same.
 */
export function normaliseSegmentQuery(
  query: SegmentQuery,
  path = '',
): { ok: true; query: SegmentQuery } | { ok: false; problems: InputProblem[] } {
  const problems: InputProblem[] = [];
  const out: SegmentQuery = {};
  const list = (values: readonly string[] | undefined) =>
    values === undefined ? undefined : [...new Set(values.map((v) => v.trim()).filter((v) => v.length > 0))].sort();

  if (query.stages !== undefined && query.stages.length > 0) {
    const unknown = query.stages.filter((s) => !(STAGES as readonly string[]).includes(s));
    if (unknown.length > 0) problems.push({ path: `${path}/stages`, message: `unknown stage ${unknown.join(', ')}` });
    out.stages = STAGES.filter((s) => query.stages?.includes(s));
  }
  for (const key of ['scoreMin', 'scoreMax'] as const) {
    const value = query[key];
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value < 0)
      problems.push({ path: `${path}/${key}`, message: 'a score is a number of 0 or more' });
    else out[key] = value;
  }
  if (out.scoreMin !== undefined && out.scoreMax !== undefined && out.scoreMin > out.scoreMax)
    problems.push({ path: `${path}/scoreMax`, message: 'scoreMax is below scoreMin' });
  const owner = query.owner?.trim().toLowerCase();
  if (owner !== undefined && owner.length > 0) out.owner = owner;
  const cadences = list(query.cadences);
  if (cadences !== undefined && cadences.length > 0) out.cadences = cadences;
  if (query.tags !== undefined && query.tags.values.length > 0) {
    const { tags, problems: tagProblems } = normaliseTags(query.tags.values, `${path}/tags/values`);
    problems.push(...tagProblems);
    if (tags.length > 0) out.tags = { match: query.tags.match, values: tags.sort() };
  }
  const company = query.company?.trim();
  if (company !== undefined && company.length > 0) out.company = company;
  const sources = list(query.sources);
  if (sources !== undefined && sources.length > 0) out.sources = sources;
  for (const [after, before] of [
    ['createdAfter', 'createdBefore'],
    ['lastTouchAfter', 'lastTouchBefore'],
  ] as const) {
    for (const key of [after, before]) {
      const text = query[key];
      if (text === undefined) continue;
      const ms = instantMs(text);
      if (ms === undefined) problems.push({ path: `${path}/${key}`, message: 'not an ISO 8601 date-time' });
      else out[key] = new Date(ms).toISOString();
    }
    const from = instantMs(out[after]);
    const to = instantMs(out[before]);
    if (from !== undefined && to !== undefined && from >= to)
      problems.push({ path: `${path}/${before}`, message: `${before} is not after ${after}: no lead could match` });
  }
  for (const key of ['openedWithinDays', 'clickedWithinDays'] as const) {
    const days = query[key];
    if (days === undefined) continue;
    if (!Number.isInteger(days) || days < 1 || days > MAX_ENGAGEMENT_DAYS)
      problems.push({ path: `${path}/${key}`, message: `a whole number of days from 1 to ${MAX_ENGAGEMENT_DAYS}` });
    else out[key] = days;
  }
  if (query.customFields !== undefined && Object.keys(query.customFields).length > 0) {
    problems.push(...customFieldProblems(query.customFields, `${path}/customFields`));
    out.customFields = Object.fromEntries(Object.entries(query.customFields).sort(([a], [b]) => (a < b ? -1 : 1)));
  }
  const search = query.search?.trim();
  if (search !== undefined && search.length > 0) out.search = search;
  return problems.length > 0 ? { ok: false, problems } : { ok: true, query: out };
}

/** What a lead must be known by for {@link matchesSegment}: the read model's fields, as of `nowMs`. */
export interface SegmentSubject {
  stage: Stage;
  /** The score now, decayed. */
  score: number;
  ownerEmail: string | null;
  dealOwnerEmail: string | null;
  cadenceKey: string;
  tags: readonly string[];
  company: string | null;
  source: string | null;
  name: string | null;
  email: string;
  createdAtMs: number;
  lastTouchAtMs: number | null;
  /** The newest email open / click event, or null. */
  lastOpenAtMs: number | null;
  lastClickAtMs: number | null;
  customFields: CustomFields;
}

const DAY_MS = 86_400_000;
const contains = (text: string | null, part: string) =>
  text !== null && text.toLowerCase().includes(part.toLowerCase());

/**
 * Whether a lead is in the segment: the reference meaning of a {@link SegmentQuery} (a
 * canonical one), which the SQL of db/repositories/segments.ts must agree with.
 */
export function matchesSegment(query: SegmentQuery, lead: SegmentSubject, nowMs: number): boolean {
  const at = (text: string | undefined) => (text === undefined ? undefined : Date.parse(text));
  if (query.stages !== undefined && !query.stages.includes(lead.stage)) return false;
  if (query.scoreMin !== undefined && query.scoreMin > 0 && !(lead.score >= query.scoreMin)) return false;
  if (query.scoreMax !== undefined && !(lead.score <= query.scoreMax)) return false;
  if (query.owner !== undefined) {
    const owner = query.owner.toLowerCase();
    if (lead.ownerEmail?.toLowerCase() !== owner && lead.dealOwnerEmail?.toLowerCase() !== owner) return false;
  }
  if (query.cadences !== undefined && !query.cadences.includes(lead.cadenceKey)) return false;
  if (query.tags !== undefined) {
    const has = (tag: string) => lead.tags.includes(tag);
    if (query.tags.match === 'all' ? !query.tags.values.every(has) : !query.tags.values.some(has)) return false;
  }
  if (query.company !== undefined && !contains(lead.company, query.company)) return false;
  if (query.sources !== undefined && (lead.source === null || !query.sources.includes(lead.source))) return false;
  const createdAfter = at(query.createdAfter);
  if (createdAfter !== undefined && lead.createdAtMs < createdAfter) return false;
  const createdBefore = at(query.createdBefore);
  if (createdBefore !== undefined && lead.createdAtMs >= createdBefore) return false;
  const touchAfter = at(query.lastTouchAfter);
  if (touchAfter !== undefined && (lead.lastTouchAtMs === null || lead.lastTouchAtMs < touchAfter)) return false;
  const touchBefore = at(query.lastTouchBefore);
  if (touchBefore !== undefined && lead.lastTouchAtMs !== null && lead.lastTouchAtMs >= touchBefore) return false;
  const within = (days: number | undefined, atMs: number | null) =>
    days === undefined || (atMs !== null && atMs >= nowMs - days * DAY_MS);
  if (!within(query.openedWithinDays, lead.lastOpenAtMs)) return false;
  if (!within(query.clickedWithinDays, lead.lastClickAtMs)) return false;
  if (query.customFields !== undefined) {
    for (const [name, value] of Object.entries(query.customFields)) if (lead.customFields[name] !== value) return false;
  }
  if (
    query.search !== undefined &&
    !contains(lead.name, query.search) &&
    !contains(lead.company, query.search) &&
    !contains(lead.email, query.search)
  )
    return false;
  return true;
}

/** A segment id that names no segment (deleted, or never made). */
export class SegmentNotFound extends Error {
  override readonly name = 'SegmentNotFound';
  constructor(readonly segmentId: string) {
    super(`no segment ${segmentId}`);
  }
}
