import { unprocessable } from './http-errors.ts';
import { UUID_PATTERN } from './schemas.ts';

/** Where a keyset page ended: an instant (ISO 8601) under `field`, ties broken by id. */
export type PageCursor<F extends string> = Record<F, string> & { id: string };

/**
 * The form of every `nextCursor`: the last item's instant and id,
 * `2026-12-01T09:00:00.000Z_<uuid>`. Any text of this form is a position in the list (the
 * pattern is in the document; a day past the month's end rolls over), so a cursor is
 * refused only when it does not have the form.
 */
export const CURSOR_PATTERN =
  '^[1-9][0-9]{3}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\\.[0-9]{3}Z_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

/** The `nextCursor` a list answers with, for the page that ended at `cursor`. */
export const encodeCursor = <F extends string>(cursor: PageCursor<F>, field: F): string =>
  `${new Date(cursor[field]).toISOString()}_${cursor.id.toLowerCase()}`;

/** The position a cursor of {@link CURSOR_PATTERN} names, its instant normalised for PostgreSQL; 422 for anything else. */
export function decodeCursor<F extends string>(text: string, field: F): PageCursor<F> {
  const [instant = '', id = ''] = text.split('_');
  const at = new Date(instant);
  if (Number.isNaN(at.getTime()) || !UUID_PATTERN.test(id)) {
    throw unprocessable('the cursor is not one this API gave', [
      { path: 'querystring:/cursor', message: 'use nextCursor from the previous page' },
    ]);
  }
  return { [field]: at.toISOString(), id } as PageCursor<F>;
}
