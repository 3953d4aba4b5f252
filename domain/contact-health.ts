/**
 * The dashboard's contact health groups of leads, each a subset of the one before:
 * contactable, touched this calendar month, and at risk of a month without touch.
 */
export const CONTACT_HEALTH = ['contactable', 'touched', 'at_risk'] as const;

/** One contact health group. */
export type ContactHealth = (typeof CONTACT_HEALTH)[number];
