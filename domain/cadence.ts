import Type, { type Static } from 'typebox';
import Value from 'typebox/value';
import { accountCapProblem } from './account-cap.ts';
import { businessDurationMs } from './business-hours.ts';
import {
  BUSINESS_DURATION_PATTERN,
  CADENCE_DURATION_PATTERN,
  cadenceDurationProblem,
  FIXED_DURATION_PATTERN,
} from './duration.ts';
import { DOCUMENTED_TIME_ZONE } from './time-zones.ts';
import { EVENT_TYPES } from './scoring.ts';
import { NEXT_FISCAL_YEAR } from './reactivation.ts';

/** An ISO 8601 duration string; its meaning is checked by {@link cadenceProblems}. */
// The exact form is checked by cadenceProblems, which names every bad field at once; the
// OpenAPI document states it as a pattern (`x-document`, see api/schemas.ts).
const DurationText = Type.String({
  minLength: 2,
  maxLength: 40,
  pattern: '^P',
  description: 'ISO 8601 duration, e.g. P1M, P14D, PT2S',
  'x-document': { pattern: CADENCE_DURATION_PATTERN },
});
// A reactivation wait: a duration, or the next 1 April (domain/reactivation.ts).
const WaitText = Type.Union([DurationText, Type.Literal(NEXT_FISCAL_YEAR)], {
  description: `ISO 8601 duration, or "${NEXT_FISCAL_YEAR}" (the next 1 April in the lead's time zone)`,
});
const KeyText = Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z0-9][a-z0-9_-]*$' });
const ClockText = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'HH:MM, 24-hour' });

const ChannelText = Type.Enum(['email', 'dm', 'task']);
const TitleText = Type.String({ minLength: 1, maxLength: 200 });

/** The channel a step uses when its own cannot reach the lead (a DM without an address, a suppressed email). */
export const FallbackSchema = Type.Object(
  { channel: ChannelText, template: Type.Optional(KeyText), title: Type.Optional(TitleText) },
  { additionalProperties: false, description: "Used when the step's own channel cannot reach the lead" },
);

/** One template of an email step's A/B test, and its share of the leads (see domain/email-variants.ts). */
export const VariantSchema = Type.Object(
  {
    template: KeyText,
    weight: Type.Integer({ minimum: 0, maximum: 10_000, description: 'share of the leads, relative to the others' }),
  },
  { additionalProperties: false },
);

/** One touch in a sequence: wait `after`, then act on `channel` (or its `fallback`). */
export const StepSchema = Type.Object(
  {
    after: DurationText,
    channel: ChannelText,
    template: Type.Optional(KeyText),
    variants: Type.Optional(
      Type.Array(VariantSchema, {
        minItems: 2,
        maxItems: 10,
        description:
          'an A/B test (email steps): each lead gets one template, chosen from its id and the step; `template`, when given, must be one of them (the control), else it is set to the first',
      }),
    ),
    testMetric: Type.Optional(
      Type.Enum(['clicks', 'opens'], {
        description: 'what the A/B test compares: unique clicks (default) or unique opens, per email delivered',
      }),
    ),
    title: Type.Optional(TitleText),
    fallback: Type.Optional(FallbackSchema),
    fallbackTemplate: Type.Optional(KeyText),
  },
  // An email or DM step needs a template (or an email step variants): checked by
  // cadenceProblems, stated in the document.
  {
    additionalProperties: false,
    'x-document': {
      anyOf: [{ properties: { channel: { const: 'task' } } }, { required: ['template'] }, { required: ['variants'] }],
    },
  },
);

const SequenceSchema = Type.Object(
  {
    steps: Type.Array(StepSchema, { minItems: 1, maxItems: 100 }),
    repeat: Type.Optional(Type.Boolean()),
    repeatFrom: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 99,
        description: 'The step a repeat starts again from; default: the first step whose after is at least P1M, else 0',
      }),
    ),
  },
  { additionalProperties: false },
);

