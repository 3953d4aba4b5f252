import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client, Connection } from '@temporalio/client';
import { buildApp } from '../../api/app.ts';
import { signToken } from '../../mail/tokens.ts';
import { ADMIN_KEY, APP_SECRET, auth, startTestApp, startTestServices, testAppConfig } from '../support/services.ts';

// The security review's findings (issue 13), one describe each; docs/security.md says why.

const cookiesOf = (res: LightMyRequestResponse): string => res.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
const hiddenCsrf = (page: string) => /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';

/** Where a browser on the site goes with this Location. */
const landing = (location: unknown) => new URL(String(location), 'https://leads.example').origin;

// Forms that a regular expression let through, and that a browser takes off the site.
const EVIL_NEXT = [
  '//evil.example',
  '/\\evil.example',
  '/\t/evil.example',
  '/\n/evil.example',
  '/\r\n/evil.example',
  '/%09/evil.example',
  'https://evil.example',
  '/%2F%2Fevil.example',
  '\\\\evil.example',
  '/..//evil.example',
  '/./\\evil.example',
];

describe('security review findings', () => {
  let app: FastifyInstance;
  let pool: pg.Pool;
  let client: Client;
  let taskQueue: string;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ app, pool, client, taskQueue, stop } = await startTestServices({ worker: false }));
  });
  afterAll(async () => stop());

  describe('redirects after sign-in and the language switch', () => {
    it.each(EVIL_NEXT)('keeps /lang/en?next=%j on the site', async (next) => {
      const res = await app.inject({ method: 'GET', url: `/lang/en?next=${encodeURIComponent(next)}` });
      expect(res.statusCode).toBe(303);
      expect(landing(res.headers.location)).toBe('https://leads.example');
      expect(String(res.headers.location)).not.toMatch(/^\/\/|[\s\\]/);
    });

    it('keeps sign-in on the site whatever next it is posted with', async () => {
      const key = (
        await app.inject({
          method: 'POST',
          url: '/v1/api-keys',
          headers: auth,
          payload: { name: 'redirects', role: 'marketer' },
        })
      ).json<{ key: string }>().key;
      for (const next of EVIL_NEXT) {
        const form = await app.inject({ method: 'GET', url: `/sign-in?next=${encodeURIComponent(next)}` });
        const hiddenNext = /name="next" value="([^"]*)"/.exec(form.body)?.[1] ?? '';
        expect(landing(hiddenNext.replaceAll('&amp;', '&'))).toBe('https://leads.example');
        const res = await app.inject({
          method: 'POST',
          url: '/sign-in',
          headers: { cookie: cookiesOf(form) },
          payload: { key, _csrf: hiddenCsrf(form.body), next },
        });
        expect(res.statusCode).toBe(303);
        expect(landing(res.headers.location)).toBe('https://leads.example');
      }
      const home = await app.inject({ method: 'GET', url: '/lang/ja?next=%2Fleads%3Fstage%3Dnurture' });
      expect(home.headers.location).toBe('/leads?stage=nurture');
      expect((await pool.query('SELECT 1 FROM console_sessions')).rowCount).toBe(EVIL_NEXT.length);
    });
  });

  describe('security headers', () => {
    const expectPageHeaders = (res: LightMyRequestResponse, what: string) => {
      expect(String(res.headers['content-type']), what).toMatch(/^text\/html/);
      expect(res.headers['x-content-type-options'], what).toBe('nosniff');
      expect(String(res.headers['content-security-policy']), what).toMatch(/frame-ancestors '(none|self)'/);
      expect(String(res.headers['content-security-policy']), what).toMatch(/default-src '(none|self)'/);
      expect(res.headers['x-frame-options'], what).toMatch(/^(DENY|SAMEORIGIN)$/);
    };

    it('sends nosniff, a CSP and a framing refusal with every HTML page, signed in or not', async () => {
      expectPageHeaders(await app.inject({ method: 'GET', url: '/sign-in' }), 'sign-in');
      // A console error page: a form posted without a session.
      const error = await app.inject({ method: 'POST', url: '/sign-out' });
      expect(error.statusCode).toBe(401);
      expectPageHeaders(error, 'console error page');
      expectPageHeaders(await app.inject({ method: 'GET', url: '/u/not-a-token' }), 'unsubscribe page');
      expectPageHeaders(await app.inject({ method: 'GET', url: '/t/c/not-a-token' }), 'click page');
      const docs = await app.inject({ method: 'GET', url: '/docs' });
      expect(docs.statusCode).toBe(200);
      expectPageHeaders(docs, 'Swagger UI');
    });

    it('keeps a CSP under which Swagger UI still loads its own scripts and styles', async () => {
      const docs = await app.inject({ method: 'GET', url: '/docs' });
      const csp = String(docs.headers['content-security-policy']);
      const scripts = [...docs.body.matchAll(/<script[^>]*src="([^"]+)"/g)].map((m) => m[1] ?? '');
      expect(scripts.length).toBeGreaterThan(0);
      // Every script is a file of this origin, none inline: what script-src 'self' allows.
      expect(docs.body).not.toMatch(/<script(?![^>]*src=)[^>]*>\s*\S/);
      for (const src of scripts) {
        const script = await app.inject({ method: 'GET', url: new URL(src, 'http://x/docs').pathname });
        expect(script.statusCode, src[1]).toBe(200);
        expect(String(script.headers['content-type'])).toMatch(/javascript/);
      }
      expect(csp).toMatch(/script-src 'self'/);
      expect(csp).not.toContain('unsafe-eval');
    });

    it('sends nosniff with JSON answers, errors included', async () => {
      const ok = await app.inject({ method: 'GET', url: '/v1/leads', headers: auth });
      expect(ok.statusCode).toBe(200);
      expect(ok.headers['x-content-type-options']).toBe('nosniff');
      const refused = await app.inject({ method: 'GET', url: '/v1/leads' });
      expect(refused.statusCode).toBe(401);
      expect(refused.headers['x-content-type-options']).toBe('nosniff');
      expect((await app.inject({ method: 'GET', url: '/no-such-route' })).headers['x-content-type-options']).toBe(
        'nosniff',
      );
      expect((await app.inject({ method: 'GET', url: '/openapi.json' })).headers['x-content-type-options']).toBe(
        'nosniff',
      );
    });
  });

  describe('the request log', () => {
    it('never holds the token of an unsubscribe, open or click link', async () => {
      const lines: string[] = [];
      const stream = { write: (line: string) => lines.push(line) };
      const logged = await buildApp(
        {
          config: testAppConfig({ temporalTaskQueue: taskQueue }),
          db: pool,
          temporal: { client, connection: client.connection as Connection },
        },
        { logger: { level: 'info', stream } },
      );
      try {
        const tokens = {
          u: signToken(APP_SECRET, { p: 'unsubscribe', l: '00000000-0000-4000-8000-000000000000', d: 'k' }),
          't/o': signToken(APP_SECRET, { p: 'open', l: '00000000-0000-4000-8000-000000000000', d: 'k' }),
          't/c': signToken(APP_SECRET, {
            p: 'click',
            l: '00000000-0000-4000-8000-000000000000',
            d: 'k',
            u: 'https://example.com/',
          }),
        };
        for (const [prefix, token] of Object.entries(tokens)) {
          await logged.inject({ method: 'GET', url: `/${prefix}/${token}?utm=1` });
          await logged.inject({
            method: 'POST',
            url: `/${prefix}/${token}`,
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            payload: 'List-Unsubscribe=One-Click',
          });
        }
        const log = lines.join('');
        expect(log).toContain('/u/[redacted]');
        expect(log).toContain('/t/o/[redacted]');
        expect(log).toContain('/t/c/[redacted]');
        for (const token of Object.values(tokens)) {
          expect(log).not.toContain(token);
          expect(log).not.toContain(token.split('.')[1]);
        }
      } finally {
        await logged.close();
      }
    });
  });

  describe('failed authentication', () => {
    it('answers 429 with Retry-After once an address has used up its failures, before looking at any key', async () => {
      const limited = await startTestApp({ pool, taskQueue, config: { authFailuresPerMinute: 3 } });
      try {
        const from = (remoteAddress: string, key: string) =>
          limited.app.inject({
            method: 'GET',
            url: '/v1/leads',
            remoteAddress,
            headers: { authorization: `Bearer ${key}` },
          });
        for (let i = 0; i < 3; i++) expect((await from('203.0.113.7', `lle_guess_${i}`)).statusCode).toBe(401);
        const refused = await from('203.0.113.7', 'lle_guess_3');
        expect(refused.statusCode).toBe(429);
        expect(refused.json()).toMatchObject({
          error: { code: 'too_many_failures', message: expect.stringContaining('retry in') },
        });
        expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
        expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
        // Even the right key: answering it differently would tell a guesser when they are right.
        expect((await from('203.0.113.7', ADMIN_KEY)).statusCode).toBe(429);
        // Other addresses, and requests without any credentials, are not affected.
        expect((await from('203.0.113.8', ADMIN_KEY)).statusCode).toBe(200);
        for (let i = 0; i < 5; i++)
          expect(
            (await limited.app.inject({ method: 'GET', url: '/v1/leads', remoteAddress: '203.0.113.9' })).statusCode,
          ).toBe(401);
        expect((await from('203.0.113.9', ADMIN_KEY)).statusCode).toBe(200);
      } finally {
        await limited.close();
      }
    });

    it('limits console sign-in guesses the same way, with a page', async () => {
      const limited = await startTestApp({ pool, taskQueue, config: { authFailuresPerMinute: 2 } });
      try {
        const guess = async (key: string) => {
          const form = await limited.app.inject({ method: 'GET', url: '/sign-in', remoteAddress: '198.51.100.4' });
          return limited.app.inject({
            method: 'POST',
            url: '/sign-in',
            remoteAddress: '198.51.100.4',
            headers: { cookie: cookiesOf(form) },
            payload: { key, _csrf: hiddenCsrf(form.body) },
          });
        };
        expect((await guess('lle_one')).statusCode).toBe(401);
        expect((await guess('lle_two')).statusCode).toBe(401);
        const refused = await guess(ADMIN_KEY);
        expect(refused.statusCode).toBe(429);
        expect(String(refused.headers['content-type'])).toMatch(/^text\/html/);
        expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
        expect(refused.cookies.find((c) => c.name === 'lle_session')).toBeUndefined();
      } finally {
        await limited.close();
      }
    });

    it('keeps the per-key request limit for keys that authenticate', async () => {
      const limited = await startTestApp({
        pool,
        taskQueue,
        config: { authFailuresPerMinute: 1, rateLimitPerMinute: 2 },
      });
      try {
        const get = () =>
          limited.app.inject({ method: 'GET', url: '/v1/leads', remoteAddress: '192.0.2.1', headers: auth });
        expect((await get()).statusCode).toBe(200);
        expect((await get()).statusCode).toBe(200);
        const third = await get();
        expect(third.statusCode).toBe(429);
        expect(third.json()).toMatchObject({ error: { code: 'rate_limited' } });
      } finally {
        await limited.close();
      }
    });
  });
});
