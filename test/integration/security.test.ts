import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, startTestServices } from '../support/services.ts';

// The security review's findings (issue 13), one describe each; docs/security.md says why.

const cookiesOf = (res: LightMyRequestResponse): string => res.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
const hiddenCsrf = (page: string) => /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';

/** Where a browser on the site goes with this Location. */
const landing = (location: unknown) => new URL(String(location), 'https://leads.example').origin;

// Forms that a regular expression let through, and that a browser takes off the site.
const EVIL_NEXT = ['//evil.example', '/\\evil.example', '/\t/evil.example', '/\n/evil.example', '/\r\n/evil.example', '/%09/evil.example', 'https://evil.example', '/%2F%2Fevil.example', '\\\\evil.example', '/..//evil.example', '/./\\evil.example'];

describe('security review findings', () => {
  let app: FastifyInstance;
  let pool: pg.Pool;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ app, pool, stop } = await startTestServices({ worker: false }));
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
      const key = (await app.inject({ method: 'POST', url: '/v1/api-keys', headers: auth, payload: { name: 'redirects', role: 'marketer' } })).json<{ key: string }>().key;
      for (const next of EVIL_NEXT) {
        const form = await app.inject({ method: 'GET', url: `/sign-in?next=${encodeURIComponent(next)}` });
        const hiddenNext = /name="next" value="([^"]*)"/.exec(form.body)?.[1] ?? '';
        expect(landing(hiddenNext.replaceAll('&amp;', '&'))).toBe('https://leads.example');
        const res = await app.inject({ method: 'POST', url: '/sign-in', headers: { cookie: cookiesOf(form) }, payload: { key, _csrf: hiddenCsrf(form.body), next } });
        expect(res.statusCode).toBe(303);
        expect(landing(res.headers.location)).toBe('https://leads.example');
      }
      const home = await app.inject({ method: 'GET', url: '/lang/ja?next=%2Fleads%3Fstage%3Dnurture' });
      expect(home.headers.location).toBe('/leads?stage=nurture');
      expect((await pool.query('SELECT 1 FROM console_sessions')).rowCount).toBe(EVIL_NEXT.length);
    });
  });
});
