import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, startTestServices, waitFor } from '../support/services.ts';

// Saving a cadence answers what the new version does to the leads running it (issue 11,
// item 9): where they are, which move, which fall past the end.

const task = (after: string, title: string) => ({ after, channel: 'task', title });
const V1 = {
  name: 'Impact v1',
  nurture: { steps: [task('P1D', 'a'), task('P7D', 'b'), task('P14D', 'c'), task('P30D', 'd')] },
  sendWindow: null,
};

describe('cadence edits show their effect', () => {
  let app: FastifyInstance;
  let pool: pg.Pool;
  let stop: () => Promise<void>;

  const put = async (key: string, body: object) => {
    const res = await app.inject({ method: 'PUT', url: `/v1/cadences/${key}`, headers: auth, payload: body });
    expect(res.statusCode).toBeLessThan(300);
    return res.json<{
      version: number;
      impact: {
        running: number;
        byStep: { stage: string; step: number | null; leads: number }[];
        moving: number;
        pastEnd: number;
        pastEndCovered: boolean;
        stepUnknown: number;
      };
    }>();
  };
  /** Leads on `key` at `stepIndex` in `stage`, running `version` of it, as the read model holds them. */
  const insert = async (key: string, stage: string, stepIndex: number | null, version: number | null, count: number) =>
    pool.query(
      `INSERT INTO leads (email, cadence_key, stage, step_index, cadence_version)
       SELECT $1 || '-' || i || '@impact.example.jp', $2, $3, $4, $5 FROM generate_series(1, $6) AS i`,
      [`${key}-${stage}-${stepIndex ?? 'x'}-${version ?? 'x'}`, key, stage, stepIndex, version, count],
    );

  beforeAll(async () => {
    ({ app, pool, stop } = await startTestServices());
  });
  afterAll(async () => stop());

  it('counts the running leads at each step, and which move or fall past the end of a shortened sequence', async () => {
    const first = await put('impact-short', V1);
    expect(first.impact).toEqual({
      running: 0,
      byStep: [],
      moving: 0,
      pastEnd: 0,
      pastEndCovered: false,
      stepUnknown: 0,
    });
    const rows: [string, number | null, number][] = [
      ['nurturing', 0, 3],
      ['nurturing', 1, 2],
      ['nurturing', 2, 4],
      ['nurturing', 3, 1],
      ['nurturing', 4, 5],
      ['nurturing', null, 2],
      ['customer', 0, 6],
    ];
    for (const [stage, step, count] of rows) await insert('impact-short', stage, step, first.version, count);
    // Not running a sequence: neither counted nor moved.
    for (const stage of ['deal', 'dormant', 'closed']) await insert('impact-short', stage, 1, first.version, 3);

    // Two steps dropped: the leads at index 2 and 3 have no step any more.
    const shorter = { ...V1, name: 'Impact v2', nurture: { steps: V1.nurture.steps.slice(0, 2) } };
    const { impact } = await put('impact-short', shorter);
    const expected = { running: 3 + 2 + 4 + 1 + 5 + 2 + 6, pastEnd: 4 + 1, moving: 0, stepUnknown: 2 };
    expect(impact).toMatchObject({ ...expected, pastEndCovered: false });
    expect(impact.byStep).toEqual([
      { stage: 'nurturing', step: 0, leads: 3 },
      { stage: 'nurturing', step: 1, leads: 2 },
      { stage: 'nurturing', step: 2, leads: 4 },
      { stage: 'nurturing', step: 3, leads: 1 },
      { stage: 'nurturing', step: null, leads: 5 },
      // No upsell sequence in either version: running, at no step, and not moved.
      { stage: 'customer', step: null, leads: 6 },
    ]);
  });

  it('counts the leads a shorter repeat moves to another step, and says the new version has the guarantee', async () => {
    const first = await put('impact-repeat', { ...V1, nurture: { ...V1.nurture, repeat: true, repeatFrom: 0 } });
    await insert('impact-repeat', 'nurturing', 5, first.version, 2); // index 5 wraps to step 1 of 4
    await insert('impact-repeat', 'nurturing', 1, first.version, 3); // step 1 in both versions
    await insert('impact-repeat', 'nurturing', 3, first.version, 4); // step 3: wraps to step 0 of three
    await insert('impact-repeat', 'reactivation', 0, first.version, 1); // no reactivation sequence: not moved
    const guarantee = { every: 'month', fallback: { channel: 'email', template: 'monthly' } };
    const { impact } = await put('impact-repeat', {
      ...V1,
      guarantee,
      nurture: { steps: V1.nurture.steps.slice(0, 3), repeat: true, repeatFrom: 0 },
    });
    // Index 5 of 3 repeating steps is step 2 (was 1): moves. Index 3 is step 0 (was 3): moves. Index 1 stays.
    expect(impact).toMatchObject({ running: 10, moving: 2 + 4, pastEnd: 0, pastEndCovered: true, stepUnknown: 0 });
    expect(impact.byStep).toEqual([
      { stage: 'nurturing', step: 1, leads: 2 + 3 },
      { stage: 'nurturing', step: 3, leads: 4 },
      { stage: 'reactivation', step: null, leads: 1 },
    ]);
  });

  it('records the step index a running workflow plans next in the read model', async () => {
    await put('impact-live', {
      name: 'Live',
      nurture: { steps: [task('PT1S', 'first call'), task('P30D', 'second call')] },
      sendWindow: null,
    });
    const created = await app.inject({
      method: 'POST',
      url: '/v1/leads',
      headers: auth,
      payload: { email: 'live@impact.example.jp', cadence: 'impact-live' },
    });
    expect(created.statusCode).toBeLessThan(300);
    const { id } = created.json<{ id: string }>();
    const row = await waitFor(async () => {
      const result = await pool.query<{ step_index: number | null; next_touch_at: Date | null }>(
        'SELECT step_index, next_touch_at FROM leads WHERE id = $1',
        [id],
      );
      const lead = result.rows[0];
      return lead?.step_index === 1 && lead.next_touch_at !== null && lead;
    }, 'the second step planned');
    expect(row.step_index).toBe(1);
    const { impact } = await put('impact-live', {
      name: 'Live',
      nurture: { steps: [task('PT1S', 'first call')] },
      sendWindow: null,
    });
    expect(impact).toMatchObject({ running: 1, pastEnd: 1, byStep: [{ stage: 'nurturing', step: 1, leads: 1 }] });
  });
});
