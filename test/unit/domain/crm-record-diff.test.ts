import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  crmChangeEvents,
  diffCrmRecord,
  modifiedTimeMs,
  UNKNOWN_RECORD,
  type CrmRecordFields,
  type CrmRecordObservation,
  type CrmRecordState,
} from '../../../domain/crm-record-diff.ts';

const T = (minute: number) => Date.parse('2026-11-29T10:00:00Z') + minute * 60_000;
const seen = (fields: CrmRecordFields, modifiedAtMs: number | null = null): CrmRecordObservation => ({
  fields,
  modifiedAtMs,
});

/** Applies deliveries in order, answering the events each one stood for. */
function replay(observations: CrmRecordObservation[], start: CrmRecordState = UNKNOWN_RECORD) {
  let state = start;
  const events: string[][] = [];
  for (const observation of observations) {
    const diff = diffCrmRecord(state, observation);
    events.push(crmChangeEvents(diff));
    state = diff.next;
  }
  return { state, events };
}

describe('diffCrmRecord and crmChangeEvents', () => {
  const open = { outcome: 'open', stage: 'Qualification', amount: 100, probability: 10 } as const;

  it.each([
    ['a deal seen for the first time is a stage change', [seen(open)], [['deal.stage_changed']]],
    ['the same record saved again is nothing', [seen(open), seen(open)], [['deal.stage_changed'], []]],
    [
      'a new stage is a stage change, an amount alone an update',
      [seen(open), seen({ ...open, stage: 'Proposal' }), seen({ ...open, stage: 'Proposal', amount: 200 })],
      [['deal.stage_changed'], ['deal.stage_changed'], ['deal.updated']],
    ],
    [
      'probability, close date and owner are updates',
      [
        seen(open),
        seen({ ...open, probability: 50 }),
        seen({ ...open, probability: 50, expectedCloseDate: '2027-01-31' }),
        seen({ ...open, probability: 50, expectedCloseDate: '2027-01-31', ownerEmail: 'rep@example.com' }),
      ],
      [['deal.stage_changed'], ['deal.updated'], ['deal.updated'], ['deal.updated']],
    ],
    [
      'a win is reported once, however often the won deal is saved',
      [
        seen(open),
        seen({ ...open, outcome: 'won', stage: 'Closed Won' }),
        seen({ ...open, outcome: 'won', stage: 'Closed Won' }),
        seen({ ...open, outcome: 'won', stage: 'Closed Won', amount: 150 }),
      ],
      [['deal.stage_changed'], ['deal.won'], [], ['deal.updated']],
    ],
    [
      'a contract end is reported when its reason is filled and when its date changes, not on other edits',
      [
        seen({ ...open, outcome: 'won' }),
        seen({ ...open, outcome: 'won', contractEndReason: 'budget', contractEndDate: '2027-03-31' }),
        seen({ ...open, outcome: 'won', contractEndReason: 'budget', contractEndDate: '2027-03-31' }),
        seen({ ...open, outcome: 'won', contractEndReason: 'budget', contractEndDate: '2027-06-30' }),
      ],
      [['deal.won'], ['contract.ended'], [], ['contract.ended']],
    ],
    [
      'a contract end date without a reason waits for the reason',
      [seen({ outcome: 'won', contractEndDate: '2027-03-31' }), seen({ outcome: 'won', contractEndReason: 'timing' })],
      [['deal.won'], ['contract.ended']],
    ],
    [
      'a lost deal reopened is a stage change',
      [seen(open), seen({ ...open, outcome: 'lost' }), seen(open)],
      [['deal.stage_changed'], ['deal.lost'], ['deal.stage_changed']],
    ],
    [
      'an opt-out turning true unsubscribes once',
      [seen({ optOut: false }), seen({ optOut: true }), seen({ optOut: true })],
      [[], ['contact.unsubscribed'], []],
    ],
  ] as const)('%s', (_name, observations, expected) => {
    expect(replay([...observations]).events).toEqual(expected);
  });

  it('names each changed field with its old and new value', () => {
    const { state } = replay([seen(open)]);
    const diff = diffCrmRecord(state, seen({ ...open, amount: 300, ownerEmail: 'rep@example.com' }));
    expect(diff.changes).toEqual({ amount: { from: 100, to: 300 }, ownerEmail: { from: null, to: 'rep@example.com' } });
  });

  it('keeps a field the delivery does not report', () => {
    const { state } = replay([seen(open), seen({ stage: 'Proposal' })]);
    expect(state.fields).toEqual({ ...open, stage: 'Proposal' });
  });

  it('ignores a late delivery older than the known change, and says which fields it would have changed', () => {
    const { state } = replay([seen({ ...open, stage: 'Proposal' }, T(5))]);
    const late = diffCrmRecord(state, seen(open, T(1)));
    expect(late.changes).toEqual({});
    expect(late.stale).toEqual(['stage']);
    expect(crmChangeEvents(late)).toEqual([]);
  });

  it('applies a delivery with the same modified time, and one without any time, in arrival order', () => {
    const { state } = replay([seen(open, T(5))]);
    expect(diffCrmRecord(state, seen({ amount: 120 }, T(5))).changes).toEqual({ amount: { from: 100, to: 120 } });
    expect(diffCrmRecord(state, seen({ amount: 130 })).changes).toEqual({ amount: { from: 100, to: 130 } });
  });

  it('reads the CRM modified time, and none from blanks or text that is not a time', () => {
    expect(modifiedTimeMs('2026-11-29T19:00:00+09:00')).toBe(T(0));
    expect(modifiedTimeMs('t1')).toBeNull();
    expect(modifiedTimeMs(' ')).toBeNull();
    expect(modifiedTimeMs(undefined)).toBeNull();
  });
});

