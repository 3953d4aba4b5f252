import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { roleAllows, ROLES } from '../../../domain/roles.ts';
import type { Fixtures, Row } from './table.ts';

/** Strings every string field must survive: stored verbatim where they are data, else a 422. */
export const HOSTILE = {
  'SQL metacharacters': "'; DROP TABLE leads;--",
  'an HTML script tag': '<script>alert("x")</script>',
  'an RTL override': 'invoice\u202Egpj.exe',
  emoji: '営業😀👍🏽',
  'a NUL character': 'before\u0000after',
  'a 10 KB string': 'x'.repeat(10 * 1024),
} as const;
type Hostile = keyof typeof HOSTILE;
/** The hostile strings that are legitimate text (stored when the field is free text). */
const LEGITIMATE: readonly Hostile[] = ['SQL metacharacters', 'an HTML script tag', 'an RTL override', 'emoji'];

/** How a route takes a body: where it is, and the credentials for given bytes (a key, or a signature over them). */
export interface BodyRoute {
  route: string;
  url: (f: Fixtures) => string;
  credentials: (f: Fixtures, raw: Buffer) => Record<string, string>;
  /** A body the route accepts. */
  valid: (f: Fixtures) => unknown;
  /** The answer to an empty JSON body, when not 400 (a signed webhook checks the signature first). */
  empty?: number;
  /** Provider formats take fields we do not know; no "unknown field" row then. */
  open?: boolean;
  /** The route's success status (200 answered, 201 created, 202 signalled): what a legitimate hostile string gets. */
  ok?: number;
}

const methodOf = (route: string): InjectOptions['method'] => route.split(' ')[0];

/** A request with `raw` as the body, with the route's credentials over exactly these bytes. */
export function send(
  r: BodyRoute,
  f: Fixtures,
  raw: Buffer | string,
  contentType: string | null = 'application/json',
): InjectOptions {
  const bytes = Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
  return {
    method: methodOf(r.route),
    url: r.url(f),
    headers: { ...r.credentials(f, bytes), ...(contentType === null ? {} : { 'content-type': contentType }) },
    payload: bytes,
  };
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

/** Sets `path` (`/a/b`) in a copy of `body`; `undefined` removes it. */
export function withField(body: unknown, path: string, value: unknown): unknown {
  const copy = structuredClone(body) as Record<string, unknown>;
  const keys = path.split('/').slice(1);
  let target = copy;
  for (const key of keys.slice(0, -1)) target = target[key] as Record<string, unknown>;
  const last = keys.at(-1) as string;
  if (value === undefined) delete target[last];
  else target[last] = value;
  return copy;
}

/** 10,000 nested arrays, as text (JSON.stringify would recurse as deep). */
const DEEP_ARRAYS = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
const DEEP_OBJECTS = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;

/**
 * The cases every JSON body route must answer the same way, whatever its schema: wrong
 * content types (415), broken JSON and bytes that are not UTF-8 (400), an empty body, a
 * body over 1 MiB (413), deep nesting and an unknown field (422).
 */
export function bodyCases(r: BodyRoute): Row[] {
  const row = (name: string, request: Row['request'], status: Row['status'], code?: string, names?: string[]): Row => ({
    route: r.route,
    case: name,
    request,
    status,
    ...(code ? { code } : {}),
    ...(names ? { names } : {}),
  });
  const validText = (f: Fixtures) => JSON.stringify(r.valid(f));
  return [
    row('text/plain content type', (f) => send(r, f, validText(f), 'text/plain'), 415, 'unsupported_media_type'),
    row(
      'XML content type',
      (f) => send(r, f, '<lead><email>a@example.jp</email></lead>', 'application/xml'),
      415,
      'unsupported_media_type',
    ),
    row('no content type', (f) => send(r, f, validText(f), null), 415, 'unsupported_media_type'),
    row('truncated JSON', (f) => send(r, f, validText(f).slice(0, -3)), 400, 'malformed'),
    row('malformed JSON', (f) => send(r, f, '{"email": "a@example.jp",,}'), 400, 'malformed'),
    row('empty body', (f) => send(r, f, ''), r.empty ?? 400),
    row(
      'body over 1 MB',
      (f) => send(r, f, JSON.stringify({ padding: 'x'.repeat(1024 * 1024) })),
      413,
      'body_too_large',
    ),
    // A valid body whose first string has bytes that are not UTF-8 (0xC3 0x28, 0xFF).
    row(
      'invalid UTF-8 bytes',
      (f) => {
        const text = validText(f);
        const at = text.indexOf('":"') + 3;
        return send(
          r,
          f,
          Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from(text.slice(at))]),
        );
      },
      400,
      'malformed',
    ),
    // JSON.parse takes 10,000 levels; the schema refuses an array where an object belongs.
    row('10,000 nested arrays', (f) => send(r, f, DEEP_ARRAYS), 422, 'invalid'),
    row(
      '10,000 nested objects in a field',
      (f) => send(r, f, `${validText(f).slice(0, -1)},"nested":${DEEP_OBJECTS}}`),
      422,
      'invalid',
    ),
    row('an array instead of an object', (f) => send(r, f, json([r.valid(f)])), 422, 'invalid'),
    ...(r.open
      ? []
      : [
          row(
            'an unknown field',
            (f) => send(r, f, json({ ...(r.valid(f) as object), unexpectedField: 1 })),
            422,
            'invalid',
            ['unexpectedField'],
          ),
        ]),
  ];
}

