import { randomUUID } from 'node:crypto';
import { leadWorkflowId } from '../domain/lead.ts';
import type { leadLifecycle } from '../workflows/lead-lifecycle.ts';
import { alternateRounds, openApiRig, type PairedResult, type PairedSettings } from './api-rig.ts';

/** Every round and the medians the README tells how to read. */
export interface IntakeResult extends PairedResult {
  taskQueue: string;
  leadRowsWritten: number;
}

/** The cadence the bench leads run: a first step a day away, so nothing is ever sent. */
export const BENCH_CADENCE_KEY = 'bench-p1d';
const TEMPLATE_KEY = 'bench-welcome';

// The first step waits a day, so even if a worker did poll the queue nothing would be
// sent during the bench; and none does: workflows are only started, which is what
// intake costs.
const CADENCE = {
  name: 'Bench: first touch after a day',
  nurture: { steps: [{ after: 'P1D', channel: 'email', template: TEMPLATE_KEY }] },
};
const TEMPLATE = {
  subject: '{{lead.company}} {{lead.name}} 様へ: ご案内',
  mjml: '<mjml><mj-body><mj-section><mj-column><mj-text>{{lead.company}} {{lead.name}} 様</mj-text></mj-column></mj-section></mj-body></mjml>',
};

/** Stores the bench cadence and its template through the API. */
export async function storeBenchCadence(
  app: { inject: (options: object) => Promise<{ statusCode: number; body: string }> },
  headers: Record<string, string>,
): Promise<void> {
  const template = await app.inject({
    method: 'PUT',
    url: `/v1/templates/${TEMPLATE_KEY}`,
    headers,
    payload: TEMPLATE,
  });
  const cadence = await app.inject({
    method: 'PUT',
    url: `/v1/cadences/${BENCH_CADENCE_KEY}`,
    headers,
    payload: CADENCE,
  });
  // 200: stored by an earlier section of the same run.
  if (![200, 201].includes(template.statusCode) || ![200, 201].includes(cadence.statusCode)) {
    throw new Error(
      `bench set-up failed: template ${template.statusCode} ${template.body}; cadence ${cadence.statusCode} ${cadence.body}`,
    );
  }
}

/**
 * Lead intake through the real API path (`POST /v1/leads` via `inject`: auth, schema
 * validation, the lead read, the cadence check, the upsert in PostgreSQL and the workflow
 * start) against a baseline of bare `client.workflow.start` calls with the same options,
 * on the same Temporal client and server, at the same concurrency, alternated per round.
 */
export async function benchLeadIntake(settings: PairedSettings): Promise<IntakeResult> {
  const rig = await openApiRig(settings);
  const { app, client, pool, taskQueue, runTag, headers } = rig;
  try {
    await storeBenchCadence(app, headers);
    const rawStart = async (): Promise<void> => {
      const leadId = randomUUID();
      await client.workflow.start<typeof leadLifecycle>('leadLifecycle', {
        taskQueue,
        workflowId: leadWorkflowId(leadId),
        args: [{ leadId }],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
    };
    const apiCreate = async (label: string, i: number): Promise<void> => {
      const response = await app.inject({
        method: 'POST',
        url: '/v1/leads',
        headers,
        payload: {
          email: `bench-${runTag}-${label}-${i}@example.com`,
          name: `Bench Lead ${i}`,
          company: 'Example Co.',
          title: 'Buyer',
          source: 'bench',
          cadence: BENCH_CADENCE_KEY,
        },
      });
      if (response.statusCode !== 201)
        throw new Error(`POST /v1/leads answered ${response.statusCode}: ${response.body}`);
    };
    const result = await alternateRounds(
      {
        count: settings.leads,
        concurrency: settings.concurrency,
        rounds: settings.rounds,
        log: settings.log,
        unit: 'leads',
      },
      rawStart,
      apiCreate,
    );

    // Not a timing check: confirms every counted API call really wrote its lead.
    const written = await pool.query<{ n: string }>('SELECT count(*) AS n FROM leads WHERE email LIKE $1', [
      `bench-${runTag}-%`,
    ]);
    const leadRowsWritten = Number(written.rows[0]?.n ?? 0);
    const expected = result.warmup + settings.rounds * settings.leads;
    if (leadRowsWritten !== expected)
      throw new Error(`expected ${expected} lead rows after the bench, found ${leadRowsWritten}`);
    return { ...result, taskQueue, leadRowsWritten };
  } finally {
    await rig.close();
  }
}
