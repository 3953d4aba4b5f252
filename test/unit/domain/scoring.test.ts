import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addEventPoints,
  addPoints,
  eventInstant,
  crossesThreshold,
  decayedScore,
  EVENT_TYPES,
  type EventType,
  halfLifeMs,
  pointsFor,
  type Score,
  scoreHistory,
  scoreInstantWith,
  scoreValueAt,
} from '../../../domain/scoring.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const HALF_LIFE = 30 * DAY;
const T0 = Date.parse('2026-06-01T00:00:00Z');

describe('decayedScore', () => {
  const score: Score = { value: 80, atMs: T0 };

  it('keeps the full value at the score’s own instant', () => {
    expect(decayedScore(score, T0, HALF_LIFE)).toBe(80);
  });

  it('halves the value after one half-life', () => {
    expect(decayedScore(score, T0 + HALF_LIFE, HALF_LIFE)).toBe(40);
  });

  it('quarters the value after two half-lives', () => {
    expect(decayedScore(score, T0 + 2 * HALF_LIFE, HALF_LIFE)).toBe(20);
  });

  it('decays smoothly in between', () => {
    expect(decayedScore(score, T0 + HALF_LIFE / 2, HALF_LIFE)).toBeCloseTo(80 / Math.SQRT2, 10);
  });

  it('does not decay when the half-life is zero or negative', () => {
    expect(decayedScore(score, T0 + 365 * DAY, 0)).toBe(80);
    expect(decayedScore(score, T0 + 365 * DAY, -HALF_LIFE)).toBe(80);
  });

  it('never grows the value for an instant before the score’s own', () => {
    expect(decayedScore(score, T0 - HALF_LIFE, HALF_LIFE)).toBe(80);
  });
});

describe('addPoints', () => {
  it('decays the score to now before adding the points', () => {
    expect(addPoints({ value: 40, atMs: T0 }, 10, T0 + HALF_LIFE, HALF_LIFE)).toEqual({
      value: 30,
      atMs: T0 + HALF_LIFE,
    });
  });

  it('adds to a fresh score as is', () => {
    expect(addPoints({ value: 0, atMs: T0 }, 20, T0, HALF_LIFE)).toEqual({ value: 20, atMs: T0 });
  });

  it('floors the score at 0 when negative points exceed it', () => {
    expect(addPoints({ value: 10, atMs: T0 }, -30, T0 + DAY, HALF_LIFE)).toEqual({ value: 0, atMs: T0 + DAY });
  });

  it('lets points earned after a floor count in full, with no debt left over', () => {
    const floored = addPoints({ value: 10, atMs: T0 }, -30, T0, HALF_LIFE);
    expect(addPoints(floored, 5, T0, HALF_LIFE).value).toBe(5);
  });

  it('subtracts negative points that stay above 0', () => {
    expect(addPoints({ value: 50, atMs: T0 }, -20, T0, HALF_LIFE).value).toBe(30);
  });

  it('decays the points of an event reported late up to the score’s instant, keeping that instant', () => {
    // An event that happened one half-life before the score was last updated is worth half.
    expect(addPoints({ value: 10, atMs: T0 }, 20, T0 - HALF_LIFE, HALF_LIFE)).toEqual({ value: 20, atMs: T0 });
  });
});

describe('halfLifeMs', () => {
  it('reads P30D as thirty days', () => {
    expect(halfLifeMs('P30D', T0, 'Asia/Tokyo')).toBe(30 * DAY);
  });

  it('reads P1M as the calendar month that follows the instant', () => {
    expect(halfLifeMs('P1M', Date.parse('2026-02-01T00:00:00+09:00'), 'Asia/Tokyo')).toBe(28 * DAY);
    expect(halfLifeMs('P1M', Date.parse('2026-03-01T00:00:00+09:00'), 'Asia/Tokyo')).toBe(31 * DAY);
  });

  it('counts P1D across a daylight-saving change in the given zone', () => {
    expect(halfLifeMs('P1D', Date.parse('2026-03-07T12:00:00-05:00'), 'America/New_York')).toBe(23 * HOUR);
    expect(halfLifeMs('P1D', Date.parse('2026-03-07T12:00:00-05:00'), 'UTC')).toBe(24 * HOUR);
  });

  it('reads short durations for demos', () => {
    expect(halfLifeMs('PT2S', T0, 'UTC')).toBe(2000);
  });
});