/** What storing a field changes: the tables (none: a field read back from the answer only) and the Temporal call. */
export type Effect = Pick<Row, 'changesOnly' | 'temporal'>;

/**
 * What a string field is: `data` (hostile text is stored verbatim up to `max` characters,
 * `stored` reads it back, `effect` is all it changes), `ignored` (accepted, changes
 * nothing), `lookup` (names a record: legitimate text finds none, 404) or `strict` (any
 * hostile string is a 422).
 */
export type FieldKind =
  | {
      kind: 'data';
      max: number;
      stored: (f: Fixtures, response: LightMyRequestResponse) => Promise<unknown>;
      effect: Effect;
    }
  | { kind: 'ignored'; max: number }
  | { kind: 'lookup'; max: number }
  | { kind: 'strict' };

/** A free-text field stored and read back by `stored`, changing what `effect` says and nothing else. */
export const data = (
  max: number,
  stored: (f: Fixtures, response: LightMyRequestResponse) => Promise<unknown>,
  effect: Effect,
): FieldKind => ({ kind: 'data', max, stored, effect });
/** A constrained field: any hostile string is a 422. */
export const strict: FieldKind = { kind: 'strict' };

function hostileOutcome(
  kind: FieldKind,
  name: Hostile,
  value: string,
  field: string,
  ok: number,
): Pick<Row, 'status' | 'code' | 'names' | 'stored' | 'changesOnly' | 'temporal'> {
  const legitimate = kind.kind !== 'strict' && LEGITIMATE.includes(name) && value.length <= kind.max;
  if (!legitimate) return { status: 422, code: 'invalid', names: [field] };
  switch (kind.kind) {
    case 'lookup':
      return { status: 404, code: 'not_found' };
    // `ignored` fields change nothing (the snapshot); `data` ones are stored verbatim
    // (`stored`), changing only what their effect names.
    case 'ignored':
      return { status: ok };
    case 'data':
      return {
        status: ok,
        ...kind.effect,
        // Stored verbatim, and given back as JSON (escaped, never raw markup in HTML).
        stored: async (f, response) =>
          expect(JSON.stringify(await kind.stored(f, response))).toContain(JSON.stringify(value).slice(1, -1)),
      };
  }
}

/**
 * Per string field (a JSON path of the valid body): a number instead (422), and each
 * hostile string, answered as its {@link FieldKind} says; a NUL, a string over the
 * field's limit or a constrained field is always a 422 naming the field.
 */
export function stringFieldCases(r: BodyRoute, fields: Record<string, FieldKind>): Row[] {
  const rows: Row[] = [];
  for (const [path, kind] of Object.entries(fields)) {
    const field = path.split('/').at(-1) as string;
    const body = (f: Fixtures, value: unknown) => json(withField(r.valid(f), path, value));
    // An object, not a number: Fastify's schema coercion takes 12345 as "12345" (docs/api.md: Bad input).
    rows.push({
      route: r.route,
      case: `${path}: an object instead of a string`,
      request: (f) => send(r, f, body(f, { $gt: '' })),
      status: 422,
      code: 'invalid',
      names: [field],
    });
    for (const [name, value] of Object.entries(HOSTILE) as [Hostile, string][]) {
      rows.push({
        route: r.route,
        case: `${path}: ${name}`,
        request: (f) => send(r, f, body(f, value)),
        ...hostileOutcome(kind, name, value, field, r.ok ?? 200),
      });
    }
  }
  return rows;
}

