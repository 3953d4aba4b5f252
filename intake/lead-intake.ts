import type { Client } from '@temporalio/client';
import Type, { type Static } from 'typebox';
import { isTimeZone } from '../domain/cadence.ts';
import { CONSENT_BASES, type Consent } from '../domain/consent.ts';
import { EMAIL_PATTERN } from '../domain/email-address.ts';
import { InvalidInput, type InputProblem } from '../domain/errors.ts';
import { DOCUMENTED_TIME_ZONE } from '../domain/time-zones.ts';
import {
  customFieldProblems,
  MAX_CUSTOM_FIELD_NAME,
  MAX_CUSTOM_FIELD_TEXT,
  MAX_CUSTOM_FIELDS,
  MAX_TAG_LENGTH,
  MAX_TAGS,
  normaliseTags,
} from '../domain/segment-query.ts';
import { assignAccounts } from '../db/repositories/accounts.ts';
import { upsertLead, type Lead } from '../db/repositories/leads.ts';
import type { Queryable } from '../db/pool.ts';
import { ensureLifecycleStarted } from './lifecycle-client.ts';

const Text = (maxLength: number) => Type.String({ minLength: 1, maxLength });

/** A lead's tags as requests give them (normalised and checked by {@link leadExtrasProblems}). */
export const LeadTags = Type.Array(Type.String({ minLength: 1, maxLength: MAX_TAG_LENGTH * 4 }), {
  maxItems: MAX_TAGS * 4,
  description: `at most ${MAX_TAGS} tags of at most ${MAX_TAG_LENGTH} characters; stored trimmed, NFKC and in lower case ("ＶＩＰ " is "vip"), duplicates dropped; given, they replace the lead's tags`,
});

/** A value of a custom field. */
export const CustomFieldValueSchema = Type.Union([
  Type.String({ maxLength: MAX_CUSTOM_FIELD_TEXT }),
  Type.Number(),
  Type.Boolean(),
]);

/** A lead's custom fields as requests give them. */
export const LeadCustomFields = Type.Record(
  Type.String({ minLength: 1, maxLength: MAX_CUSTOM_FIELD_NAME }),
  CustomFieldValueSchema,
  {
    maxProperties: MAX_CUSTOM_FIELDS,
    description: `a flat object of at most ${MAX_CUSTOM_FIELDS} fields, each a string, number or boolean; given, it replaces the lead's custom fields`,
  },
);

/** A lead as `POST /v1/leads` and CRM webhooks give it. */
export const LeadBody = Type.Object(
  {
    email: Type.String({ maxLength: 254, pattern: EMAIL_PATTERN }),
    name: Type.Optional(Text(200)),
    company: Type.Optional(Text(200)),
    department: Type.Optional(Text(200)),
    title: Type.Optional(Text(200)),
    phone: Type.Optional(Type.String({ minLength: 1, maxLength: 40, pattern: '^[0-9+() -]+$' })),
    postalAddress: Type.Optional(
      Type.Object(
        {
          postalCode: Type.String({ pattern: '^[0-9]{3}-?[0-9]{4}$' }),
          prefecture: Text(20),
          city: Text(100),
          line1: Text(200),
          line2: Type.Optional(Type.String({ maxLength: 200 })),
        },
        { additionalProperties: false },
      ),
    ),
    source: Type.Optional(Text(100)),
    ownerEmail: Type.Optional(Type.String({ maxLength: 254, pattern: EMAIL_PATTERN })),
    cadence: Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z0-9][a-z0-9_-]*$' })),
    locale: Type.Optional(Type.Enum(['ja', 'en'])),
    timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64, ...DOCUMENTED_TIME_ZONE })),
    externalId: Type.Optional(Text(200)),
    consent: Type.Optional(
      Type.Object(
        {
          basis: Type.Enum([...CONSENT_BASES], {
            description:
              'the legal basis for email under 特定電子メール法: opt_in, or the exemptions business_card, published_address, existing_customer',
          }),
          source: Text(200),
          at: Type.String({ format: 'date-time', description: 'when the basis was obtained' }),
          evidence: Type.Optional(Text(1000)),
        },
        { additionalProperties: false, description: 'replaces the stored consent record; absent keeps it' },
      ),
    ),
    tags: Type.Optional(LeadTags),
    customFields: Type.Optional(LeadCustomFields),
  },
  { additionalProperties: false },
);

