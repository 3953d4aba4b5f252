import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { STAGES } from '../../../domain/lead.ts';
import {
  applyTagChange,
  customFieldProblems,
  matchesSegment,
  MAX_TAGS,
  normaliseSegmentQuery,
  normaliseTag,
  normaliseTags,
  type SegmentQuery,
  type SegmentSubject,
} from '../../../domain/segment-query.ts';

const NOW = Date.parse('2026-12-01T00:00:00Z');
const DAY = 86_400_000;

const subject = (over: Partial<SegmentSubject> = {}): SegmentSubject => ({
  stage: 'nurturing',
  score: 10,
  ownerEmail: 'rep@example.jp',
  dealOwnerEmail: null,
  cadenceKey: 'default',
  tags: ['vip', 'seminar-2026'],
  company: '株式会社サンプル',
  source: 'web',
  name: '山田 太郎',
  email: 'taro@example.jp',
  createdAtMs: NOW - 10 * DAY,
  lastTouchAtMs: NOW - 20 * DAY,
  lastOpenAtMs: NOW - 3 * DAY,
  lastClickAtMs: null,
  customFields: { industry: 'manufacturing', employees: 120, partner: true },
  ...over,
});

const canonical = (query: SegmentQuery): SegmentQuery => {
  const result = normaliseSegmentQuery(query);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.query;
};

describe('normaliseTag', () => {
  it('folds full-width letters, case and surrounding space into one tag', () => {
    expect(normaliseTag(' ＶＩＰ ')).toBe('vip');
    expect(normaliseTag('Seminar   2026')).toBe('seminar 2026');
    expect(normaliseTag('展示会')).toBe('展示会');
  });

  it('is idempotent for any text', () => {
    fc.assert(fc.property(fc.string(), (text) => normaliseTag(normaliseTag(text)) === normaliseTag(text)));
  });
});

describe('normaliseTags', () => {
  it('deduplicates tags that differ only in case or width, keeping the first order', () => {
    expect(normaliseTags(['VIP', 'vip', 'ｖｉｐ', 'Partner'], '/tags')).toEqual({
      tags: ['vip', 'partner'],
      problems: [],
    });
  });

  it('names an empty tag, an over-long tag and too many tags', () => {
    expect(normaliseTags(['  '], '/tags').problems).toEqual([{ path: '/tags/0', message: 'a tag cannot be empty' }]);
    expect(normaliseTags(['a'.repeat(65)], '/tags').problems[0]?.path).toBe('/tags/0');
    expect(normaliseTags(['あ'.repeat(64)], '/tags').problems).toEqual([]);
    const many = Array.from({ length: MAX_TAGS + 1 }, (_, i) => `t${i}`);
    expect(normaliseTags(many, '/tags').problems).toEqual([{ path: '/tags', message: 'a lead has at most 50 tags' }]);
  });
});

describe('applyTagChange', () => {
  it('adds new tags at the end and removes named ones, never duplicating', () => {
    expect(applyTagChange(['a', 'b'], ['b', 'c'], ['a'])).toEqual(['b', 'c']);
  });

  it('is idempotent: applying the same change twice is applying it once', () => {
    const tags = fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e'), { maxLength: 5 });
    fc.assert(
      fc.property(fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd', 'e')), tags, tags, (current, add, remove) => {
        const once = applyTagChange(current, add, remove);
        expect(applyTagChange(once, add, remove)).toEqual(once);
        for (const tag of add) if (!remove.includes(tag)) expect(once).toContain(tag);
        for (const tag of remove) expect(once).not.toContain(tag);
      }),
    );
  });
});

describe('customFieldProblems', () => {
  it('accepts strings, finite numbers and booleans', () => {
    expect(customFieldProblems({ industry: '製造', employees: 120, partner: false }, '/customFields')).toEqual([]);
  });

  it('names nested values, nulls and blank names at their paths', () => {
    expect(
      customFieldProblems({ nested: { a: 1 }, none: null, ' ': 'x', 'a/b': [1] }, '/customFields').map((p) => p.path),
    ).toEqual(['/customFields/nested', '/customFields/none', '/customFields/ ', '/customFields/a~1b']);
  });
});