/** Each required field left out: 422 naming it. */
export function missingFieldCases(r: BodyRoute, required: readonly string[]): Row[] {
  return required.map((path) => ({
    route: r.route,
    case: `${path} missing`,
    request: (f: Fixtures) => send(r, f, json(withField(r.valid(f), path, undefined))),
    status: 422,
    code: 'invalid',
    names: [path.split('/').at(-1) as string],
  }));
}

/** No key and a wrong key (401), and a role that may not call the route (403), if there is one. */
export function keyCases(route: string, request: (f: Fixtures) => InjectOptions): Row[] {
  const [verb, pattern] = route.split(' ') as [string, string];
  const forbidden = ROLES.find((role) => role !== 'admin' && !roleAllows(role, verb, pattern)) as
    Exclude<(typeof ROLES)[number], 'admin'> | undefined;
  const without = (f: Fixtures) => {
    const options = request(f);
    const headers = Object.fromEntries(
      Object.entries(options.headers ?? {}).filter(([name]) => name.toLowerCase() !== 'authorization'),
    );
    return { ...options, headers };
  };
  return [
    { route, case: 'no API key', request: without, status: 401, code: 'unauthorized' },
    {
      route,
      case: 'a wrong API key',
      request: (f) => ({
        ...without(f),
        headers: { ...without(f).headers, authorization: 'Bearer lle_not-a-key-at-all' },
      }),
      status: 401,
      code: 'unauthorized',
    },
    {
      route,
      case: 'a Basic instead of a Bearer key',
      request: (f) => ({ ...without(f), headers: { ...without(f).headers, authorization: 'Basic YWRtaW46YWRtaW4=' } }),
      status: 401,
      code: 'unauthorized',
    },
    ...(forbidden === undefined
      ? []
      : [
          {
            route,
            case: `a ${forbidden} key`,
            request: (f: Fixtures) => ({
              ...without(f),
              headers: { ...without(f).headers, authorization: `Bearer ${f.keys[forbidden]}` },
            }),
            status: 403,
            code: 'forbidden',
          },
        ]),
  ];
}

/** Query string cases: each given as `name=value` (encoded here) with its expected status. */
export function queryCases(
  route: string,
  url: string,
  credentials: (f: Fixtures) => Record<string, string>,
  cases: [string, Record<string, string>, number, string?][],
): Row[] {
  return cases.map(([name, query, status, field]) => ({
    route,
    case: name,
    request: (f: Fixtures) => ({
      method: methodOf(route),
      url: `${url}?${new URLSearchParams(query).toString()}`,
      headers: credentials(f),
    }),
    status,
    ...(status >= 400 ? { code: status === 404 ? 'not_found' : 'invalid' } : {}),
    ...(field ? { names: [field] } : {}),
  }));
}

/** Ids that are malformed, unknown, hostile or too long in a path: never a 5xx. */
export const BAD_IDS = {
  'a malformed id': 'not-a-uuid',
  'an unknown id': '00000000-0000-4000-8000-000000000000',
  'SQL in the id': encodeURIComponent("' OR '1'='1"),
  'a NUL in the id': '%00',
  'an id over 100 characters': 'a'.repeat(150),
} as const;

/** Keys (cadences, templates) that no key can be: 422 for the shape, 404 past the router's limit. */
export const BAD_KEYS = {
  'SQL in the key': encodeURIComponent("'; DROP TABLE cadences;--"),
  'a NUL in the key': '%00',
  'an upper-case key': 'Default',
  'a key over 100 characters': 'a'.repeat(150),
} as const;

/**
 * How a route answers a bad key: the key's shape is checked (422), except a key over 100
 * characters, which the router's parameter limit answers 404 before the route runs.
 */
export const KEY_STATUS = (name: string): number => (name === 'a key over 100 characters' ? 404 : 422);

/** Bad ids in place of `:param`: 404, or per id as `status` says (keys: {@link KEY_STATUS}). */
export function badIdCases(
  route: string,
  url: (id: string) => string,
  credentials: (f: Fixtures) => Record<string, string>,
  status: number | ((name: string) => number) = 404,
  ids: Record<string, string> = BAD_IDS,
): Row[] {
  return Object.entries(ids).map(([name, id]) => ({
    route,
    case: name,
    request: (f: Fixtures) => ({ method: methodOf(route), url: url(id), headers: credentials(f) }),
    status: typeof status === 'number' ? status : status(name),
  }));
}
