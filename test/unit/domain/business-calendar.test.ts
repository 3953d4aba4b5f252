import { describe, expect, it } from 'vitest';
import {
  HOLIDAY_DATA_YEARS,
  holidayName,
  isBusinessDay,
  isJapaneseHoliday,
  isYearEndBreak,
} from '../../../domain/business-calendar.ts';

const d = (iso: string) => {
  const [year, month, day] = iso.split('-').map(Number);
  return { year: year!, month: month!, day: day! };
};

describe('isJapaneseHoliday', () => {
  it.each(['2026-04-29', '2026-05-03', '2026-05-04', '2026-05-05', '2026-05-06'])(
    'counts %s of Golden Week 2026 as a holiday',
    (date) => {
      expect(isJapaneseHoliday(d(date))).toBe(true);
    },
  );

  it.each(['2026-04-28', '2026-04-30', '2026-05-01', '2026-05-07'])(
    'counts the working day %s around Golden Week 2026 as no holiday',
    (date) => {
      expect(isJapaneseHoliday(d(date))).toBe(false);
    },
  );

  it('counts the substitute holiday for a Sunday holiday (振替休日, 6 May 2026)', () => {
    expect(isJapaneseHoliday(d('2026-05-06'))).toBe(true);
    expect(holidayName(d('2026-05-06'))).toBe('こどもの日 振替休日');
  });

  it("counts a citizens' holiday squeezed between two holidays (22 September 2026)", () => {
    expect(isJapaneseHoliday(d('2026-09-22'))).toBe(true);
    expect(holidayName(d('2026-09-22'))).toBe('休日');
  });

  it('counts a Monday holiday (海の日, 20 July 2026)', () => {
    expect(isJapaneseHoliday(d('2026-07-20'))).toBe(true);
    expect(holidayName(d('2026-07-20'))).toBe('海の日');
  });

  it('follows the one-off moves of the 2020 Olympics rather than the usual rule', () => {
    expect(holidayName(d('2020-07-24'))).toBe('スポーツの日');
    // The second Monday of October, Sports Day in any other year.
    expect(isJapaneseHoliday(d('2020-10-12'))).toBe(false);
  });

  it('does not count the year-end days that are no national holiday', () => {
    expect(isJapaneseHoliday(d('2026-01-02'))).toBe(false);
    expect(isJapaneseHoliday(d('2026-12-31'))).toBe(false);
  });

  it('rejects a date that does not exist rather than answering for another day', () => {
    expect(() => isJapaneseHoliday({ year: 2026, month: 2, day: 30 })).toThrow(RangeError);
    expect(() => isBusinessDay({ year: 2026, month: 13, day: 1 })).toThrow(RangeError);
  });
});

describe('isYearEndBreak', () => {
  it.each(['2026-12-29', '2026-12-30', '2026-12-31', '2027-01-01', '2027-01-02', '2027-01-03'])(
    'puts %s inside the year-end break',
    (date) => {
      expect(isYearEndBreak(d(date))).toBe(true);
    },
  );

  it.each(['2026-12-28', '2027-01-04'])('puts %s outside the year-end break', (date) => {
    expect(isYearEndBreak(d(date))).toBe(false);
  });
});

describe('isBusinessDay', () => {
  it('accepts an ordinary weekday', () => {
    expect(isBusinessDay(d('2026-06-03'))).toBe(true);
  });

  it('rejects Saturday and Sunday', () => {
    expect(isBusinessDay(d('2026-06-06'))).toBe(false);
    expect(isBusinessDay(d('2026-06-07'))).toBe(false);
  });

  it('rejects a weekday holiday, a Monday holiday and a substitute holiday', () => {
    expect(isBusinessDay(d('2026-04-29'))).toBe(false);
    expect(isBusinessDay(d('2026-07-20'))).toBe(false);
    expect(isBusinessDay(d('2026-05-06'))).toBe(false);
  });

  it('rejects a weekday of the year-end break that is no national holiday (Friday 2 January 2026)', () => {
    expect(isBusinessDay(d('2026-01-02'))).toBe(false);
  });

  it('opens 2027 on Monday 4 January, after the last working day of 2026 on Monday 28 December', () => {
    expect(isBusinessDay(d('2026-12-28'))).toBe(true);
    expect(isBusinessDay(d('2027-01-04'))).toBe(true);
  });

  it('opens 2026 on Monday 5 January, since 4 January 2026 is a Sunday', () => {
    expect(isBusinessDay(d('2025-12-26'))).toBe(true);
    expect(isBusinessDay(d('2026-01-04'))).toBe(false);
    expect(isBusinessDay(d('2026-01-05'))).toBe(true);
  });
});

describe('holidayName', () => {
  it('names New Year’s Day by its own name rather than the year-end break', () => {
    expect(holidayName(d('2027-01-01'))).toBe('元日');
  });

  it('names the other days of the year-end break 年末年始', () => {
    expect(holidayName(d('2026-12-30'))).toBe('年末年始');
    expect(holidayName(d('2027-01-03'))).toBe('年末年始');
  });

  it('gives no name for an ordinary day, even a weekend', () => {
    expect(holidayName(d('2026-06-03'))).toBeUndefined();
    expect(holidayName(d('2026-06-06'))).toBeUndefined();
  });
});

describe('HOLIDAY_DATA_YEARS', () => {
  it('states the years the holiday data covers, today and well beyond', () => {
    expect(HOLIDAY_DATA_YEARS).toEqual({ first: 1970, last: 2050 });
  });

  it('finds no holiday beyond the data, while weekends and the year-end break still hold', () => {
    expect(isJapaneseHoliday(d('2051-05-03'))).toBe(false);
    expect(isBusinessDay(d('2051-01-02'))).toBe(false);
    expect(holidayName(d('2051-12-31'))).toBe('年末年始');
  });
});