describe('crossesThreshold', () => {
  it('is true when the score reaches the threshold from below', () => {
    expect(crossesThreshold(49, 50, 50)).toBe(true);
    expect(crossesThreshold(10, 80, 50)).toBe(true);
  });

  it('is false when the score stays below', () => {
    expect(crossesThreshold(40, 49.99, 50)).toBe(false);
  });

  it('is false when the score was already at or above the threshold', () => {
    expect(crossesThreshold(50, 60, 50)).toBe(false);
    expect(crossesThreshold(50, 50, 50)).toBe(false);
  });

  it('is false when the score falls', () => {
    expect(crossesThreshold(60, 40, 50)).toBe(false);
  });

  it('fires exactly once while a lead keeps engaging above the threshold', () => {
    const points: Partial<Record<EventType, number>> = {
      email_open: 1,
      email_click: 5,
      web_visit: 3,
      form_submit: 20,
      reply: 30,
    };
    const events: [number, EventType][] = [
      [0, 'email_open'],
      [1, 'email_click'],
      [2, 'web_visit'],
      [3, 'form_submit'],
      [5, 'reply'],
      [6, 'email_click'],
      [7, 'web_visit'],
      [8, 'form_submit'],
      [9, 'email_open'],
      [10, 'reply'],
    ];
    let score: Score = { value: 0, atMs: T0 };
    const crossedOn: number[] = [];
    for (const [day, type] of events) {
      const nowMs = T0 + day * DAY;
      const before = decayedScore(score, nowMs, HALF_LIFE);
      score = addPoints(score, pointsFor(type, points), nowMs, HALF_LIFE);
      if (crossesThreshold(before, score.value, 50)) crossedOn.push(day);
    }
    expect(crossedOn).toEqual([5]);
  });

  it('fires again after the score has decayed below the threshold and climbed back', () => {
    let score: Score = { value: 0, atMs: T0 };
    const crossedOn: number[] = [];
    for (const day of [0, 1, 90, 91]) {
      const nowMs = T0 + day * DAY;
      const before = decayedScore(score, nowMs, HALF_LIFE);
      score = addPoints(score, 30, nowMs, HALF_LIFE);
      if (crossesThreshold(before, score.value, 50)) crossedOn.push(day);
    }
    expect(crossedOn).toEqual([1, 91]);
  });
});

describe('pointsFor', () => {
  const points = { email_open: 1, reply: 30, web_visit: -2 };

  it('gives the points the cadence configures', () => {
    expect(pointsFor('reply', points)).toBe(30);
    expect(pointsFor('web_visit', points)).toBe(-2);
  });

  it('gives 0 for an event type the cadence leaves out', () => {
    expect(pointsFor('meeting_request', points)).toBe(0);
  });

  it('gives 0 when the cadence has no scoring points', () => {
    expect(pointsFor('reply', undefined)).toBe(0);
  });
});

describe('EVENT_TYPES', () => {
  it('lists the seven engagement events of the events API', () => {
    expect(EVENT_TYPES).toEqual([
      'email_open',
      'email_click',
      'web_visit',
      'form_submit',
      'reply',
      'dm_response',
      'meeting_request',
    ]);
  });
});