/** The monthly contact guarantee: its touch, and that touch's own fallback (e.g. a DM when email is suppressed). */
const GuaranteeSchema = Type.Object(
  {
    every: Type.Literal('month'),
    fallback: Type.Object(
      { channel: Type.Enum(['email', 'dm']), template: KeyText, fallback: Type.Optional(FallbackSchema) },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

/** The cadence format of DESIGN section 4: what a marketer stores with `PUT /v1/cadences/:key`. */
export const CadenceSchema = Type.Object(
  {
    key: Type.Optional(KeyText),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    nurture: SequenceSchema,
    scoring: Type.Optional(
      Type.Object(
        {
          points: Type.Partial(
            Type.Object(
              Object.fromEntries(EVENT_TYPES.map((t) => [t, Type.Number({ minimum: -1000, maximum: 1000 })])) as Record<
                (typeof EVENT_TYPES)[number],
                ReturnType<typeof Type.Number>
              >,
            ),
          ),
          threshold: Type.Number({ exclusiveMinimum: 0, maximum: 100000 }),
          halfLife: DurationText,
        },
        { additionalProperties: false },
      ),
    ),
    deal: Type.Optional(Type.Object({ stalledAfter: DurationText }, { additionalProperties: false })),
    lostDeal: Type.Optional(Type.Object({ returnToNurtureAfter: DurationText }, { additionalProperties: false })),
    upsell: Type.Optional(SequenceSchema),
    reactivation: Type.Optional(
      Type.Object(
        {
          eligibleReasons: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 50 }),
          waitAfterEnd: WaitText,
          waitByReason: Type.Optional(
            Type.Record(Type.String({ minLength: 1, maxLength: 100 }), WaitText, {
              maxProperties: 50,
              description: 'the wait for each end reason; a reason not named here waits waitAfterEnd',
            }),
          ),
          steps: Type.Array(StepSchema, { maxItems: 100 }),
        },
        { additionalProperties: false },
      ),
    ),
    escalation: Type.Optional(
      Type.Object(
        {
          remindAfter: Type.String({
            minLength: 2,
            maxLength: 40,
            pattern: '^P',
            description: 'business hours of the send window, e.g. PT4H',
            'x-document': { pattern: BUSINESS_DURATION_PATTERN },
          }),
        },
        {
          additionalProperties: false,
          description:
            'an escalation not acknowledged within remindAfter reminds its rep once, then goes to the next rep (or SALES_MANAGER_EMAIL)',
        },
      ),
    ),
    guarantee: Type.Optional(GuaranteeSchema),
    minGap: Type.Optional(DurationText),
    frequencyCap: Type.Optional(
      Type.Object(
        { max: Type.Integer({ minimum: 1, maximum: 1000 }), per: DurationText },
        { additionalProperties: false },
      ),
    ),
    perAccountCap: Type.Optional(
      Type.Object(
        {
          touches: Type.Integer({ minimum: 1, maximum: 1000 }),
          per: Type.String({
            minLength: 2,
            maxLength: 40,
            pattern: '^P',
            description: 'a fixed-length ISO 8601 duration (weeks, days, hours, minutes, seconds), e.g. P7D',
            'x-document': { pattern: FIXED_DURATION_PATTERN },
          }),
        },
        {
          additionalProperties: false,
          description:
            "at most `touches` touches to one account's contacts in any rolling `per`; a touch over it is held until a slot frees (docs/accounts.md)",
        },
      ),
    ),
    sendWindow: Type.Optional(
      Type.Union([
        Type.Null(),
        Type.Object(
          {
            timezone: Type.String({ minLength: 1, maxLength: 64, ...DOCUMENTED_TIME_ZONE }),
            businessDays: Type.Boolean(),
            from: ClockText,
            to: ClockText,
          },
          { additionalProperties: false },
        ),
      ]),
    ),
  },
  { additionalProperties: false },
);

/** A cadence as stored and as workflows read it. */
export type Cadence = Static<typeof CadenceSchema>;

/** A touch step of a cadence. */
export type Step = Static<typeof StepSchema>;

/** One thing wrong with a cadence, named by its JSON path so a form can show it beside the field. */
export interface CadenceProblem {
  path: string;
  message: string;
}

/**
 * Everything wrong with `value` as a cadence: shape first (field types, unknown fields),
 * then meaning (durations that parse, a template on every email and DM step, a send
 * window that opens before it closes, a real time zone). An empty list means valid.
 */
export function cadenceProblems(value: unknown): CadenceProblem[] {
  if (!Value.Check(CadenceSchema, value)) {
    return shapeProblems(Value.Errors(CadenceSchema, value));
  }
  const cadence = value;
  const problems: CadenceProblem[] = [];
  const duration = (path: string, text: string | undefined): void => {
    if (text === undefined) return;
    const problem = cadenceDurationProblem(text);
    if (problem !== undefined) problems.push({ path, message: problem });
  };
  const steps = (path: string, list: readonly Step[] | undefined): void => {
    list?.forEach((step, i) => {
      duration(`${path}/${i}/after`, step.after);
      variantProblems(`${path}/${i}`, step).forEach((problem) => problems.push(problem));
      if ((step.channel === 'email' || step.channel === 'dm') && step.template === undefined && !step.variants) {
        problems.push({
          path: `${path}/${i}/template`,
          message: `${step.channel === 'email' ? 'an email' : 'a DM'} step needs a template`,
        });
      }
      fallback(`${path}/${i}/fallback`, step.fallback);
    });
  };
  const fallback = (path: string, value: { channel: string; template?: string | undefined } | undefined): void => {
    if (value && (value.channel === 'email' || value.channel === 'dm') && value.template === undefined) {
      problems.push({
        path: `${path}/template`,
        message: `${value.channel === 'email' ? 'an email' : 'a DM'} fallback needs a template`,
      });
    }
  };
  const repeatFrom = (
    path: string,
    sequence: { steps: readonly Step[]; repeatFrom?: number | undefined } | undefined,
  ): void => {
    if (sequence?.repeatFrom !== undefined && sequence.repeatFrom >= sequence.steps.length) {
      problems.push({
        path: `${path}/repeatFrom`,
        message: `must name one of the ${sequence.steps.length} steps (0 to ${sequence.steps.length - 1})`,
      });
    }
  };
  steps('/nurture/steps', cadence.nurture.steps);
  repeatFrom('/nurture', cadence.nurture);
  repeatFrom('/upsell', cadence.upsell);
  fallback('/guarantee/fallback/fallback', cadence.guarantee?.fallback.fallback);
  duration('/minGap', cadence.minGap);
  steps('/upsell/steps', cadence.upsell?.steps);
  steps('/reactivation/steps', cadence.reactivation?.steps);
  duration('/scoring/halfLife', cadence.scoring?.halfLife);
  duration('/deal/stalledAfter', cadence.deal?.stalledAfter);
  duration('/lostDeal/returnToNurtureAfter', cadence.lostDeal?.returnToNurtureAfter);
  const wait = (path: string, text: string | undefined): void => {
    if (text !== NEXT_FISCAL_YEAR) duration(path, text);
  };
  wait('/reactivation/waitAfterEnd', cadence.reactivation?.waitAfterEnd);
  for (const [reason, text] of Object.entries(cadence.reactivation?.waitByReason ?? {}))
    wait(`/reactivation/waitByReason/${reason.replaceAll('~', '~0').replaceAll('/', '~1')}`, text);
  duration('/frequencyCap/per', cadence.frequencyCap?.per);
  const accountCap = cadence.perAccountCap && accountCapProblem(cadence.perAccountCap);
  if (accountCap !== undefined) problems.push({ path: '/perAccountCap/per', message: accountCap });
  if (cadence.escalation) {
    try {
      businessDurationMs(cadence.escalation.remindAfter);
    } catch (error) {
      problems.push({ path: '/escalation/remindAfter', message: (error as Error).message });
    }
  }
  const window = cadence.sendWindow;
  if (window) {
    if (window.from >= window.to) problems.push({ path: '/sendWindow/to', message: 'must be later than "from"' });
    if (!isTimeZone(window.timezone))
      problems.push({ path: '/sendWindow/timezone', message: `"${window.timezone}" is not an IANA time zone` });
  }
  return problems;
}

/** What is wrong with a step's A/B test: variants on a step that sends no email, a template twice, no positive weight, a control that is no variant. */
function variantProblems(path: string, step: Step): CadenceProblem[] {
  const problems: CadenceProblem[] = [];
  if (!step.variants) {
    if (step.testMetric !== undefined) problems.push({ path: `${path}/testMetric`, message: 'needs variants' });
    return problems;
  }
  if (step.channel !== 'email') {
    problems.push({ path: `${path}/variants`, message: 'only an email step can test variants' });
    return problems;
  }
  const templates = step.variants.map((v) => v.template);
  templates.forEach((template, i) => {
    if (templates.indexOf(template) !== i)
      problems.push({ path: `${path}/variants/${i}/template`, message: `"${template}" is already a variant` });
  });
  if (!step.variants.some((v) => v.weight > 0))
    problems.push({ path: `${path}/variants`, message: 'at least one variant needs a weight above 0' });
  if (step.template !== undefined && !templates.includes(step.template))
    problems.push({ path: `${path}/template`, message: 'must be one of the variants (the control) or be left out' });
  return problems;
}

/**
 * The cadence as stored: an email step with variants and no `template` names its first
 * variant as its template (the control), so everything that shows one template per step
 * (explain, previews, the cadence page) keeps working.
 */
export function withVariantControls(cadence: Cadence): Cadence {
  const fill = (steps: Step[]): Step[] =>
    steps.map((step) =>
      step.variants && step.template === undefined && step.variants[0]
        ? { ...step, template: step.variants[0].template }
        : step,
    );
  return {
    ...cadence,
    nurture: { ...cadence.nurture, steps: fill(cadence.nurture.steps) },
    ...(cadence.upsell ? { upsell: { ...cadence.upsell, steps: fill(cadence.upsell.steps) } } : {}),
    ...(cadence.reactivation
      ? { reactivation: { ...cadence.reactivation, steps: fill(cadence.reactivation.steps) } }
      : {}),
  };
}

/** One message per field, the most specific first: what a form shows beside the field. */
function shapeProblems(
  errors: readonly { instancePath: string; keyword: string; message: string }[],
): CadenceProblem[] {
  const byPath = new Map<string, string>();
  for (const error of errors) {
    const path = error.instancePath || '/';
    // TypeBox reports an unknown field as the field's own schema being `false`.
    const message = error.message === 'schema is false' ? 'is not a known field' : error.message;
    if (!byPath.has(path)) byPath.set(path, message);
  }
  // A message about a container is noise when a field inside it has its own: an unknown
  // field also fails its object, a bad time inside `sendWindow` also fails its `null` branch.
  const paths = [...byPath.keys()];
  const prefix = (path: string) => (path === '/' ? '/' : `${path}/`);
  return paths
    .filter((path) => !paths.some((other) => other !== path && other.startsWith(prefix(path))))
    .map((path) => ({ path, message: byPath.get(path) as string }));
}

/** Whether `name` is an IANA time zone this runtime knows. */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
