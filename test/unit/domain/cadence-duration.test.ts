import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDuration,
  CADENCE_DURATION_PATTERN,
  cadenceDurationProblem,
  parseDuration,
} from '../../../domain/duration.ts';

const PATTERN = new RegExp(CADENCE_DURATION_PATTERN);

// The OpenAPI document states CADENCE_DURATION_PATTERN; the API must accept exactly that.
describe('the cadence duration pattern the document states', () => {
  it('matches only durations the cadence check accepts, and a hundred of them in a row stay in the calendar', () => {
    fc.assert(
      fc.property(fc.stringMatching(PATTERN), (text) => {
        expect(cadenceDurationProblem(text)).toBeUndefined();
        const duration = parseDuration(text);
        let at = Date.parse('2026-01-01T00:00:00Z');
        for (let i = 0; i < 100; i++) at = addDuration(at, duration, 'Asia/Tokyo');
        expect(Number.isFinite(at)).toBe(true);
      }),
      { seed: 20261201, numRuns: 300 },
    );
  });

  it.each(['P1M', 'P14D', 'PT2S', 'P1DT12H', 'P1W', 'P99Y', 'PT99999999S'])('accepts %s', (text) => {
    expect(cadenceDurationProblem(text)).toBeUndefined();
  });

  it.each(['P', 'PT', 'P1DT', 'P0D', 'P1Y0M', 'PT1.5H', 'P100Y', 'p1d', '-P1D', 'P01D'])(
    'refuses %s, naming it',
    (text) => {
      expect(cadenceDurationProblem(text)).toContain(`"${text}"`);
      expect(PATTERN.test(text)).toBe(false);
    },
  );
});
