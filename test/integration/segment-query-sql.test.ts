import fc from 'fast-check';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STAGES } from '../../domain/lead.ts';
import {
  matchesSegment,
  normaliseSegmentQuery,
  SEGMENT_QUERY_KEYS,
  type SegmentQuery,
  type SegmentSubject,
} from '../../domain/segment-query.ts';
import {
  countQuery,
  countSegment,
  insertSegment,
  queryLeadIdsPage,
  segmentLeadIdsPage,
} from '../../db/repositories/segments.ts';
import { createTestDatabase } from '../support/services.ts';

const DAY = 86_400_000;
const OWNERS = ['a@example.jp', 'B@example.jp', null];
const CADENCES = ['default', 'seminar'];
const TAGS = ['vip', 'seminar-2026', 'partner', '展示会'];
const COMPANIES = ['株式会社サンプル', 'Example Co., Ltd.', 'サンプル物産', null];
const SOURCES = ['web', 'csv', 'zoho', null];

/** A mixed set of leads: every attribute a segment can ask about, varied independently. */
const leadArbitrary = fc.record({
  stage: fc.constantFrom(...STAGES),
  score: fc.constantFrom(0, 5, 20, 60),
  owner: fc.constantFrom(...OWNERS),
  dealOwner: fc.constantFrom('a@example.jp', null),
  cadence: fc.constantFrom(...CADENCES),
  tags: fc.subarray(TAGS),
  company: fc.constantFrom(...COMPANIES),
  source: fc.constantFrom(...SOURCES),
  createdDaysAgo: fc.integer({ min: 0, max: 60 }),
  touchDaysAgo: fc.option(fc.integer({ min: 0, max: 60 })),
  openDaysAgo: fc.option(fc.integer({ min: 0, max: 40 })),
  clickDaysAgo: fc.option(fc.integer({ min: 0, max: 40 })),
  fields: fc.record(
    { industry: fc.constantFrom('製造', 'IT'), employees: fc.constantFrom(10, 120), partner: fc.boolean() },
    { requiredKeys: [] },
  ),
});

/** One to three conditions of every kind, so answers are rarely empty and every kind meets every other. */
const queryArbitrary = (now: number) =>
  fc
    .tuple(
      fc.record({
        stages: fc.subarray([...STAGES], { minLength: 1 }),
        scoreMin: fc.constantFrom(0, 10, 50),
        scoreMax: fc.constantFrom(10, 30),
        owner: fc.constantFrom('A@example.jp', 'b@example.jp'),
        cadences: fc.subarray(CADENCES, { minLength: 1 }),
        tags: fc.record({
          match: fc.constantFrom('all' as const, 'any' as const),
          values: fc.subarray(TAGS, { minLength: 1 }),
        }),
        company: fc.constantFrom('サンプル', 'example', 'LTD'),
        sources: fc.subarray(['web', 'csv', 'zoho'], { minLength: 1 }),
        createdAfter: fc.integer({ min: 1, max: 50 }).map((d) => new Date(now - d * DAY - DAY / 2).toISOString()),
        createdBefore: fc.integer({ min: 0, max: 30 }).map((d) => new Date(now - d * DAY + DAY / 2).toISOString()),
        lastTouchAfter: fc.integer({ min: 20, max: 50 }).map((d) => new Date(now - d * DAY - DAY / 2).toISOString()),
        lastTouchBefore: fc.integer({ min: 0, max: 19 }).map((d) => new Date(now - d * DAY + DAY / 2).toISOString()),
        openedWithinDays: fc.constantFrom(7, 30),
        clickedWithinDays: fc.constantFrom(7, 30),
        customFields: fc.record(
          { industry: fc.constantFrom('製造', 'IT'), employees: fc.constantFrom(10, 120), partner: fc.boolean() },
          { requiredKeys: [] },
        ),
        search: fc.constantFrom('sample', 'サンプル', 'lead-1'),
      }),
      fc.shuffledSubarray([...SEGMENT_QUERY_KEYS], { minLength: 1, maxLength: 3 }),
    )
    .map(([all, keys]) => Object.fromEntries(keys.map((key) => [key, all[key]])) as SegmentQuery);

