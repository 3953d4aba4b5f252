import { auth } from '../../support/services.ts';
import { badIdCases, keyCases, queryCases } from './cases.ts';
import type { Row } from './table.ts';

// Accounts: read-only lists; bad input is a 4xx and reads nothing it should not.

const admin = () => auth;
const SOME_ID = '00000000-0000-4000-8000-000000000000';

/** The bad-input rows of the account routes. */
export const accountRows: Row[] = [
  ...keyCases('GET /v1/accounts', () => ({ method: 'GET', url: '/v1/accounts', headers: auth })),
  ...queryCases('GET /v1/accounts', '/v1/accounts', admin, [
    ['a limit of 0', { limit: '0' }, 422, 'limit'],
    ['a limit over 200', { limit: '201' }, 422, 'limit'],
    ['a limit that is no number', { limit: 'ten' }, 422, 'limit'],
    ['an unknown parameter', { name: 'x' }, 422, 'name'],
    ['an empty q', { q: '' }, 422, 'q'],
    ['a NUL in q', { q: 'a\u0000b' }, 422, 'q'],
    ['a 10 KB q', { q: 'x'.repeat(10 * 1024) }, 422, 'q'],
    ['a made-up cursor', { cursor: 'eyJpZCI6MX0' }, 422, 'cursor'],
    ['SQL in the cursor', { cursor: "'; DROP TABLE accounts;--" }, 422, 'cursor'],
    ['SQL metacharacters in q (data)', { q: "'; DROP TABLE accounts;--" }, 200],
    ['LIKE wildcards in q (data)', { q: '%_\\' }, 200],
    ['full-width q (data)', { q: 'ＳＡＭＰＬＥ' }, 200],
  ]),
  ...keyCases('GET /v1/accounts/:id', () => ({ method: 'GET', url: `/v1/accounts/${SOME_ID}`, headers: auth })),
  ...badIdCases('GET /v1/accounts/:id', (id) => `/v1/accounts/${id}`, admin),
];
