import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertBulkAction } from '../../db/repositories/bulk-actions.ts';
import { startBulkActionWorkflow } from '../../intake/bulk-action-client.ts';
import {
  auth,
  createTestDatabase,
  startTestApp,
  startTestWorker,
  uniqueTaskQueue,
  waitFor,
} from '../support/services.ts';

interface BulkProgress {
  state: string;
  total: number | null;
  done: number;
  failed: number;
  skipped: number;
  pending: number;
  finishedAt: string | null;
}

describe('segments and bulk actions', () => {
  let app: FastifyInstance;
  let pool: pg.Pool;
  let taskQueue: string;
  let client: Client;
  let worker: { stop: () => Promise<void> } | undefined;
  const stops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    const db = await createTestDatabase();
    pool = db.pool;
    taskQueue = uniqueTaskQueue();
    // No worker yet: each test starts (and stops) the workers it needs.
    const api = await startTestApp({ pool, taskQueue });
    ({ app, client } = api);
    stops.push(api.close, db.drop);
  });
  afterAll(async () => {
    await worker?.stop();
    for (const stop of stops) await stop();
  });

  const insertLeads = async (prefix: string, n: number, extra: { tags?: string[]; owner?: string } = {}) => {
    const { rows } = await pool.query<{ id: string }>(
      `INSERT INTO leads (email, cadence_key, tags, owner_email)
       SELECT $1 || i || '@example.jp', 'default', $3::text[], $4 FROM generate_series(1, $2) i RETURNING id`,
      [prefix, n, extra.tags ?? [], extra.owner ?? null],
    );
    return rows.map((r) => r.id);
  };
  const progress = async (id: string) =>
    (await app.inject({ method: 'GET', url: `/v1/bulk-actions/${id}`, headers: auth })).json<BulkProgress>();
  /** The action's progress once `ready` holds for it. */
  const progressWhen = (id: string, ready: (p: BulkProgress) => boolean, what: string, timeoutMs?: number) =>
    waitFor(
      async () => {
        const p = await progress(id);
        return ready(p) ? p : undefined;
      },
      what,
      timeoutMs,
    );

  it('stores tags normalised and custom fields from POST /v1/leads, and shows them on the lead', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/v1/leads',
      headers: auth,
      payload: {
        email: 'tagged@example.jp',
        tags: [' ＶＩＰ ', 'vip', 'Seminar 2026'],
        customFields: { industry: '製造', employees: 120, partner: true },
      },
    });
    expect(created.statusCode).toBe(201);
    const lead = (
      await app.inject({ method: 'GET', url: `/v1/leads/${created.json<{ id: string }>().id}`, headers: auth })
    ).json<{ tags: string[]; customFields: object; lastTouchAt: string | null }>();
    expect(lead.tags).toEqual(['vip', 'seminar 2026']);
    expect(lead.customFields).toEqual({ industry: '製造', employees: 120, partner: true });
    expect(lead.lastTouchAt).toBeNull();
    const tooMany = await app.inject({
      method: 'POST',
      url: '/v1/leads',
      headers: auth,
      payload: { email: 'tagged@example.jp', tags: Array.from({ length: 51 }, (_, i) => `t${i}`) },
    });
    expect(tooMany.statusCode).toBe(422);
    expect(tooMany.json()).toMatchObject({ error: { code: 'invalid', details: [{ path: '/tags' }] } });
    const after = await pool.query<{ tags: string[] }>("SELECT tags FROM leads WHERE email = 'tagged@example.jp'");
    expect(after.rows[0]?.tags).toEqual(['vip', 'seminar 2026']);
  });

  it('saves a segment, counts it, lists it with today’s count and pages its leads newest first', async () => {
    await insertLeads('seg-', 7, { tags: ['expo'] });
    const saved = await app.inject({
      method: 'POST',
      url: '/v1/segments',
      headers: auth,
      payload: { name: '展示会 2026', query: { tags: { match: 'any', values: ['EXPO'] } } },
    });
    expect(saved.statusCode).toBe(201);
    const segment = saved.json<{ id: string; count: number; query: object }>();
    expect(segment.count).toBe(7);
    expect(segment.query).toEqual({ tags: { match: 'any', values: ['expo'] } });

    const again = await app.inject({
      method: 'POST',
      url: '/v1/segments',
      headers: auth,
      payload: { name: '展示会 2026', query: {} },
    });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ error: { code: 'segment_name_taken' } });

    const list = (await app.inject({ method: 'GET', url: '/v1/segments', headers: auth })).json<{
      items: { id: string; count: number; countDay: string }[];
    }>();
    expect(list.items.find((s) => s.id === segment.id)?.count).toBe(7);

    const emails: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { email: string }[]; nextCursor: string | null } = (
        await app.inject({
          method: 'GET',
          url: `/v1/segments/${segment.id}/leads?limit=3${cursor ? `&cursor=${cursor}` : ''}`,
          headers: auth,
        })
      ).json();
      emails.push(...page.items.map((l) => l.email));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(emails.sort()).toEqual(Array.from({ length: 7 }, (_, i) => `seg-${i + 1}@example.jp`).sort());

    const counts = (await app.inject({ method: 'GET', url: `/v1/segments/${segment.id}/counts`, headers: auth })).json<{
      items: { day: string; count: number }[];
    }>();
    expect(counts.items).toHaveLength(1);
    expect(counts.items[0]?.count).toBe(7);
  });

  it('refuses a segment whose range no lead could match, naming the field, and saves nothing', async () => {
    const before = await pool.query('SELECT count(*)::int AS n FROM segments');
    const res = await app.inject({
      method: 'POST',
      url: '/v1/segments',
      headers: auth,
      payload: { name: 'impossible', query: { scoreMin: 50, scoreMax: 10 } },
    });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ error: { code: 'invalid', details: [{ path: '/query/scoreMax' }] } });
    expect((await pool.query('SELECT count(*)::int AS n FROM segments')).rows).toEqual(before.rows);
  });

  it('applies a bulk action to each lead exactly once while its worker is stopped and replaced mid-run', async () => {
    const ids = await insertLeads('bulk-', 60, { tags: ['bulk'], owner: 'old@example.jp' });
    const segment = (
      await app.inject({
        method: 'POST',
        url: '/v1/segments',
        headers: auth,
        payload: { name: 'bulk owners', query: { tags: { match: 'all', values: ['bulk'] } } },
      })
    ).json<{ id: string }>();
    // Small pages, so the run is many activities long and the stop lands inside it.
    const id = await insertBulkAction(pool, {
      segment: { id: segment.id, name: 'bulk owners' },
      leadIds: undefined,
      action: 'set_owner',
      params: { ownerEmail: 'new@example.jp' },
      requestedBy: 'test',
    });
    const first = await startTestWorker({ pool, taskQueue });
    await startBulkActionWorkflow(client, taskQueue, id, 3);
    await waitFor(async () => (await progress(id)).done >= 9, 'the first pages');
    await first.stop();
    // Leads entering the segment after the start are not touched: the selection is frozen.
    await insertLeads('late-', 3, { tags: ['bulk'], owner: 'old@example.jp' });
    const stopped = await progress(id);
    expect(stopped.state).toBe('running');
    expect(stopped.done).toBeLessThan(60);

    worker = await startTestWorker({ pool, taskQueue });
    const done = await progressWhen(id, (p) => p.state === 'completed', 'the bulk action to complete', 60_000);
    expect(done).toMatchObject({ total: 60, done: 60, failed: 0, skipped: 0, pending: 0 });

    const owners = await pool.query<{ id: string; owner_email: string }>(
      'SELECT id, owner_email FROM leads WHERE id = ANY($1::uuid[])',
      [ids],
    );
    expect(owners.rows.every((r) => r.owner_email === 'new@example.jp')).toBe(true);
    const late = await pool.query("SELECT owner_email FROM leads WHERE email LIKE 'late-%'");
    expect(late.rows.every((r: { owner_email: string }) => r.owner_email === 'old@example.jp')).toBe(true);
    const entries = await pool.query<{ lead_id: string; n: number }>(
      `SELECT lead_id, count(*)::int AS n FROM timeline WHERE kind = 'owner_changed' AND lead_id = ANY($1::uuid[])
        GROUP BY lead_id`,
      [ids],
    );
    expect(entries.rows).toHaveLength(60);
    expect(entries.rows.every((r) => r.n === 1)).toBe(true);
  });

  it('cancels a bulk action before it touches a lead, and a second cancel is a conflict', async () => {
    // No worker polls while the action is requested and cancelled: the workflow cannot run before the cancel.
    await worker?.stop();
    worker = undefined;
    const ids = await insertLeads('cancel-', 5);
    const accepted = await app.inject({
      method: 'POST',
      url: '/v1/bulk-actions',
      headers: auth,
      payload: { leadIds: ids, action: 'add_tag', params: { tag: 'Cancelled?' } },
    });
    expect(accepted.statusCode).toBe(202);
    const { id } = accepted.json<{ id: string }>();
    const cancel = await app.inject({ method: 'POST', url: `/v1/bulk-actions/${id}/cancel`, headers: auth });
    expect(cancel.statusCode).toBe(202);
    worker = await startTestWorker({ pool, taskQueue });
    const p = await progressWhen(id, (now) => now.finishedAt !== null, 'the cancelled run to end');
    expect(p).toMatchObject({ state: 'cancelled', done: 0 });
    const tagged = await pool.query("SELECT count(*)::int AS n FROM leads WHERE 'cancelled?' = ANY(tags)");
    expect(tagged.rows[0]).toEqual({ n: 0 });
    const again = await app.inject({ method: 'POST', url: `/v1/bulk-actions/${id}/cancel`, headers: auth });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ error: { code: 'bulk_action_finished' } });
  });

  it('adds a tag to an explicit selection, skipping a lead that has it already', async () => {
    const ids = await insertLeads('sel-', 3);
    await pool.query("UPDATE leads SET tags = '{hot}' WHERE id = $1", [ids[0]]);
    const accepted = await app.inject({
      method: 'POST',
      url: '/v1/bulk-actions',
      headers: auth,
      payload: { leadIds: ids, action: 'add_tag', params: { tag: ' HOT ' } },
    });
    expect(accepted.statusCode).toBe(202);
    const { id } = accepted.json<{ id: string }>();
    const p = await progressWhen(id, (now) => now.state === 'completed', 'the tags');
    expect(p).toMatchObject({ total: 3, done: 2, skipped: 1, failed: 0 });
    const tags = await pool.query<{ tags: string[] }>('SELECT tags FROM leads WHERE id = ANY($1::uuid[])', [ids]);
    expect(tags.rows.map((r) => r.tags)).toEqual([['hot'], ['hot'], ['hot']]);
  });

  it('refuses a bulk action naming both a segment and leads, or a cadence that does not exist, recording nothing', async () => {
    const before = await pool.query('SELECT count(*)::int AS n FROM bulk_actions');
    for (const payload of [
      { segmentId: '00000000-0000-4000-8000-000000000000', leadIds: [], action: 'pause' },
      { leadIds: ['00000000-0000-4000-8000-000000000000'], action: 'move_cadence', params: { cadence: 'nope' } },
      { leadIds: ['00000000-0000-4000-8000-000000000000'], action: 'pause', params: { tag: 'x' } },
    ]) {
      const res = await app.inject({ method: 'POST', url: '/v1/bulk-actions', headers: auth, payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(422);
      expect(res.json()).toMatchObject({ error: { code: 'invalid' } });
    }
    const unknown = await app.inject({
      method: 'POST',
      url: '/v1/bulk-actions',
      headers: auth,
      payload: { segmentId: '00000000-0000-4000-8000-000000000000', action: 'pause' },
    });
    expect(unknown.statusCode).toBe(404);
    expect((await pool.query('SELECT count(*)::int AS n FROM bulk_actions')).rows).toEqual(before.rows);
  });
});
