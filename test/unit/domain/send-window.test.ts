import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isInsideWindow, nextOpening, type SendWindow } from '../../../domain/send-window.ts';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString();

const tokyo: SendWindow = { timezone: 'Asia/Tokyo', businessDays: true, from: '09:00', to: '18:00' };
const london: SendWindow = { ...tokyo, timezone: 'Europe/London' };
const newYork: SendWindow = { ...tokyo, timezone: 'America/New_York' };

describe('nextOpening', () => {
  it('returns the instant itself when there is no window', () => {
    expect(nextOpening(at('2026-06-06T03:00:00Z'), null)).toBe(at('2026-06-06T03:00:00Z'));
    expect(nextOpening(at('2026-06-06T03:00:00Z'), undefined)).toBe(at('2026-06-06T03:00:00Z'));
  });

  it('returns the instant itself inside the window', () => {
    expect(nextOpening(at('2026-06-03T10:15:30.5+09:00'), tokyo)).toBe(at('2026-06-03T10:15:30.5+09:00'));
  });

  it('opens at 09:00 on the same day for an instant before 09:00', () => {
    expect(iso(nextOpening(at('2026-06-03T07:00:00+09:00'), tokyo))).toBe('2026-06-03T00:00:00.000Z');
  });

  it('treats "to" as exclusive: 18:00 waits for the next business day', () => {
    expect(nextOpening(at('2026-06-03T17:59:59.999+09:00'), tokyo)).toBe(at('2026-06-03T17:59:59.999+09:00'));
    expect(iso(nextOpening(at('2026-06-03T18:00:00+09:00'), tokyo))).toBe('2026-06-04T00:00:00.000Z');
  });

  it('treats "from" as inclusive', () => {
    expect(nextOpening(at('2026-06-03T09:00:00+09:00'), tokyo)).toBe(at('2026-06-03T09:00:00+09:00'));
  });

  it('moves Friday evening to Monday 09:00', () => {
    expect(iso(nextOpening(at('2026-06-05T18:30:00+09:00'), tokyo))).toBe('2026-06-08T00:00:00.000Z');
  });

  it('sends on a Saturday when business days are not required', () => {
    const anyDay = { ...tokyo, businessDays: false };
    expect(nextOpening(at('2026-06-06T10:00:00+09:00'), anyDay)).toBe(at('2026-06-06T10:00:00+09:00'));
    expect(iso(nextOpening(at('2026-06-06T19:00:00+09:00'), anyDay))).toBe('2026-06-07T00:00:00.000Z');
  });

  describe('over the year-end break', () => {
    it('still sends at 17:59 on Friday 26 December 2025, the last business day', () => {
      expect(nextOpening(at('2025-12-26T17:59:00+09:00'), tokyo)).toBe(at('2025-12-26T17:59:00+09:00'));
    });

    it('waits from 18:00 on Friday 26 December 2025 until Monday 5 January 2026, 09:00', () => {
      expect(iso(nextOpening(at('2025-12-26T18:00:00+09:00'), tokyo))).toBe('2026-01-05T00:00:00.000Z');
    });

    it('still sends at 17:59 on Monday 28 December 2026', () => {
      expect(nextOpening(at('2026-12-28T17:59:00+09:00'), tokyo)).toBe(at('2026-12-28T17:59:00+09:00'));
    });

    it('waits from 18:00 on Monday 28 December 2026 until Monday 4 January 2027, 09:00', () => {
      expect(iso(nextOpening(at('2026-12-28T18:00:00+09:00'), tokyo))).toBe('2027-01-04T00:00:00.000Z');
    });

    it('waits from Friday 28 December 2029, 18:00 until Friday 4 January 2030, 09:00', () => {
      expect(iso(nextOpening(at('2029-12-28T18:00:00+09:00'), tokyo))).toBe('2030-01-04T00:00:00.000Z');
    });

    it('keeps a window that allows any day open on New Year’s Day', () => {
      expect(nextOpening(at('2027-01-01T10:00:00+09:00'), { ...tokyo, businessDays: false })).toBe(
        at('2027-01-01T10:00:00+09:00'),
      );
    });
  });

  describe('over Japanese holidays', () => {
    it('skips Shōwa Day: Tuesday 28 April 2026, 18:00 waits until Thursday 30 April, 09:00', () => {
      expect(iso(nextOpening(at('2026-04-28T18:00:00+09:00'), tokyo))).toBe('2026-04-30T00:00:00.000Z');
    });

    it('skips Golden Week and its substitute holiday: Friday 1 May 2026, 18:00 waits until Thursday 7 May, 09:00', () => {
      expect(iso(nextOpening(at('2026-05-01T18:00:00+09:00'), tokyo))).toBe('2026-05-07T00:00:00.000Z');
    });

    it('skips a Monday holiday: Friday 17 July 2026, 18:00 waits until Tuesday 21 July (after 海の日), 09:00', () => {
      expect(iso(nextOpening(at('2026-07-17T18:00:00+09:00'), tokyo))).toBe('2026-07-21T00:00:00.000Z');
    });

    it("skips the 2026 Silver Week and its citizens' holiday: Friday 18 September waits until Thursday 24 September", () => {
      expect(iso(nextOpening(at('2026-09-18T18:00:00+09:00'), tokyo))).toBe('2026-09-24T00:00:00.000Z');
    });
  });

  describe('in the lead’s time zone', () => {
    it('opens at 09:00 Tokyo, which is 00:00 UTC', () => {
      expect(iso(nextOpening(at('2026-06-02T23:30:00Z'), tokyo))).toBe('2026-06-03T00:00:00.000Z');
    });

    it('opens at 09:00 London: 08:00 UTC in summer time, 09:00 UTC in winter', () => {
      expect(iso(nextOpening(at('2026-06-03T07:00:00Z'), london))).toBe('2026-06-03T08:00:00.000Z');
      expect(iso(nextOpening(at('2026-02-03T07:00:00Z'), london))).toBe('2026-02-03T09:00:00.000Z');
    });

    it('opens at 09:00 New York: 13:00 UTC in summer time, 14:00 UTC in winter', () => {
      expect(iso(nextOpening(at('2026-06-03T07:00:00Z'), newYork))).toBe('2026-06-03T13:00:00.000Z');
      expect(iso(nextOpening(at('2026-02-03T07:00:00Z'), newYork))).toBe('2026-02-03T14:00:00.000Z');
    });

    it('gives one instant three different answers for leads in Tokyo, London and New York', () => {
      // Monday 8 June 2026, 12:00 UTC: 21:00 in Tokyo, 13:00 in London, 08:00 in New York.
      const instant = at('2026-06-08T12:00:00Z');
      expect(iso(nextOpening(instant, tokyo))).toBe('2026-06-09T00:00:00.000Z');
      expect(nextOpening(instant, london)).toBe(instant);
      expect(iso(nextOpening(instant, newYork))).toBe('2026-06-08T13:00:00.000Z');
    });

    it('sees Saturday in Tokyo when it is still Friday in UTC', () => {
      // Friday 5 June 2026, 16:00 UTC is Saturday 01:00 in Tokyo.
      const instant = at('2026-06-05T16:00:00Z');
      expect(iso(nextOpening(instant, tokyo))).toBe('2026-06-08T00:00:00.000Z');
      expect(nextOpening(instant, { ...tokyo, timezone: 'UTC' })).toBe(instant);
    });

    it('sees Monday morning in Tokyo when it is still Sunday in UTC', () => {
      // Sunday 7 June 2026, 23:00 UTC is Monday 08:00 in Tokyo.
      expect(iso(nextOpening(at('2026-06-07T23:00:00Z'), tokyo))).toBe('2026-06-08T00:00:00.000Z');
      expect(iso(nextOpening(at('2026-06-07T23:00:00Z'), { ...tokyo, timezone: 'UTC' }))).toBe(
        '2026-06-08T09:00:00.000Z',
      );
    });

    it('takes the holiday from the Tokyo date, which turns over at 15:00 UTC', () => {
      // Substitute holiday Wednesday 6 May 2026 ends at 15:00 UTC, when Thursday begins in Tokyo.
      const allDay = { ...tokyo, from: '00:00', to: '23:59' };
      expect(iso(nextOpening(at('2026-05-06T14:59:59.999Z'), allDay))).toBe('2026-05-06T15:00:00.000Z');
      expect(nextOpening(at('2026-05-06T15:00:00Z'), allDay)).toBe(at('2026-05-06T15:00:00Z'));
    });

    it('applies the Japanese holidays to a lead abroad too, on that lead’s date', () => {
      // 海の日, Monday 20 July 2026, is Monday in London as well.
      expect(iso(nextOpening(at('2026-07-17T18:00:00+01:00'), london))).toBe('2026-07-21T08:00:00.000Z');
    });
  });

  describe('across daylight-saving changes', () => {
    const night: SendWindow = { timezone: 'America/New_York', businessDays: false, from: '02:30', to: '05:00' };

    it('moves an opening inside the spring-forward gap forward by the gap, as Temporal’s "compatible" does', () => {
      // 8 March 2026: New York clocks jump from 02:00 EST to 03:00 EDT; 02:30 does not exist.
      expect(iso(nextOpening(at('2026-03-08T01:00:00-05:00'), night))).toBe('2026-03-08T07:30:00.000Z');
    });

    it('agrees with isInsideWindow about the gap day: 03:10 EDT is before the 03:30 EDT opening', () => {
      expect(isInsideWindow(at('2026-03-08T03:10:00-04:00'), night)).toBe(false);
      expect(iso(nextOpening(at('2026-03-08T03:10:00-04:00'), night))).toBe('2026-03-08T07:30:00.000Z');
      expect(isInsideWindow(at('2026-03-08T03:30:00-04:00'), night)).toBe(true);
    });

    it('opens at the earlier of two 01:30s on the fall-back night', () => {
      const repeated = { ...night, from: '01:30' };
      // 1 November 2026: 01:30 happens at 05:30 UTC (EDT) and again at 06:30 UTC (EST).
      expect(iso(nextOpening(at('2026-11-01T00:00:00-04:00'), repeated))).toBe('2026-11-01T05:30:00.000Z');
      expect(isInsideWindow(at('2026-11-01T01:10:00-05:00'), repeated)).toBe(true);
    });

    it('keeps 09:00 local across the change, so the UTC opening moves by an hour', () => {
      // Friday 6 March 2026 18:00 EST → Monday 9 March 09:00 EDT.
      expect(iso(nextOpening(at('2026-03-06T18:00:00-05:00'), newYork))).toBe('2026-03-09T13:00:00.000Z');
    });
  });

  describe('rejecting a broken window', () => {
    it('rejects a window that does not open before it closes', () => {
      expect(() => nextOpening(0, { ...tokyo, from: '18:00', to: '09:00' })).toThrow(/earlier than "to"/);
      expect(() => nextOpening(0, { ...tokyo, from: '09:00', to: '09:00' })).toThrow(RangeError);
    });

    it('rejects a time that is not HH:MM', () => {
      expect(() => nextOpening(0, { ...tokyo, from: '9:00' })).toThrow(/HH:MM/);
      expect(() => isInsideWindow(0, { ...tokyo, to: '24:00' })).toThrow(/HH:MM/);
    });

    it('rejects an unknown time zone, naming it', () => {
      expect(() => nextOpening(0, { ...tokyo, timezone: 'Mars/Olympus_Mons' })).toThrow(/Mars\/Olympus_Mons/);
    });
  });
});