const outcome = fc.constantFrom<'open' | 'won' | 'lost'>('open', 'won', 'lost');
/** A whole record as Zoho or HubSpot send it: every followed deal field present. */
const snapshot: fc.Arbitrary<CrmRecordFields> = fc.record({
  outcome,
  stage: fc.constantFrom('Qualification', 'Proposal', 'Negotiation', 'Closed Won', 'Closed Lost'),
  amount: fc.integer({ min: 0, max: 5 }).map((n) => n * 100_000),
  probability: fc.constantFrom(10, 50, 90),
  expectedCloseDate: fc.constantFrom('2027-01-31', '2027-02-28'),
  ownerEmail: fc.constantFrom('a@example.com', 'b@example.com'),
  contractEndReason: fc.constantFrom('budget', 'timing'),
  contractEndDate: fc.constantFrom('2027-03-31', '2027-06-30'),
});
/** A partial delivery, as the generic webhook's typed events are. */
const partial: fc.Arbitrary<CrmRecordFields> = snapshot.chain((full) =>
  fc.subarray(Object.keys(full)).map((keys) => Object.fromEntries(keys.map((k) => [k, full[k as keyof typeof full]]))),
);
const timed = (fields: fc.Arbitrary<CrmRecordFields>) =>
  fc.record({ fields, modifiedAtMs: fc.option(fc.integer({ min: 0, max: 1_000 }), { nil: null }) });

describe('diffCrmRecord properties', () => {
  it('gives a repeated delivery no change and no event', () => {
    fc.assert(
      fc.property(fc.array(timed(partial), { maxLength: 8 }), timed(partial), (before, delivery) => {
        const { state } = replay(before);
        const once = diffCrmRecord(state, delivery);
        const twice = diffCrmRecord(once.next, delivery);
        expect(twice.changes).toEqual({});
        expect(crmChangeEvents(twice)).toEqual([]);
      }),
    );
  });

  it('ends in the newest snapshot whatever order whole snapshots with distinct times arrive in', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 6 }),
        fc.array(snapshot, { minLength: 6, maxLength: 6 }),
        fc.integer({ min: 0, max: 1_000 }),
        (times, snapshots, seed) => {
          const deliveries = times.map((t, i) => seen(snapshots[i] as CrmRecordFields, t));
          const shuffled = [...deliveries].sort(
            (a, b) => (((a.modifiedAtMs ?? 0) * 7919 + seed) % 101) - (((b.modifiedAtMs ?? 0) * 7919 + seed) % 101),
          );
          const newest = deliveries.reduce((a, b) => ((a.modifiedAtMs ?? 0) > (b.modifiedAtMs ?? 0) ? a : b));
          expect(replay(shuffled).state.fields).toEqual(newest.fields);
        },
      ),
    );
  });

  it('reports only fields whose value differs, and every one of them', () => {
    fc.assert(
      fc.property(fc.array(timed(partial), { maxLength: 6 }), partial, (before, fields) => {
        const { state } = replay(before);
        const diff = diffCrmRecord(state, seen(fields));
        for (const [name, value] of Object.entries(fields)) {
          const key = name as keyof CrmRecordFields;
          if (value === state.fields[key]) expect(diff.changes[key]).toBeUndefined();
          else expect(diff.changes[key]).toEqual({ from: state.fields[key] ?? null, to: value });
        }
        expect(diff.next.fields).toEqual({ ...state.fields, ...fields });
      }),
    );
  });

  it('reports a win once per run of won deliveries', () => {
    fc.assert(
      fc.property(fc.array(snapshot, { minLength: 1, maxLength: 8 }), (snapshots) => {
        const won = snapshots.map((s) => seen({ ...s, outcome: 'won' }));
        expect(
          replay(won)
            .events.flat()
            .filter((e) => e === 'deal.won'),
        ).toHaveLength(1);
      }),
    );
  });
});
