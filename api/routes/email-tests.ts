import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type, { type Static } from 'typebox';
import { findCadence, listCadences, saveCadence, type CadenceVersion } from '../../db/repositories/cadences.ts';
import { emailSums, NO_EMAILS, type EmailSums } from '../../db/repositories/email-stats.ts';
import { endVariantTest, runningVariantTests, type SequenceName } from '../../domain/email-variants.ts';
import { compareVariants } from '../../domain/variant-comparison.ts';
import type { AppDependencies } from '../dependencies.ts';
import { notFound } from '../http-errors.ts';
import { errors, KeyParams, Nullable } from '../schemas.ts';
import { CadenceVersionSchema } from './cadences.ts';
import { cadencePeriodFields, EmailFiguresSchema, figuresOf, sendDaysOf } from './email-reports.ts';

const StageName = Type.Enum(['nurturing', 'customer', 'reactivation']);

/** `GET /v1/reports/email/variants`. */
export const VariantReportSchema = Type.Object({
  items: Type.Array(
    Type.Object({
      cadence: Type.String(),
      stage: StageName,
      step: Type.Integer({ description: "the step's index in its sequence" }),
      running: Type.Boolean({ description: "whether the cadence's newest version still tests this step" }),
      metric: Type.Enum(['clicks', 'opens'], { description: "the step's testMetric: what the rates compare" }),
      control: Type.String({ description: "the step's template: what the other variants are compared with" }),
      variants: Type.Array(
        Type.Object({
          template: Type.String(),
          weight: Nullable(Type.Integer({ description: 'its weight now; null when no longer a variant' })),
          ...EmailFiguresSchema.properties,
          rate: Nullable(Type.Number({ description: 'unique clicks (or opens) / delivered' })),
        }),
      ),
      comparisons: Type.Array(
        Type.Object({
          template: Type.String(),
          against: Type.String({ description: 'the control' }),
          difference: Type.Number({ description: "this variant's rate less the control's" }),
          z: Type.Number(),
          pValue: Type.Number({ description: 'two-sided, two-proportion z-test (pooled)' }),
          confidence: Type.Number({ description: '1 - pValue' }),
          significant: Type.Boolean({ description: 'pValue below 0.05' }),
        }),
      ),
      leader: Nullable(Type.String({ description: 'the variant with the highest rate so far' })),
      leaderConfidence: Type.Number({
        description: 'how sure one may be that the leader beats every other variant (the least of its confidences)',
      }),
      decided: Type.Boolean({ description: 'the leader beats every other variant at 95 %' }),
    }),
  ),
});

/** `GET /v1/reports/email/variants`, as the console reads it. */
export type VariantReport = Static<typeof VariantReportSchema>;

const EndTestBody = Type.Object(
  {
    stage: StageName,
    step: Type.Integer({ minimum: 0, maximum: 99, description: "the step's index in the stage's sequence" }),
    keep: Type.String({ minLength: 1, maxLength: 100, description: 'the variant every lead gets from now on' }),
  },
  { additionalProperties: false },
);

const stepId = (cadence: string, stage: string, step: number) => `${cadence}\u0000${stage}\u0000${step}`;

