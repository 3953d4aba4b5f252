import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { accountHoldOf } from '../../db/repositories/account-touch-claims.ts';
import { accountOfLead } from '../../db/repositories/accounts.ts';
import { findCadence } from '../../db/repositories/cadences.ts';
import { firstTouchEachMonth } from '../../db/repositories/deliveries.ts';
import { findLead } from '../../db/repositories/leads.ts';
import { findSuppression } from '../../db/repositories/suppressions.ts';
import { suppressionCause, suppressionMessage } from '../../domain/email-suppression.ts';
import { listTimelineOfKinds } from '../../db/repositories/timeline.ts';
import { consentBlocksEmail } from '../../domain/consent.ts';
import { leadWorkflowId } from '../../domain/lead.ts';
import { planCadenceOf, type SequenceStage } from '../../domain/sequence-plan.ts';
import { monthsWithoutTouch } from '../../domain/touch-explain.ts';
import { planNextTouch } from '../../domain/touch-plan.ts';
import type { TouchReason } from '../../domain/touch-reasons.ts';
import { leadStateQuery } from '../../workflows/lead-events.ts';
import type { AppDependencies } from '../dependencies.ts';
import { withTemporalDeadline } from '../../intake/workflow-starts.ts';
import { notFound } from '../http-errors.ts';
import { presentReasons, reasonLocaleOf } from '../reason-locale.ts';
import { errors, IdParams, TouchReasons } from '../schemas.ts';

/** The answer of `GET /v1/leads/:id/explain`. */
export const ExplainResponse = Type.Object({
  stage: Type.String(),
  nextTouch: Type.Union([
    Type.Null(),
    Type.Object({
      at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
        description: 'when it really goes out; null while the lead is paused',
      }),
      dueAt: Type.String({ format: 'date-time', description: "the step's calendar due time" }),
      kind: Type.Union([Type.Literal('step'), Type.Literal('guarantee')]),
      step: Type.Union([Type.Integer(), Type.Null()]),
      channel: Type.String(),
      template: Type.Union([Type.String(), Type.Null()]),
      title: Type.Union([Type.String(), Type.Null()]),
      reasons: TouchReasons,
    }),
  ]),
  lastTouch: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'the last touch that reached the lead',
  }),
  monthsWithoutTouch: Type.Integer({
    minimum: 0,
    description:
      'whole calendar months since the stage began with no touch that reached the lead, over all its touches',
  }),
  paused: Type.Boolean(),
  accountHold: Type.Union(
    [
      Type.Null(),
      Type.Object({
        until: Type.String({ format: 'date-time', description: "when the account's oldest counted touch ages out" }),
        touches: Type.Integer(),
        per: Type.String(),
        account: Type.Union([Type.Null(), Type.Object({ id: Type.String(), name: Type.String() })]),
      }),
    ],
    { description: "null unless the next touch is held by the cadence's perAccountCap (docs/accounts.md)" },
  ),
  emailSuppressed: Type.Union(
    [
      Type.Null(),
      Type.Object({
        reason: Type.String({ description: "the suppression list's reason, e.g. unsubscribed, unsubscribed via zoho" }),
        cause: Type.Enum(['unsubscribed', 'unsubscribed_crm', 'complaint', 'hard_bounce', 'do_not_contact', 'other']),
        since: Type.String({ format: 'date-time' }),
        message: Type.String({ description: "why, and what still reaches the lead, in the reader's language" }),
      }),
    ],
    { description: 'null while email may reach the lead' },
  ),
  consent: Type.Object({
    basis: Type.Union([Type.String(), Type.Null()], { description: 'the legal basis on record, null when none' }),
    emailBlocked: Type.Union([Type.String(), Type.Null()], {
      description: 'why no email goes to the lead for lack of consent (CONSENT_REQUIRED=true), null when email may go',
    }),
  }),
  skipped: Type.Array(
    Type.Object({
      at: Type.String({ format: 'date-time' }),
      kind: Type.String(),
      channel: Type.Union([Type.String(), Type.Null()]),
      reason: Type.String(),
    }),
  ),
});

const SEQUENCE_STAGES = new Set<string>(['nurturing', 'customer', 'reactivation']);
const SKIPPED_KINDS = ['touch_skipped', 'touch_failed', 'dm_skipped', 'email_skipped'];

/**
 * `GET /v1/leads/:id/explain`: the lead's next touch as the workflow will make it (the same
 * planner, fed the workflow's live state), why it goes out when and how it does, in the
 * reader's language (`Accept-Language`, ja or en), and what was skipped lately.
 */
