import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, startTestServices } from '../support/services.ts';

interface Page {
  items: { email: string; stage: string; profile: { company: string | null } }[];
  nextCursor: string | null;
}

describe('GET /v1/leads', () => {
  let app: FastifyInstance;
  let pool: pg.Pool;
  const stops: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    const services = await startTestServices({ worker: false });
    ({ app, pool } = services);
    stops.push(services.stop);
    for (let i = 0; i < 7; i++) {
      await app.inject({
        method: 'POST',
        url: '/v1/leads',
        headers: auth,
        payload: {
          email: `list-${i}@example.jp`,
          company: i % 2 === 0 ? `山田商事 ${i}` : `Example ${i}`,
          ownerEmail: i < 3 ? 'rep-a@example.com' : 'rep-b@example.com',
        },
      });
    }
    // Stage and score as the workflows would have written them.
    await pool.query(
      "UPDATE leads SET stage = 'deal', score = 80 WHERE email IN ('list-5@example.jp', 'list-6@example.jp')",
    );
  });
  afterAll(async () => {
    for (const stop of stops) await stop();
  });

  const list = async (query: string) =>
    (await app.inject({ method: 'GET', url: `/v1/leads${query}`, headers: auth })).json<Page>();

  it('pages through every lead newest first with a cursor, each lead once', async () => {
    const seen: string[] = [];
    let page = await list('?limit=3');
    seen.push(...page.items.map((l) => l.email));
    while (page.nextCursor) {
      page = await list(`?limit=3&cursor=${page.nextCursor}`);
      seen.push(...page.items.map((l) => l.email));
    }
    expect(seen).toEqual([6, 5, 4, 3, 2, 1, 0].map((i) => `list-${i}@example.jp`));
  });

  it('skips no lead created within the millisecond of a page’s last lead', async () => {
    // Leads inserted in statements of three: a statement's rows share its transaction's
    // instant, so several leads to a millisecond happen on a machine of any speed or load
    // (one row per statement left it to chance, and a loaded CI machine lost that bet).
    // Before creation instants were kept in milliseconds, a lead created later in the same
    // millisecond as a page's last lead, but sorting after it, was on no page.
    for (let i = 0; i < 60; i += 3)
      await pool.query(
        "INSERT INTO leads (email, cadence_key, owner_email) VALUES ($1, 'default', 'burst@example.com'), ($2, 'default', 'burst@example.com'), ($3, 'default', 'burst@example.com')",
        [`burst-${i}@example.jp`, `burst-${i + 1}@example.jp`, `burst-${i + 2}@example.jp`],
      );
    const sameMillisecond = await pool.query<{ n: string }>(
      "SELECT count(*) AS n FROM leads WHERE owner_email = 'burst@example.com' GROUP BY date_trunc('milliseconds', created_at) HAVING count(*) > 1",
    );
    // The case this test is about happened.
    expect(sameMillisecond.rowCount).toBeGreaterThan(0);
    for (const limit of [1, 2, 7]) {
      const seen: string[] = [];
      let page = await list(`?owner=burst@example.com&limit=${limit}`);
      seen.push(...page.items.map((l) => l.email));
      while (page.nextCursor) {
        page = await list(`?owner=burst@example.com&limit=${limit}&cursor=${page.nextCursor}`);
        seen.push(...page.items.map((l) => l.email));
      }
      expect(seen.sort(), `pages of ${limit}`).toEqual(
        Array.from({ length: 60 }, (_, i) => `burst-${i}@example.jp`).sort(),
      );
    }
  });

  it('filters by stage, score, owner and text in name, company or email', async () => {
    expect((await list('?stage=deal')).items.map((l) => l.email).sort()).toEqual([
      'list-5@example.jp',
      'list-6@example.jp',
    ]);
    expect((await list('?scoreMin=50')).items).toHaveLength(2);
    expect((await list('?owner=REP-A@example.com')).items).toHaveLength(3);
    expect((await list('?q=山田')).items.map((l) => l.profile.company)).toEqual([
      '山田商事 6',
      '山田商事 4',
      '山田商事 2',
      '山田商事 0',
    ]);
    expect((await list('?q=%25')).items).toHaveLength(0);
  });

  it('refuses a cursor it did not give, and an unknown filter', async () => {
    const forged = await app.inject({ method: 'GET', url: '/v1/leads?cursor=bm90LWEtY3Vyc29y', headers: auth });
    expect(forged.statusCode).toBe(422);
    expect((await app.inject({ method: 'GET', url: '/v1/leads?colour=red', headers: auth })).statusCode).toBe(422);
  });
});
