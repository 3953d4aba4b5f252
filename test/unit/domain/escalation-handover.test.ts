import { describe, expect, it } from 'vitest';
import { handOverTo } from '../../../domain/escalation-handover.ts';

const REPS = ['a@example.com', 'b@example.com', 'c@example.com'];

describe('handOverTo', () => {
  it('hands to the rep after the current one, wrapping round the rotation', () => {
    expect(handOverTo(REPS, 'a@example.com', undefined)).toBe('b@example.com');
    expect(handOverTo(REPS, 'C@Example.com', 'boss@example.com')).toBe('a@example.com');
  });

  it('hands an owner outside the rotation to its first rep', () => {
    expect(handOverTo(REPS, 'owner@example.com', 'boss@example.com')).toBe('a@example.com');
    expect(handOverTo(REPS, null, undefined)).toBe('a@example.com');
  });

  it('goes to the sales manager when there is no other rep', () => {
    expect(handOverTo([], 'owner@example.com', 'boss@example.com')).toBe('boss@example.com');
    expect(handOverTo(['owner@example.com'], 'owner@example.com', 'boss@example.com')).toBe('boss@example.com');
  });

  it('finds nobody when there is neither another rep nor a manager, or the manager already has it', () => {
    expect(handOverTo([], 'owner@example.com', undefined)).toBeUndefined();
    expect(handOverTo(['boss@example.com'], 'boss@example.com', 'boss@example.com')).toBeUndefined();
  });
});
