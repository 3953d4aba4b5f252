import Type from 'typebox';

/** A key of a cadence or template, as it appears in URLs. */
export const KeyParams = Type.Object({ key: Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z0-9][a-z0-9_-]*$' }) });

/** A template key in a URL: a leading `_` names a shared partial or layout. */
export const TemplateKeyParams = Type.Object({ key: Type.String({ minLength: 1, maxLength: 100, pattern: '^_?[a-z0-9][a-z0-9_-]*$' }) });

/** An id in a URL. Its format is checked in the handler, so a malformed id answers 404 like an unknown one. */
export const IdParams = Type.Object({ id: Type.String({ maxLength: 100 }) });

/** A lowercase or mixed-case UUID, the form of every lead id. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The error body, for response schemas and OpenAPI. */
export const ErrorSchema = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Unknown()) }),
});
