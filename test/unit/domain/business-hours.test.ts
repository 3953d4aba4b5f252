import { describe, expect, it } from 'vitest';
import { addBusinessTime, businessDurationMs } from '../../../domain/business-hours.ts';

const WINDOW = { timezone: 'Asia/Tokyo', businessDays: true, from: '09:00', to: '18:00' };
const tokyo = (text: string) => Date.parse(`${text}+09:00`);

describe('addBusinessTime', () => {
  it('counts only the hours the send window is open', () => {
    expect(addBusinessTime(tokyo('2026-12-01T10:00:00'), 'PT4H', WINDOW)).toBe(tokyo('2026-12-01T14:00:00'));
    // Two hours on Friday, two on Monday.
    expect(addBusinessTime(tokyo('2026-12-04T16:00:00'), 'PT4H', WINDOW)).toBe(tokyo('2026-12-07T11:00:00'));
    // Made at night: counting starts when the window opens.
    expect(addBusinessTime(tokyo('2026-12-01T22:00:00'), 'PT30M', WINDOW)).toBe(tokyo('2026-12-02T09:30:00'));
  });

  it('skips the year-end break', () => {
    expect(addBusinessTime(tokyo('2026-12-28T17:00:00'), 'PT2H', WINDOW)).toBe(tokyo('2027-01-04T10:00:00'));
  });

  it('counts every hour without a window', () => {
    expect(addBusinessTime(1_000, 'PT2S', null)).toBe(3_000);
  });

  it('refuses calendar units, which mean nothing in business hours', () => {
    expect(() => businessDurationMs('P1D')).toThrow(/hours, minutes and seconds/);
    expect(businessDurationMs('PT1H30M')).toBe(5_400_000);
  });
});
