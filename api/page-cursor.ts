import { unprocessable } from './http-errors.ts';
import { UUID_PATTERN } from './schemas.ts';

/** Where a keyset page ended: an instant (ISO 8601) under `field`, ties broken by id. */
export type PageCursor<F extends string> = Record<F, string> & { id: string };

/** The opaque `nextCursor` a list answers with. */
export const encodeCursor = (cursor: object): string => Buffer.from(JSON.stringify(cursor)).toString('base64url');

/** The cursor a client sent back, or 422: it is ours, so anything else was made up or damaged. */
export function decodeCursor<F extends string>(text: string, field: F): PageCursor<F> {
  try {
    const value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Record<string, unknown>;
    const at = value[field];
    if (typeof at === 'string' && !Number.isNaN(Date.parse(at)) && typeof value.id === 'string' && UUID_PATTERN.test(value.id)) {
      return { [field]: at, id: value.id } as PageCursor<F>;
    }
  } catch {
    // Falls through to the 422 below.
  }
  throw unprocessable('the cursor is not one this API gave', [{ path: 'querystring:/cursor', message: 'use nextCursor from the previous page' }]);
}
