import { createHmac, randomBytes } from 'node:crypto';
import { leadWorkflowId } from '../domain/lead.ts';
import type { leadLifecycle } from '../workflows/lead-lifecycle.ts';
import type { LeadEvent } from '../domain/lead-events.ts';
import { leadEventSignal } from '../workflows/lead-events.ts';
import { alternateRounds, openApiRig, type PairedResult, type PairedSettings } from './api-rig.ts';
import { BENCH_CADENCE_KEY, storeBenchCadence } from './lead-intake.ts';
import { runConcurrently } from './stats.ts';

/** Every round, the medians, and what the check after the rounds found. */
export interface IngestResult extends PairedResult {
  receiptsWritten: number;
}

/**
 * Webhook ingest: signed generic CRM webhooks (`POST /v1/webhooks/crm/generic` via
 * `inject`: the raw-body parse, the HMAC check, schema validation, the lead look-up by
 * email, then the receipt row and the signal-with-start in one transaction) against a
 * baseline of bare `client.workflow.signalWithStart` calls with the options
 * `intake/lifecycle-client.ts` uses, to the same workflows on the same client and server.
 * Both sides deliver `deal.stage_changed` to leads stored (and started) before the rounds.
 */
export async function benchWebhookIngest(settings: PairedSettings): Promise<IngestResult> {
  const secret = randomBytes(24).toString('hex');
  const rig = await openApiRig(settings, { crmWebhookSecret: secret });
  const { app, client, pool, taskQueue, runTag, headers } = rig;
  try {
    await storeBenchCadence(app, headers);
    // The leads the events are about, made through the API (not timed).
    const leads: { id: string; email: string }[] = [];
    await runConcurrently(settings.leads, settings.concurrency, async (i) => {
      const email = `ingest-${runTag}-${i}@example.com`;
      const response = await app.inject({
        method: 'POST',
        url: '/v1/leads',
        headers,
        payload: { email, cadence: BENCH_CADENCE_KEY },
      });
      if (response.statusCode !== 201)
        throw new Error(`POST /v1/leads answered ${response.statusCode}: ${response.body}`);
      leads[i] = { id: response.json<{ id: string }>().id, email };
    });
    const leadAt = (i: number) => leads[i % leads.length] as { id: string; email: string };

    // Calls on either side that went to the first lead: its history must hold as many signals.
    let firstLeadCalls = 0;
    const rawSignal = async (label: string, i: number): Promise<void> => {
      const lead = leadAt(i);
      if (i % leads.length === 0) firstLeadCalls += 1;
      await client.workflow.signalWithStart<typeof leadLifecycle, [LeadEvent]>('leadLifecycle', {
        taskQueue,
        workflowId: leadWorkflowId(lead.id),
        args: [{ leadId: lead.id }],
        signal: leadEventSignal,
        signalArgs: [
          {
            kind: 'deal_stage_changed',
            eventId: `raw:${runTag}-${label}-${i}`,
            deal: { stage: 'Proposal', amount: 1_000_000 },
          },
        ],
      });
    };
    // Each event carries a new amount: a deal event that repeats the stored deal changes
    // nothing and reaches no workflow, which would leave the webhook side without the
    // signal-with-start the bare side makes every time.
    let amount = 1_000_000;
    const webhook = async (label: string, i: number): Promise<void> => {
      amount += 1;
      const body = JSON.stringify({
        id: `${runTag}-${label}-${i}`,
        type: 'deal.stage_changed',
        occurredAt: new Date().toISOString(),
        data: { email: leadAt(i).email, stage: 'Proposal', amount },
      });
      const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
      const response = await app.inject({
        method: 'POST',
        url: '/v1/webhooks/crm/generic',
        headers: { 'content-type': 'application/json', 'x-signature': signature },
        payload: body,
      });
      if (response.statusCode !== 200 || response.json<{ duplicate: boolean }>().duplicate)
        throw new Error(`the webhook answered ${response.statusCode}: ${response.body}`);
      if (i % leads.length === 0) firstLeadCalls += 1;
    };
    const result = await alternateRounds(
      {
        count: settings.leads,
        concurrency: settings.concurrency,
        rounds: settings.rounds,
        log: settings.log,
        unit: 'events',
      },
      rawSignal,
      webhook,
    );

    // Not a timing check: every counted webhook left its receipt (written with its signal).
    const written = await pool.query<{ n: string }>(
      "SELECT count(*) AS n FROM webhook_receipts WHERE provider = 'generic' AND event_id LIKE $1",
      [`${runTag}-%`],
    );
    const receiptsWritten = Number(written.rows[0]?.n ?? 0);
    const expected = result.warmup + settings.rounds * settings.leads;
    if (receiptsWritten !== expected)
      throw new Error(`expected ${expected} webhook receipts after the bench, found ${receiptsWritten}`);
    // Nor this: every webhook reached the workflow, as every bare call did.
    const history = await client.workflow.getHandle(leadWorkflowId(leadAt(0).id)).fetchHistory();
    const signalled = (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes).length;
    if (signalled !== firstLeadCalls)
      throw new Error(`the first lead's workflow holds ${signalled} signals where both sides sent ${firstLeadCalls}`);
    return { ...result, receiptsWritten };
  } finally {
    await rig.close();
  }
}