/** A lead as `POST /v1/leads` and CRM webhooks give it. */
export type LeadInput = Static<typeof LeadBody>;

/** The cadence a new lead gets when none is named. */
export const DEFAULT_CADENCE = 'default';

/** Why a valid-looking time zone is refused (it is not an IANA zone), or undefined. */
export function timezoneProblem(timezone: string | undefined): string | undefined {
  return timezone !== undefined && !isTimeZone(timezone) ? `"${timezone}" is not an IANA time zone` : undefined;
}

/** Why a lead cannot be put on cadence `key`: it does not exist. */
export const missingCadence = (key: string): string =>
  `cadence "${key}" does not exist; create it with PUT /v1/cadences/${key}`;

/** The defaults a new lead gets for what its input leaves out. */
export const leadDefaults = (cadenceKey: string) => ({ cadenceKey, locale: 'ja', timezone: 'Asia/Tokyo' }) as const;

/**
 * Creates or updates the lead (by email, case-insensitive) and makes sure its lifecycle
 * runs. The row is committed before the workflow starts, so the workflow always finds
 * it; if the start fails (Temporal down: the API answers 503), the same request repeated
 * starts it. A lead that cannot be taken is an {@link InvalidInput}, with nothing written.
 * `consentIfNone` (a CRM's configured default) is recorded only when the lead has no
 * consent record, neither in `input` nor stored.
 */
export async function intakeLead(
  db: Queryable,
  temporal: Client,
  taskQueue: string,
  input: LeadInput,
  options: { consentIfNone?: Consent | undefined } = {},
): Promise<{ lead: Lead; created: boolean; workflowId: string }> {
  const { email, cadence, tags, ...profile } = input;
  const badTimezone = timezoneProblem(profile.timezone);
  if (badTimezone !== undefined)
    throw new InvalidInput('the lead is not valid', [{ path: '/timezone', message: badTimezone }]);
  const extras = leadExtras(tags, profile.customFields);
  if (extras.problems.length > 0) throw new InvalidInput('the lead is not valid', extras.problems);
  const cadenceKey = cadence ?? DEFAULT_CADENCE;
  const upserted = await upsertLead(
    db,
    email,
    { ...profile, tags: extras.tags, cadenceKey: cadence },
    { ...leadDefaults(cadenceKey), consentIfNone: options.consentIfNone },
  );
  // Nothing was written: a lead on a cadence that does not exist would start a workflow
  // that can only fail.
  if (upserted === undefined)
    throw new InvalidInput('the lead is not valid', [{ path: '/cadence', message: missingCadence(cadenceKey) }]);
  const { lead, created } = upserted;
  // Its account follows its company and domain; an update without a company changes neither.
  if (created || profile.company !== undefined) await assignAccounts(db, [lead]);
  const { workflowId } = await ensureLifecycleStarted(temporal, taskQueue, lead);
  return { lead, created, workflowId };
}

/**
 * A lead's tags normalised, and what is wrong with its tags and custom fields beyond their
 * shape (too many tags once duplicates fold, a tag too long or blank, a blank field name, a
 * number that is not finite), each at its JSON pointer.
 */
export function leadExtras(
  tags: readonly string[] | undefined,
  customFields: Record<string, unknown> | undefined,
): { tags: string[] | undefined; problems: InputProblem[] } {
  const normalised = tags === undefined ? undefined : normaliseTags(tags, '/tags');
  return {
    tags: normalised?.tags,
    problems: [
      ...(normalised?.problems ?? []),
      ...(customFields === undefined ? [] : customFieldProblems(customFields, '/customFields')),
    ],
  };
}
