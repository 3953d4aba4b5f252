/**
 * Consent records under 特定電子メール法 (the Act on Regulation of Transmission of Specified
 * Electronic Mail): each lead keeps the legal basis on which it may receive marketing
 * email, where that basis came from, when, and optionally the evidence.
 */

/**
 * The bases the Act recognises for this engine's mail: an opt-in, or one of its exemptions
 * (an address received on a business card, an address published for business use, an
 * existing business relationship).
 */
export const CONSENT_BASES = ['opt_in', 'business_card', 'published_address', 'existing_customer'] as const;

/** One of {@link CONSENT_BASES}. */
export type ConsentBasis = (typeof CONSENT_BASES)[number];

/** The CRM integrations whose leads may get a configured default basis (`CONSENT_DEFAULTS`). */
export const CONSENT_SOURCE_NAMES = ['zoho', 'hubspot', 'generic'] as const;

/** One of {@link CONSENT_SOURCE_NAMES}. */
export type ConsentSourceName = (typeof CONSENT_SOURCE_NAMES)[number];

/** A lead's consent record. */
export interface Consent {
  basis: ConsentBasis;
  /** Where the basis was obtained: a form's name, an event, "CSV import 2026-12", a CRM. */
  source: string;
  /** When it was obtained (ISO 8601). */
  at: string;
  /** What proves it: a form submission id, a scanned card's reference, a URL. */
  evidence?: string | undefined;
}

/** Whether `value` is one of {@link CONSENT_BASES}. */
export function isConsentBasis(value: unknown): value is ConsentBasis {
  return typeof value === 'string' && (CONSENT_BASES as readonly string[]).includes(value);
}

/**
 * Why a lead may not get email for lack of consent, or null when it may: only with
 * `CONSENT_REQUIRED=true`, and only while the lead has no basis.
 */
export function consentBlocksEmail(consentRequired: boolean, consent: Consent | null | undefined): string | null {
  if (!consentRequired || consent?.basis !== undefined) return null;
  return 'no consent basis on record (CONSENT_REQUIRED=true): email is not sent, DM and tasks go on';
}

/** How a consent record made from `CONSENT_DEFAULTS` names the CRM it came from. */
const DEFAULT_SOURCE_LABELS: Record<ConsentSourceName, string> = {
  zoho: 'Zoho CRM',
  hubspot: 'HubSpot',
  generic: 'CRM webhook',
};

/**
 * The record a lead from a CRM gets from `CONSENT_DEFAULTS` when the CRM names no basis:
 * the configured basis, a source that says it is the configured default (so an auditor
 * tells an assumption from a recorded agreement), the time the engine recorded it (when
 * the contact agreed is unknown), and the CRM record it was made for as evidence.
 */
export function defaultConsent(source: ConsentSourceName, basis: ConsentBasis, at: Date, evidence: string): Consent {
  return {
    basis,
    source: `${DEFAULT_SOURCE_LABELS[source]} (CONSENT_DEFAULTS)`,
    at: at.toISOString(),
    evidence,
  };
}

/** Whether `value` is one of {@link CONSENT_SOURCE_NAMES}. */
export function isConsentSourceName(value: unknown): value is ConsentSourceName {
  return typeof value === 'string' && (CONSENT_SOURCE_NAMES as readonly string[]).includes(value);
}