describe('segment queries in SQL', () => {
  let pool: pg.Pool;
  let drop: () => Promise<void>;
  const subjects = new Map<string, SegmentSubject>();
  // Instants are whole days plus half a day away from every bound, so the seconds the
  // test takes cannot move a lead across one.
  const now = Date.now();

  beforeAll(async () => {
    ({ pool, drop } = await createTestDatabase());
    const leads = fc.sample(leadArbitrary, { numRuns: 300, seed: 15 });
    for (const [i, lead] of leads.entries()) {
      const createdAt = new Date(now - lead.createdDaysAgo * DAY);
      const touch = lead.touchDaysAgo === null ? null : new Date(now - lead.touchDaysAgo * DAY);
      // Scores without a half-life do not decay: the SQL and the reference see the same value.
      const { rows } = await pool.query<{ id: string }>(
        `INSERT INTO leads (email, name, company, source, owner_email, deal_owner_email, cadence_key, stage, score,
                            tags, custom_fields, created_at, last_touch_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
        [
          `lead-${i}@example.jp`,
          i % 3 === 0 ? 'Sample Person' : '山田',
          lead.company,
          lead.source,
          lead.owner,
          lead.dealOwner,
          lead.cadence,
          lead.stage,
          lead.score,
          lead.tags,
          JSON.stringify(lead.fields),
          createdAt,
          touch,
        ],
      );
      const id = rows[0]!.id;
      for (const [type, daysAgo] of [
        ['email_open', lead.openDaysAgo],
        ['email_click', lead.clickDaysAgo],
      ] as const) {
        if (daysAgo !== null)
          await pool.query('INSERT INTO events (lead_id, type, occurred_at) VALUES ($1, $2, $3)', [
            id,
            type,
            new Date(now - daysAgo * DAY - DAY / 2),
          ]);
      }
      subjects.set(id, {
        stage: lead.stage,
        score: lead.score,
        ownerEmail: lead.owner,
        dealOwnerEmail: lead.dealOwner,
        cadenceKey: lead.cadence,
        tags: lead.tags,
        company: lead.company,
        source: lead.source,
        name: i % 3 === 0 ? 'Sample Person' : '山田',
        email: `lead-${i}@example.jp`,
        createdAtMs: createdAt.getTime(),
        lastTouchAtMs: touch?.getTime() ?? null,
        lastOpenAtMs: lead.openDaysAgo === null ? null : now - lead.openDaysAgo * DAY - DAY / 2,
        lastClickAtMs: lead.clickDaysAgo === null ? null : now - lead.clickDaysAgo * DAY - DAY / 2,
        customFields: lead.fields,
      });
    }
  });
  afterAll(async () => {
    await drop();
  });

  const expected = (query: SegmentQuery) =>
    [...subjects.entries()]
      .filter(([, s]) => matchesSegment(query, s, now))
      .map(([id]) => id)
      .sort();

  const allIds = async (query: SegmentQuery, pageSize: number) => {
    const ids: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page = await queryLeadIdsPage(pool, query, after, pageSize);
      ids.push(...page.leadIds);
      if (page.next === null) return ids;
      after = page.next;
    }
  };

  it('selects exactly the leads the reference meaning selects, for random queries over a mixed set', async () => {
    const queries = fc.sample(queryArbitrary(now), { numRuns: 150, seed: 3 });
    let nonEmpty = 0;
    for (const raw of queries) {
      const normalised = normaliseSegmentQuery(raw);
      if (!normalised.ok) continue;
      const want = expected(normalised.query);
      if (want.length > 0) nonEmpty++;
      const got = await allIds(normalised.query, 1000);
      expect(got, JSON.stringify(normalised.query)).toEqual(want);
      expect(await countQuery(pool, normalised.query)).toBe(want.length);
    }
    // The sample must exercise the SQL, not only agree on empty answers.
    expect(nonEmpty).toBeGreaterThan(75);
  });

  it('pages a segment by lead id with each lead exactly once, whatever the page size', async () => {
    const segment = await insertSegment(pool, {
      name: 'VIP or partner',
      query: { tags: { match: 'any', values: ['partner', 'vip'] } },
      createdBy: null,
    });
    const want = expected(segment!.query);
    expect(want.length).toBeGreaterThan(50);
    for (const size of [1, 7, 50, want.length, want.length + 1]) {
      const ids: string[] = [];
      let after: string | null = null;
      let pages = 0;
      for (;;) {
        const page = await segmentLeadIdsPage(pool, segment!.id, after, size);
        ids.push(...page.leadIds);
        pages++;
        if (page.next === null) break;
        after = page.next;
      }
      expect(ids).toEqual(want);
      expect(pages).toBe(Math.max(1, Math.ceil(want.length / size)));
    }
    expect(await countSegment(pool, segment!.id)).toBe(want.length);
  });

  it('refuses to page or count a segment that does not exist', async () => {
    await expect(segmentLeadIdsPage(pool, '00000000-0000-4000-8000-000000000000', null, 10)).rejects.toThrow(
      'no segment',
    );
    await expect(countSegment(pool, 'not-a-uuid')).rejects.toThrow('no segment');
  });

  it('keeps a lead’s last touch from sends, DMs to an address and done to-dos, never moving it back', async () => {
    const { rows } = await pool.query<{ id: string }>(
      "INSERT INTO leads (email, cadence_key) VALUES ('touched@example.jp', 'default') RETURNING id",
    );
    const id = rows[0]!.id;
    const lastTouch = async () =>
      (await pool.query<{ at: Date | null }>('SELECT last_touch_at AS at FROM leads WHERE id = $1', [id])).rows[0]!.at;
    await pool.query(
      `INSERT INTO deliveries (idempotency_key, lead_id, template_key, message_id, recipient, status)
       VALUES ('k1', $1, 't', 'm1', 'touched@example.jp', 'pending')`,
      [id],
    );
    expect(await lastTouch()).toBeNull();
    await pool.query(
      "UPDATE deliveries SET status = 'sent', sent_at = '2026-11-02T00:00:00Z' WHERE idempotency_key = 'k1'",
    );
    expect((await lastTouch())?.toISOString()).toBe('2026-11-02T00:00:00.000Z');
    await pool.query(
      `INSERT INTO tasks (idempotency_key, lead_id, kind, postal_address, created_at)
       VALUES ('dm1', $1, 'dm', '{"postalCode":"100-0001"}', '2026-11-20T00:00:00Z'),
              ('dm0', $1, 'dm', '{"postalCode":"100-0001"}', '2026-10-01T00:00:00Z'),
              ('dm-none', $1, 'dm', NULL, '2026-11-30T00:00:00Z')`,
      [id],
    );
    expect((await lastTouch())?.toISOString()).toBe('2026-11-20T00:00:00.000Z');
    await pool.query(
      `INSERT INTO tasks (idempotency_key, lead_id, kind, title, created_at) VALUES ('todo', $1, 'todo', 'call', now())`,
      [id],
    );
    expect((await lastTouch())?.toISOString()).toBe('2026-11-20T00:00:00.000Z');
    await pool.query(
      "UPDATE tasks SET status = 'done', completed_at = '2026-11-25T00:00:00Z' WHERE idempotency_key = 'todo'",
    );
    expect((await lastTouch())?.toISOString()).toBe('2026-11-25T00:00:00.000Z');
  });
});