describe('normaliseSegmentQuery', () => {
  it('stores one canonical form: tags folded and sorted, lists deduplicated, instants in UTC, blanks dropped', () => {
    expect(
      canonical({
        stages: ['deal', 'nurturing', 'deal'],
        owner: ' Rep@Example.JP ',
        cadences: ['b', 'a', 'a'],
        tags: { match: 'any', values: ['VIP', ' vip', 'Partner'] },
        company: '  ',
        createdAfter: '2026-11-01T09:00:00+09:00',
        customFields: { z: 1, a: 'x' },
        search: '',
      }),
    ).toEqual({
      stages: ['nurturing', 'deal'],
      owner: 'rep@example.jp',
      cadences: ['a', 'b'],
      tags: { match: 'any', values: ['partner', 'vip'] },
      createdAfter: '2026-11-01T00:00:00.000Z',
      customFields: { a: 'x', z: 1 },
    });
  });

  it('refuses ranges no lead could match, naming the upper bound', () => {
    const result = normaliseSegmentQuery({
      scoreMin: 20,
      scoreMax: 10,
      createdAfter: '2026-12-01T00:00:00Z',
      createdBefore: '2026-11-01T00:00:00Z',
      lastTouchAfter: '2026-12-01T00:00:00Z',
      lastTouchBefore: '2026-12-01T00:00:00Z',
    });
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.problems.map((p) => p.path)).toEqual(['/scoreMax', '/createdBefore', '/lastTouchBefore']);
  });

  it('refuses a look-back that is not a whole number of days from 1 to 3650', () => {
    for (const days of [0, 1.5, 3651, -1]) {
      const result = normaliseSegmentQuery({ openedWithinDays: days });
      expect(result.ok).toBe(false);
    }
    expect(normaliseSegmentQuery({ clickedWithinDays: 3650 }).ok).toBe(true);
  });

  it('is idempotent, and a canonical query survives JSON storage unchanged', () => {
    const query = fc.record(
      {
        stages: fc.subarray([...STAGES]),
        scoreMin: fc.integer({ min: 0, max: 50 }),
        owner: fc.constantFrom('Rep@Example.jp', ' a@b.jp'),
        cadences: fc.array(fc.constantFrom('default', 'seminar', ' x ')),
        tags: fc.record({
          match: fc.constantFrom('all' as const, 'any' as const),
          values: fc.array(
            fc.string({ minLength: 1, maxLength: 10 }).filter((t) => normaliseTag(t).length > 0),
            {
              maxLength: 5,
            },
          ),
        }),
        company: fc.string({ maxLength: 10 }),
        createdAfter: fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }),
        openedWithinDays: fc.integer({ min: 1, max: 3650 }),
        customFields: fc.dictionary(
          fc.constantFrom('industry', 'size', 'partner'),
          fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.boolean()),
        ),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(query, (raw) => {
        const input: SegmentQuery = {
          ...raw,
          createdAfter: raw.createdAfter?.toISOString(),
        };
        const once = canonical(input);
        expect(canonical(once)).toEqual(once);
        expect(JSON.parse(JSON.stringify(once))).toEqual(once);
      }),
    );
  });
});

describe('matchesSegment', () => {
  it('matches every lead with the empty query', () => {
    expect(matchesSegment({}, subject(), NOW)).toBe(true);
  });

  it('matches all tags or any tag as asked', () => {
    expect(matchesSegment(canonical({ tags: { match: 'all', values: ['VIP', 'other'] } }), subject(), NOW)).toBe(false);
    expect(matchesSegment(canonical({ tags: { match: 'any', values: ['VIP', 'other'] } }), subject(), NOW)).toBe(true);
  });

  it('counts a lead never touched as last touched before any date, and never after one', () => {
    const never = subject({ lastTouchAtMs: null });
    expect(matchesSegment({ lastTouchBefore: new Date(NOW).toISOString() }, never, NOW)).toBe(true);
    expect(matchesSegment({ lastTouchAfter: new Date(NOW - 100 * DAY).toISOString() }, never, NOW)).toBe(false);
  });

  it('looks back exactly N days for opens and clicks', () => {
    expect(matchesSegment({ openedWithinDays: 3 }, subject(), NOW)).toBe(true);
    expect(matchesSegment({ openedWithinDays: 2 }, subject(), NOW)).toBe(false);
    expect(matchesSegment({ clickedWithinDays: 30 }, subject(), NOW)).toBe(false);
  });

  it('compares custom fields by value and type', () => {
    expect(matchesSegment({ customFields: { employees: 120 } }, subject(), NOW)).toBe(true);
    expect(matchesSegment({ customFields: { employees: '120' } }, subject(), NOW)).toBe(false);
    expect(matchesSegment({ customFields: { partner: true, industry: 'manufacturing' } }, subject(), NOW)).toBe(true);
  });

  it('matches the owner of the lead or of its deal, in any case', () => {
    expect(matchesSegment(canonical({ owner: 'REP@example.jp' }), subject(), NOW)).toBe(true);
    expect(matchesSegment({ owner: 'deal@example.jp' }, subject({ dealOwnerEmail: 'Deal@example.jp' }), NOW)).toBe(
      true,
    );
  });

  it('narrows as conditions are added: a lead in the larger query is never outside it because of the added one only', () => {
    // Adding a condition (AND) can only drop leads.
    const extra = fc.constantFrom<SegmentQuery>(
      { stages: ['deal'] },
      { tags: { match: 'any', values: ['vip'] } },
      { openedWithinDays: 2 },
      { company: 'サンプル' },
      { customFields: { partner: true } },
    );
    fc.assert(
      fc.property(extra, extra, fc.constantFrom(...STAGES), (a, b, stage) => {
        const lead = subject({ stage });
        if (matchesSegment({ ...a, ...b }, lead, NOW)) expect(matchesSegment(a, lead, NOW)).toBe(true);
      }),
    );
  });
});