describe('scoreHistory', () => {
  const opts = { halfLife: 'P30D', timeZone: 'Asia/Tokyo' };

  it('adds each event to the decayed score, as the workflow does, and decays down to now', () => {
    const events = [
      { atMs: T0, points: 20, type: 'form_submit' },
      { atMs: T0 + 30 * DAY, points: 30, type: 'reply' },
    ];
    const points = scoreHistory(events, { ...opts, nowMs: T0 + 60 * DAY, samples: 6 });
    const byEvent = points.filter((p) => p.event !== undefined);
    expect(byEvent).toEqual([
      { atMs: T0, score: 20, event: 'form_submit' },
      { atMs: T0 + 30 * DAY, score: 40, event: 'reply' },
    ]);
    expect(points.at(-1)).toEqual({ atMs: T0 + 60 * DAY, score: 20 });
    // Samples follow the curve: at 10 days 20·0.5^(1/3).
    expect(points.find((p) => p.atMs === T0 + 10 * DAY)?.score).toBeCloseTo(20 * 0.5 ** (1 / 3), 2);
    expect(points.map((p) => p.atMs)).toEqual([...points.map((p) => p.atMs)].sort((a, b) => a - b));
  });

  it('agrees with addPoints event after event, whatever the spacing', () => {
    const events = [0, 3, 4, 17, 40].map((d, i) => ({
      atMs: T0 + d * DAY + i * HOUR,
      points: [1, 5, 50, -10, 3][i] as number,
      type: 'e',
    }));
    let score: Score = { value: 0, atMs: T0 };
    const expected = events.map((e) => {
      score = addPoints(score, e.points, e.atMs, HALF_LIFE);
      return Math.round(score.value * 100) / 100;
    });
    const computed = scoreHistory(events, { ...opts, nowMs: T0 + 50 * DAY })
      .filter((p) => p.event)
      .map((p) => p.score);
    expect(computed).toEqual(expected);
  });

  it('starts at 0 when the lead was created and stays flat without events', () => {
    expect(scoreHistory([], { ...opts, startMs: T0, nowMs: T0 + DAY, samples: 2 })).toEqual([
      { atMs: T0, score: 0 },
      { atMs: T0 + DAY / 2, score: 0 },
      { atMs: T0 + DAY, score: 0 },
    ]);
  });
});

describe('scores on the event’s clock', () => {
  it('decays an event’s points from when it happened, not from when it is handled', () => {
    const { score } = addEventPoints({ value: 0, atMs: T0 }, 40, T0, T0 + HALF_LIFE, HALF_LIFE);
    expect(scoreValueAt(score, T0 + HALF_LIFE, HALF_LIFE)).toBeCloseTo(20, 10);
  });

  it('sets an empty score’s instant from the first event, even one before the score was made', () => {
    const { score } = addEventPoints({ value: 0, atMs: T0 }, 50, T0 - 1000, T0, HALF_LIFE);
    expect(score).toEqual({ value: 50, atMs: T0 - 1000 });
    expect(scoreInstantWith({ value: 0, atMs: T0 }, T0 - 1000, T0)).toBe(T0 - 1000);
    expect(scoreInstantWith({ value: 5, atMs: T0 }, T0 - 1000, T0)).toBe(T0);
  });

  it('clamps an event from the future to now', () => {
    const { score } = addEventPoints({ value: 0, atMs: T0 }, 40, T0 + 5 * DAY, T0, HALF_LIFE);
    expect(score).toEqual({ value: 40, atMs: T0 });
    expect(eventInstant(T0 + DAY, T0)).toBe(T0);
  });

  it('counts nothing for an event older than ten half-lives', () => {
    const now = T0 + 11 * HALF_LIFE;
    const added = addEventPoints({ value: 0, atMs: T0 - HALF_LIFE }, 50, T0, now, HALF_LIFE);
    expect(added.counted).toBe(0);
    expect(scoreValueAt(added.score, now, HALF_LIFE)).toBe(0);
  });

  it('drops the whole score to nothing once its newest event is ten half-lives old', () => {
    const score: Score = { value: 5000, atMs: T0 };
    expect(scoreValueAt(score, T0 + 10 * HALF_LIFE, HALF_LIFE)).toBeCloseTo(5000 / 1024, 8);
    expect(scoreValueAt(score, T0 + 10 * HALF_LIFE + 1, HALF_LIFE)).toBe(0);
  });

  it('equals the sum of each event decayed from its own time, in any arrival order (property)', () => {
    const now = T0 + 290 * DAY; // within ten half-lives: every event counts
    fc.assert(
      fc.property(
        fc.array(fc.record({ at: fc.integer({ min: T0, max: now }), points: fc.integer({ min: 0, max: 50 }) }), {
          maxLength: 12,
        }),
        (events) => {
          let score: Score = { value: 0, atMs: T0 };
          for (const e of events) score = addEventPoints(score, e.points, e.at, now, HALF_LIFE).score;
          const expected = events.reduce((sum, e) => sum + e.points * 0.5 ** ((now - e.at) / HALF_LIFE), 0);
          expect(scoreValueAt(score, now, HALF_LIFE)).toBeCloseTo(expected, 6);
        },
      ),
    );
  });
});
