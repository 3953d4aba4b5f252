import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, startTestServices } from '../support/services.ts';

/** The cookies a response set, as a Cookie header value. */
const cookiesOf = (res: LightMyRequestResponse): Record<string, string> =>
  Object.fromEntries(res.cookies.map((c) => [c.name, c.value]));
const cookieHeader = (cookies: Record<string, string>) =>
  Object.entries(cookies)
    .map(([k, v]) => `${k}=${v}`)
    .join('; ');
const hiddenCsrf = (page: string) => /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';

describe('console sessions', () => {
  let app: FastifyInstance;
  let pool: pg.Pool;
  let stop: () => Promise<void>;
  const keys: Record<string, { key: string; id: string }> = {};

  beforeAll(async () => {
    ({ app, pool, stop } = await startTestServices({ worker: false }));
    for (const role of ['marketer', 'sales']) {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: auth,
        payload: { name: `${role} console`, role },
      });
      keys[role] = res.json<{ key: string; id: string }>();
    }
  });
  afterAll(async () => stop());

  /** Signs in as a person would: the form, then posting it with its token and cookie. */
  async function signIn(key: string): Promise<{ cookies: Record<string, string>; csrf: string }> {
    const form = await app.inject({ method: 'GET', url: '/sign-in' });
    expect(form.statusCode).toBe(200);
    const res = await app.inject({
      method: 'POST',
      url: '/sign-in',
      headers: { cookie: cookieHeader(cookiesOf(form)) },
      payload: { key, _csrf: hiddenCsrf(form.body), next: '/leads', lang: 'en' },
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/leads');
    const session = res.cookies.find((c) => c.name === 'lle_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    const cookies = cookiesOf(res);
    const home = await app.inject({ method: 'GET', url: '/', headers: { cookie: cookieHeader(cookies) } });
    expect(home.statusCode).toBe(200);
    return { cookies, csrf: hiddenCsrf(home.body) };
  }

  it('sends a reader without a session to the sign-in form, and back where they were going', async () => {
    const res = await app.inject({ method: 'GET', url: '/dm-tasks' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/sign-in?next=%2Fdm-tasks');
  });

  it('tells htmx to load the sign-in page whole when a polling page has lost its session', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/leads/00000000-0000-4000-8000-000000000000/timeline',
      headers: {
        'hx-request': 'true',
        'hx-current-url': 'http://127.0.0.1:3000/leads/00000000-0000-4000-8000-000000000000',
      },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['hx-redirect']).toBe('/sign-in?next=%2Fleads%2F00000000-0000-4000-8000-000000000000');
    expect(res.body).toBe('');
  });

  it('refuses a wrong key, and a sign-in form posted without its own token', async () => {
    const form = await app.inject({ method: 'GET', url: '/sign-in' });
    const wrong = await app.inject({
      method: 'POST',
      url: '/sign-in',
      headers: { cookie: cookieHeader(cookiesOf(form)) },
      payload: { key: 'lle_wrong', _csrf: hiddenCsrf(form.body) },
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.cookies.find((c) => c.name === 'lle_session')).toBeUndefined();
    const forged = await app.inject({
      method: 'POST',
      url: '/sign-in',
      payload: { key: keys.marketer?.key ?? '', _csrf: 'made-up' },
    });
    expect(forged.statusCode).toBe(403);
    expect((await pool.query('SELECT 1 FROM console_sessions')).rowCount).toBe(0);
  });

  it('never redirects off the site after signing in', async () => {
    const form = await app.inject({ method: 'GET', url: '/sign-in' });
    const res = await app.inject({
      method: 'POST',
      url: '/sign-in',
      headers: { cookie: cookieHeader(cookiesOf(form)) },
      payload: { key: keys.marketer?.key ?? '', _csrf: hiddenCsrf(form.body), next: '//evil.example/x' },
    });
    expect(res.headers.location).toBe('/');
  });

  it('lets the session call the API, and only with the CSRF token for writes', async () => {
    const { cookies, csrf } = await signIn(keys.marketer?.key ?? '');
    const cookie = cookieHeader(cookies);
    expect((await app.inject({ method: 'GET', url: '/v1/leads', headers: { cookie } })).statusCode).toBe(200);
    const forged = await app.inject({
      method: 'POST',
      url: '/v1/leads',
      headers: { cookie },
      payload: { email: 'csrf@example.jp' },
    });
    expect(forged.statusCode).toBe(403);
    expect(forged.json()).toMatchObject({ error: { code: 'csrf' } });
    expect((await pool.query("SELECT 1 FROM leads WHERE email = 'csrf@example.jp'")).rowCount).toBe(0);
    const made = await app.inject({
      method: 'POST',
      url: '/v1/leads',
      headers: { cookie, 'x-csrf-token': csrf },
      payload: { email: 'csrf@example.jp' },
    });
    expect(made.statusCode).toBe(201);
  });

  it('shows a sales rep no menu entries for cadences or templates, and the API refuses them', async () => {
    const { cookies, csrf } = await signIn(keys.sales?.key ?? '');
    const cookie = cookieHeader(cookies);
    const home = await app.inject({ method: 'GET', url: '/', headers: { cookie } });
    expect(home.body).toContain('href="/inbox"');
    expect(home.body).not.toContain('href="/cadences"');
    expect(home.body).not.toContain('href="/templates"');
    const edit = await app.inject({
      method: 'PUT',
      url: '/v1/cadences/sales-try',
      headers: { cookie, 'x-csrf-token': csrf },
      payload: { name: 'x', nurture: { steps: [] } },
    });
    expect(edit.statusCode).toBe(403);
    expect(edit.json()).toMatchObject({ error: { code: 'forbidden' } });
  });

  it('ends every session of a revoked key, and on sign-out', async () => {
    const made = await app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: auth,
      payload: { name: 'short-lived', role: 'marketer' },
    });
    const { key, id } = made.json<{ key: string; id: string }>();
    const { cookies, csrf } = await signIn(key);
    const cookie = cookieHeader(cookies);
    await app.inject({ method: 'DELETE', url: `/v1/api-keys/${id}`, headers: auth });
    expect((await app.inject({ method: 'GET', url: '/v1/leads', headers: { cookie } })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/', headers: { cookie } })).statusCode).toBe(303);

    const other = await signIn(keys.marketer?.key ?? '');
    const out = await app.inject({
      method: 'POST',
      url: '/sign-out',
      headers: { cookie: cookieHeader(other.cookies) },
      payload: { _csrf: other.csrf },
    });
    expect(out.statusCode).toBe(303);
    expect(
      (await app.inject({ method: 'GET', url: '/v1/leads', headers: { cookie: cookieHeader(other.cookies) } }))
        .statusCode,
    ).toBe(401);
    expect(csrf).not.toBe(other.csrf);
  });
});