describe('isInsideWindow', () => {
  it('allows every instant when there is no window', () => {
    expect(isInsideWindow(at('2026-06-06T03:00:00Z'), null)).toBe(true);
    expect(isInsideWindow(at('2026-06-06T03:00:00Z'), undefined)).toBe(true);
  });

  it('allows business hours on a business day and nothing else', () => {
    expect(isInsideWindow(at('2026-06-03T09:00:00+09:00'), tokyo)).toBe(true);
    expect(isInsideWindow(at('2026-06-03T08:59:59.999+09:00'), tokyo)).toBe(false);
    expect(isInsideWindow(at('2026-06-03T18:00:00+09:00'), tokyo)).toBe(false);
    expect(isInsideWindow(at('2026-06-06T10:00:00+09:00'), tokyo)).toBe(false);
    expect(isInsideWindow(at('2026-05-06T10:00:00+09:00'), tokyo)).toBe(false);
    expect(isInsideWindow(at('2026-12-30T10:00:00+09:00'), tokyo)).toBe(false);
  });

  it('agrees with nextOpening on every hour of a fortnight spanning Golden Week', () => {
    for (let t = at('2026-04-25T00:00:00Z'); t < at('2026-05-09T00:00:00Z'); t += 30 * 60_000) {
      expect(nextOpening(t, tokyo) === t).toBe(isInsideWindow(t, tokyo));
      const next = nextOpening(t, tokyo);
      expect(isInsideWindow(next, tokyo)).toBe(true);
    }
  });
});

