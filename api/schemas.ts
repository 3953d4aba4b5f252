import Type from 'typebox';

/** A key of a cadence or template, as it appears in URLs. */
export const KeyParams = Type.Object({ key: Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z0-9][a-z0-9_-]*$' }) });

/** A template key in a URL: a leading `_` names a shared partial or layout. */
export const TemplateKeyParams = Type.Object({ key: Type.String({ minLength: 1, maxLength: 100, pattern: '^_?[a-z0-9][a-z0-9_-]*$' }) });

/** An id in a URL. Its format is checked in the handler, so a malformed id answers 404 like an unknown one. */
export const IdParams = Type.Object({ id: Type.String({ maxLength: 100 }) });

/** A UUID in any case, the form of every id. */
export { UUID_PATTERN } from '../db/uuid.ts';

/** The error body, for response schemas and OpenAPI. */
export const ErrorSchema = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Unknown()) }),
});
