import { accountRows } from './accounts.ts';
import { backOfficeRows } from './back-office.ts';
import { broadcastRows } from './broadcasts.ts';
import { consoleRows } from './console.ts';
import { contentRows } from './content.ts';
import { importRows } from './import.ts';
import { leadRows } from './leads.ts';
import type { Row } from './table.ts';
import { webhookRows } from './webhooks.ts';
import { segmentRows } from './segments.ts';

/** Every row of the bad-input table: one per route and case. Add a family's file here
 * (the console's last: its sign-out rows must not end the sessions other rows use). */
export const ROWS: readonly Row[] = [
  ...leadRows,
  ...contentRows,
  ...webhookRows,
  ...backOfficeRows,
  ...accountRows,
  ...broadcastRows,
  ...importRows,
  ...segmentRows,
  ...consoleRows,
];
