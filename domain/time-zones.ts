/**
 * The IANA time zones by their canonical names, as this runtime knows them: what the
 * OpenAPI document lists wherever a time zone is asked for. {@link isTimeZone} also
 * accepts their aliases (`Asia/Calcutta`, `UTC`), which a client may keep sending.
 */
export const TIME_ZONES: readonly string[] = Intl.supportedValuesOf('timeZone');

/** What the OpenAPI document states for a time zone field: one of {@link TIME_ZONES}. */
export const DOCUMENTED_TIME_ZONE = { 'x-document': { $ref: '#/components/schemas/TimeZone' } } as const;
