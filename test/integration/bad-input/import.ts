import { auth } from '../../support/services.ts';
import { keyCases } from './cases.ts';
import type { Fixtures, Row } from './table.ts';

// The CSV import: text/csv only; a file is refused whole (4xx) for what makes its rows
// untrustworthy, and row by row (200, listed in `errors`, nothing stored) for bad cells.

const ROUTE = 'POST /v1/leads/import';
const csv =
  (body: string | Buffer, contentType = 'text/csv; charset=utf-8', headers: Record<string, string> = auth) =>
  () => ({
    method: 'POST' as const,
    url: '/v1/leads/import',
    headers: { ...headers, 'content-type': contentType },
    payload: body,
  });
/** A file whose every row is refused: answered 200, and nothing is stored. */
const rejectedRows = (name: string, body: string): Row => ({
  route: ROUTE,
  case: name,
  request: csv(body),
  status: 200,
});

export const importRows: Row[] = [
  ...keyCases(ROUTE, (f: Fixtures) => csv(`email\nimport-${f.leadId.slice(0, 8)}@example.jp\n`)()),
  {
    route: ROUTE,
    case: 'JSON instead of CSV',
    request: csv('{"email":"a@example.jp"}', 'application/json'),
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    route: ROUTE,
    case: 'an unknown charset',
    request: csv('email\na@example.jp\n', 'text/csv; charset=ebcdic'),
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    route: ROUTE,
    case: 'no content type',
    request: () => ({ method: 'POST', url: '/v1/leads/import', headers: auth, payload: 'email\na@example.jp\n' }),
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    route: ROUTE,
    case: 'invalid UTF-8 declared as UTF-8',
    request: csv(
      Buffer.concat([Buffer.from('email,name\na@example.jp,'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('\n')]),
    ),
    status: 400,
    code: 'malformed',
  },
  {
    route: ROUTE,
    case: 'a quote never closed',
    request: csv('email,name\na@example.jp,"open\nb@example.jp,x\n'),
    status: 400,
    code: 'malformed',
  },
  {
    route: ROUTE,
    case: 'an unknown column',
    request: csv('email,"\'; DROP TABLE leads;--"\na@example.jp,x\n'),
    status: 422,
    code: 'invalid',
  },
  { route: ROUTE, case: 'no email column', request: csv('name\nTaro\n'), status: 422, code: 'invalid' },
  {
    route: ROUTE,
    case: 'a repeated column',
    request: csv('email,email\na@example.jp,b@example.jp\n'),
    status: 422,
    code: 'invalid',
  },
  { route: ROUTE, case: 'an empty file', request: csv(''), status: 422, code: 'invalid' },
  {
    route: ROUTE,
    case: 'a custom field column without a name',
    request: csv('email,custom:\na@example.jp,x\n'),
    status: 422,
    code: 'invalid',
  },
  {
    route: ROUTE,
    case: 'two columns for one custom field',
    request: csv('email,custom:業種,カスタム：業種\na@example.jp,x,y\n'),
    status: 422,
    code: 'invalid',
  },
  rejectedRows(
    '51 tags in one cell',
    `email,tags\nfixture-tags@example.jp,${Array.from({ length: 51 }, (_, i) => `t${i}`).join(';')}\n`,
  ),
  rejectedRows('an address that is no address', 'email\nnot-an-address\n'),
  rejectedRows('a NUL in a cell', 'email,name\na-nul@example.jp,before\u0000after\n'),
  rejectedRows('a name over its limit', `email,name\na-long@example.jp,${'x'.repeat(10 * 1024)}\n`),
  rejectedRows('a locale that is not ja or en', 'email,locale\na-locale@example.jp,fr\n'),
  rejectedRows('too many cells', 'email,name\na-cells@example.jp,x,y,z\n'),
  {
    route: ROUTE,
    case: 'SQL, markup, an RTL override and emoji stored verbatim',
    request: csv(
      'email,name,company\nhostile-import@example.jp,"\'; DROP TABLE leads;--","<script>alert(1)</script> invoice\u202Egpj.exe 営業😀"\n',
    ),
    status: 200,
    // An import that makes a lead: its row and its workflow's start, nothing else.
    changesOnly: ['leads'],
    temporal: 'start',
    stored: async (f) => {
      const [lead] = (await f.query("SELECT name, company FROM leads WHERE email = 'hostile-import@example.jp'")) as {
        name: string;
        company: string;
      }[];
      if (
        lead?.name !== "'; DROP TABLE leads;--" ||
        lead.company !== '<script>alert(1)</script> invoice\u202Egpj.exe 営業😀'
      )
        throw new Error(`stored ${JSON.stringify(lead)}`);
    },
  },
];