export const leadExplainRoutes: FastifyPluginAsyncTypebox<AppDependencies> = async (app, { db, temporal, config }) => {
  app.get(
    '/v1/leads/:id/explain',
    { schema: { params: IdParams, response: { 200: ExplainResponse, ...errors([404, 'no such lead']) } } },
    async (request) => {
      const lead = await findLead(db, request.params.id);
      if (!lead) throw notFound('lead');
      const locale = reasonLocaleOf(request);
      const handle = temporal.client.workflow.getHandle(leadWorkflowId(lead.id));
      const state = await withTemporalDeadline(temporal.client, () => handle.query(leadStateQuery));
      const nowMs = Date.now();
      const reachedMs = (state.plan?.reachedTouches ?? []).map((t) => Date.parse(t));
      const cadence = await findCadence(db, lead.cadenceKey);
      const planCadence =
        cadence && SEQUENCE_STAGES.has(state.stage)
          ? planCadenceOf(cadence.definition, state.stage as SequenceStage)
          : undefined;
      const plan = state.plan;
      const emailBlocked = consentBlocksEmail(config.consentRequired, lead.consent);
      const next =
        planCadence && plan
          ? planNextTouch({
              cadence: planCadence,
              timeZone: lead.timezone,
              nowMs,
              stepIndex: plan.stepIndex,
              previousDueMs: Date.parse(plan.stepDueAt ?? plan.stageEnteredAt),
              reachedMs,
              pauses: state.paused ? [{ fromMs: nowMs, toMs: null }] : [],
              lead: {
                hasPostalAddress: lead.postalAddress !== undefined,
                emailSuppressed: plan.emailSuppressed || emailBlocked !== null,
                doNotContact: plan.doNotContact,
              },
            })
          : undefined;
      const stageEnteredMs = plan ? Date.parse(plan.stageEnteredAt) : nowMs;
      const [skipped, suppression, touchedMonths, holdUntil, account] = await Promise.all([
        listTimelineOfKinds(db, lead.id, SKIPPED_KINDS, { limit: 20 }),
        findSuppression(db, lead.email),
        // Every touch since the stage began, from the read model: the workflow keeps only its recent ones.
        plan ? firstTouchEachMonth(db, lead.id, new Date(stageEnteredMs), lead.timezone) : Promise.resolve([]),
        accountHoldOf(db, lead.id),
        accountOfLead(db, lead.id),
      ]);
      // Held by the account's cap (workflows/account-cap.ts): the workflow recorded until when.
      const cap = cadence?.definition.perAccountCap;
      const held = cap && holdUntil && holdUntil.getTime() > nowMs && next ? holdUntil : null;
      const heldReasons: TouchReason[] = held
        ? [{ code: 'account_cap', touches: cap?.touches ?? 0, per: cap?.per ?? '', until: held.toISOString() }]
        : [];
      const iso = (ms: number) => new Date(ms).toISOString();
      return {
        stage: state.stage,
        nextTouch: next
          ? {
              at: next.atMs === null ? null : iso(held ? Math.max(next.atMs, held.getTime()) : next.atMs),
              dueAt: iso(next.dueAtMs),
              kind: next.kind,
              step: next.step,
              channel: next.channel,
              template: next.template,
              title: next.title,
              reasons: presentReasons([...next.reasons, ...heldReasons], locale),
            }
          : null,
        lastTouch: reachedMs.length > 0 ? iso(Math.max(...reachedMs)) : null,
        monthsWithoutTouch: plan
          ? monthsWithoutTouch(
              [...touchedMonths.map((at) => at.getTime()), ...reachedMs],
              stageEnteredMs,
              nowMs,
              lead.timezone,
            )
          : 0,
        paused: state.paused,
        accountHold:
          held && cap
            ? { until: held.toISOString(), touches: cap.touches, per: cap.per, account: account ?? null }
            : null,
        emailSuppressed: suppression
          ? {
              reason: suppression.reason,
              cause: suppressionCause(suppression.reason),
              since: suppression.since.toISOString(),
              message: suppressionMessage(suppression.reason, locale),
            }
          : null,
        consent: { basis: lead.consent?.basis ?? null, emailBlocked },
        skipped: skipped.map((e) => ({
          at: e.at.toISOString(),
          kind: e.kind,
          channel: typeof e.detail.channel === 'string' ? e.detail.channel : null,
          reason:
            typeof e.detail.reason === 'string'
              ? e.detail.reason
              : typeof e.detail.error === 'string'
                ? e.detail.error
                : '',
        })),
      };
    },
  );
};
