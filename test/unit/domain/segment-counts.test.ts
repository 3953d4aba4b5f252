import { describe, expect, it } from 'vitest';
import { nextSegmentCountAt } from '../../../domain/segment-counts.ts';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

describe('nextSegmentCountAt', () => {
  it('answers five past the next midnight in Asia/Tokyo', () => {
    // 10:00 JST on 1 December: the next count is 00:05 JST on 2 December (15:05 UTC on the 1st).
    expect(iso(nextSegmentCountAt(at('2026-12-01T01:00:00Z')))).toBe('2026-12-01T15:05:00.000Z');
  });

  it('answers today’s count when it is just past midnight in Tokyo, and tomorrow’s once it has been taken', () => {
    expect(iso(nextSegmentCountAt(at('2026-12-01T15:01:00Z')))).toBe('2026-12-01T15:05:00.000Z');
    expect(iso(nextSegmentCountAt(at('2026-12-01T15:05:00Z')))).toBe('2026-12-02T15:05:00.000Z');
  });
});