describe('independence from the process time zone', () => {
  const projectDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
  const moduleUrl = pathToFileURL(path.join(projectDir, 'domain', 'send-window.ts')).href;
  // Instants around midnight in Tokyo, in UTC, and in the extreme zones themselves.
  const instants = [
    '2025-12-26T08:59:00Z',
    '2025-12-26T09:00:00Z',
    '2026-05-06T14:59:59Z',
    '2026-05-06T15:00:00Z',
    '2026-06-05T16:00:00Z',
    '2026-06-07T23:00:00Z',
    '2026-07-19T10:00:00Z',
    '2026-12-31T23:59:59Z',
  ].map(at);
  const windows = [tokyo, london, newYork, { ...tokyo, from: '00:00', to: '23:59' }];
  const script = `
    const { nextOpening, isInsideWindow } = await import(${JSON.stringify(moduleUrl)});
    const instants = ${JSON.stringify(instants)};
    const windows = ${JSON.stringify(windows)};
    console.log(JSON.stringify(windows.map((w) => instants.map((t) => [nextOpening(t, w), isInsideWindow(t, w)]))));
  `;

  // Local-time Date getters cannot be switched to another zone inside one process, so a
  // child process runs the same computation under the zones furthest from Tokyo and UTC.
  it.each(['Pacific/Kiritimati', 'Pacific/Pago_Pago', 'America/New_York'])(
    'computes the same openings with TZ=%s',
    (tz) => {
      const output = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        cwd: projectDir,
        env: { ...process.env, TZ: tz },
        encoding: 'utf8',
      });
      expect(JSON.parse(output)).toEqual(
        windows.map((w) => instants.map((t) => [nextOpening(t, w), isInsideWindow(t, w)])),
      );
    },
  );
});
