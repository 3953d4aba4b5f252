import { describe, expect, it } from 'vitest';
import { taskDueAt } from '../../../domain/task-due.ts';

const tokyo = (text: string) => Date.parse(`${text}+09:00`);
const due = (made: string) => new Date(taskDueAt(tokyo(made), 'Asia/Tokyo')).toISOString();

describe('taskDueAt', () => {
  it('is due at 18:00 on the second business day after the day the task was made', () => {
    expect(due('2026-12-01T10:00:00')).toBe(new Date(tokyo('2026-12-03T18:00:00')).toISOString());
    // Made late on Tuesday: still Thursday, not Wednesday night plus two days.
    expect(due('2026-12-01T23:30:00')).toBe(new Date(tokyo('2026-12-03T18:00:00')).toISOString());
  });

  it('skips the weekend: a task made on Friday is due on Tuesday', () => {
    expect(due('2026-12-04T15:00:00')).toBe(new Date(tokyo('2026-12-08T18:00:00')).toISOString());
  });

  it('skips the year-end break and New Year holidays', () => {
    // 28 Dec 2026 is a Monday; 29 Dec to 3 Jan are closed, 4 and 5 Jan are business days.
    expect(due('2026-12-28T09:00:00')).toBe(new Date(tokyo('2027-01-05T18:00:00')).toISOString());
  });

  it("counts days in the lead's own time zone", () => {
    // 23:00 UTC on 1 December is already 2 December in Tokyo, still 1 December in London.
    const made = Date.parse('2026-12-01T23:00:00Z');
    expect(new Date(taskDueAt(made, 'Europe/London')).toISOString()).toBe('2026-12-03T18:00:00.000Z');
    expect(new Date(taskDueAt(made, 'Asia/Tokyo')).toISOString()).toBe(
      new Date(tokyo('2026-12-04T18:00:00')).toISOString(),
    );
  });
});