/** The report's tests: every step with A/B sends in the period or a test running now. */
function variantReport(rows: readonly EmailSums[], cadences: readonly CadenceVersion[]): VariantReport['items'] {
  const tests = new Map<
    string,
    {
      cadence: string;
      stage: SequenceName;
      step: number;
      rows: EmailSums[];
      running?: ReturnType<typeof runningVariantTests>[number];
    }
  >();
  for (const row of rows) {
    if (row.cadence === null || row.stage === null || row.step === null) continue;
    const id = stepId(row.cadence, row.stage, row.step);
    const test = tests.get(id) ?? { cadence: row.cadence, stage: row.stage as SequenceName, step: row.step, rows: [] };
    test.rows.push(row);
    tests.set(id, test);
  }
  for (const cadence of cadences) {
    for (const running of runningVariantTests(cadence.definition)) {
      const id = stepId(cadence.key, running.stage, running.step);
      const test = tests.get(id) ?? { cadence: cadence.key, stage: running.stage, step: running.step, rows: [] };
      tests.set(id, { ...test, running });
    }
  }
  return [...tests.values()].map((test) => {
    const metric = test.running?.metric ?? 'clicks';
    const templates = [
      ...new Set([...(test.running?.variants.map((v) => v.template) ?? []), ...test.rows.map((r) => r.template ?? '')]),
    ];
    const variants = templates.map((template) => {
      const row = test.rows.find((r) => r.template === template);
      const figures = figuresOf(row ?? NO_EMAILS);
      const successes = metric === 'clicks' ? figures.clicked : figures.opened;
      return {
        template,
        weight: test.running?.variants.find((v) => v.template === template)?.weight ?? null,
        ...figures,
        rate: figures.delivered > 0 ? Math.round((successes / figures.delivered) * 10_000) / 10_000 : null,
        successes,
      };
    });
    const control = test.running?.control ?? templates[0] ?? '';
    const verdict = compareVariants(
      variants.map((v) => ({ template: v.template, delivered: v.delivered, successes: v.successes })),
      control,
    );
    return {
      cadence: test.cadence,
      stage: test.stage,
      step: test.step,
      running: test.running !== undefined,
      metric,
      control,
      variants: variants.map(({ successes: _s, ...v }) => v),
      comparisons: verdict.comparisons.map((c) => ({
        template: c.template,
        against: c.against,
        difference: c.difference,
        z: c.z,
        pValue: c.pValue,
        confidence: c.confidence,
        significant: c.significant,
      })),
      leader: verdict.leader ?? null,
      leaderConfidence: verdict.leaderConfidence,
      decided: verdict.decided,
    };
  });
}

/**
 * A/B tests of email steps (issue 15): `GET /v1/reports/email/variants` compares each
 * step's variants (two-proportion z-test on the step's `testMetric`), and
 * `POST /v1/cadences/:key/variants/end` ends one, keeping a variant: the cadence gets a new
 * version in which the step sends that template to everyone (running leads take it at their
 * next step, as with any cadence edit).
 */
export const emailTestRoutes: FastifyPluginAsyncTypebox<AppDependencies> = async (app, { db }) => {
  app.get(
    '/v1/reports/email/variants',
    {
      schema: {
        querystring: Type.Object(cadencePeriodFields("only this cadence's tests"), { additionalProperties: false }),
        response: { 200: VariantReportSchema },
      },
    },
    async (request) => {
      const { cadence } = request.query;
      const days = sendDaysOf(request.query);
      const [rows, cadences] = await Promise.all([
        emailSums(db, 'variant', days, { cadence }),
        cadence === undefined ? listCadences(db) : findCadence(db, cadence).then((c) => (c === undefined ? [] : [c])),
      ]);
      return { items: variantReport(rows, cadences) };
    },
  );

  app.post(
    '/v1/cadences/:key/variants/end',
    {
      schema: {
        params: KeyParams,
        body: EndTestBody,
        response: {
          200: Type.Object(
            { ...CadenceVersionSchema.properties, created: Type.Boolean() },
            { description: 'the new version' },
          ),
          ...errors(
            [404, 'no such cadence'],
            [422, 'no such step, no test on it, or `keep` is not one of its variants'],
          ),
        },
      },
    },
    async (request) => {
      const current = await findCadence(db, request.params.key);
      if (!current) throw notFound(`cadence "${request.params.key}"`);
      const { stage, step, keep } = request.body;
      const definition = endVariantTest(current.definition, stage, step, keep);
      const { saved, created } = await saveCadence(db, current.key, definition);
      request.log.info({ cadence: saved.key, version: saved.version, stage, step, keep }, 'A/B test ended');
      return {
        key: saved.key,
        version: saved.version,
        createdAt: saved.createdAt.toISOString(),
        definition: saved.definition,
        created,
      };
    },
  );
};
