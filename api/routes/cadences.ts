import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { CadenceSchema, cadenceProblems, isTimeZone, withVariantControls, type Cadence } from '../../domain/cadence.ts';
import {
  countLeadPositions,
  countLeadsByCadenceVersion,
  findCadence,
  listCadences,
  listCadenceVersions,
  saveCadence,
  type CadenceVersion,
} from '../../db/repositories/cadences.ts';
import { findTemplate } from '../../db/repositories/templates.ts';
import type { AppDependencies } from '../dependencies.ts';
import { notFound, unprocessable } from '../http-errors.ts';
import { errors, Instant, Items, KeyParams, Nullable, Problems, TouchReasons } from '../schemas.ts';
import { DOCUMENTED_TIME_ZONE } from '../../domain/time-zones.ts';
import { addDuration } from '../../domain/duration.ts';
import { planCadenceOf } from '../../domain/sequence-plan.ts';
import { simulateTouches } from '../../domain/touch-simulation.ts';
import { cadenceImpact } from '../../domain/cadence-impact.ts';
import { presentReasons, reasonLocaleOf } from '../reason-locale.ts';

const PreviewTimelineBody = Type.Object(
  {
    cadence: CadenceSchema,
    start: Type.Optional(
      Type.String({ format: 'date-time', description: 'when the new lead starts (ISO 8601 with offset); default now' }),
    ),
    timezone: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        ...DOCUMENTED_TIME_ZONE,
        description:
          "the lead's IANA time zone, which waits are counted in; default the send window's zone, else Asia/Tokyo",
      }),
    ),
    count: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 100, description: 'how many touches at most; default 12' }),
    ),
    lead: Type.Optional(
      Type.Object(
        {
          hasPostalAddress: Type.Optional(
            Type.Boolean({ description: 'default true; without one, DM steps use their fallback' }),
          ),
          emailSuppressed: Type.Optional(
            Type.Boolean({ description: 'default false; when true, email steps use their fallback' }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

/** A stored cadence version. */
export const CadenceVersionSchema = Type.Object({
  key: Type.String(),
  version: Type.Integer(),
  createdAt: Instant(),
  definition: CadenceSchema,
});

const Impact = Type.Object(
  {
    running: Type.Integer({
      description: 'leads on this cadence in a stage that runs a sequence (nurturing, customer, reactivation)',
    }),
    byStep: Type.Array(
      Type.Object({
        stage: Type.Enum(['nurturing', 'customer', 'reactivation']),
        step: Nullable(
          Type.Integer({
            description: 'the index of the step they run next, in the version they ran; null: past the end already',
          }),
        ),
        leads: Type.Integer(),
      }),
    ),
    moving: Type.Integer({ description: 'leads whose step index names another step in the new version' }),
    pastEnd: Type.Integer({ description: 'leads whose step index is past the end of the new, non-repeating sequence' }),
    pastEndCovered: Type.Boolean({
      description:
        "whether the new version's monthly guarantee keeps touching those past the end (reactivation's go back to nurturing)",
    }),
    stepUnknown: Type.Integer({
      description: 'running leads whose step index is not recorded yet (their next planned touch records it)',
    }),
  },
  { description: 'what the new version does to the leads running the cadence: each continues at its step index' },
);

const SavedCadence = Type.Object(
  {
    ...CadenceVersionSchema.properties,
    created: Type.Boolean(),
    warnings: Type.Array(Problems.items, { description: 'templates the cadence names that do not exist yet' }),
    impact: Impact,
  },
  { description: 'the new version' },
);

const CadenceWithVersions = Type.Object({
  ...CadenceVersionSchema.properties,
  versions: Type.Array(Type.Object({ version: Type.Integer(), createdAt: Instant() })),
});

const Timeline = Type.Object({
  start: Instant(),
  timezone: Type.String(),
  items: Type.Array(
    Type.Object({
      at: Instant('when the touch goes out: the due time held for the send window, holidays, the cap and minGap'),
      dueAt: Instant("when the cadence makes it due (counted from the previous step's due time)"),
      delayedBy: Type.Array(Type.Enum(['window', 'cap']), {
        description: 'what moved the touch later than due: the send window, the frequency cap',
      }),
      kind: Type.Enum(['step', 'guarantee'], {
        description: "a cadence step, or the contact guarantee's touch for a month that would pass without one",
      }),
      step: Nullable(Type.Integer({ description: 'the step index; null for a guarantee touch' })),
      channel: Type.Enum(['email', 'dm', 'task']),
      template: Nullable(Type.String()),
      title: Nullable(Type.String({ description: 'the task title, for task touches' })),
      reaches: Type.Boolean({ description: 'whether the touch reaches the lead (counts for the guarantee)' }),
      reasons: TouchReasons,
      section: Type.Literal('nurture'),
    }),
  ),
});

const VersionCounts = Type.Object({
  key: Type.String(),
  items: Type.Array(
    Type.Object({ version: Type.Integer(), name: Type.String(), createdAt: Instant(), leads: Type.Integer() }),
  ),
  leadsNotYetPlanned: Type.Integer(),
  leadsTotal: Type.Integer(),
});

const present = (c: CadenceVersion) => ({
  key: c.key,
  version: c.version,
  createdAt: c.createdAt.toISOString(),
  definition: c.definition,
});

function templateKeys(cadence: Cadence): string[] {
  const steps = [...cadence.nurture.steps, ...(cadence.upsell?.steps ?? []), ...(cadence.reactivation?.steps ?? [])];
  return [
    ...new Set(
      steps.flatMap((s) => [
        ...(s.template === undefined ? [] : [s.template]),
        ...(s.variants ?? []).map((v) => v.template),
      ]),
    ),
  ];
}

const WINDOW_CODES = new Set(['outside_hours', 'weekend', 'holiday', 'year_end_break']);

/** The preview's older summary of what held a touch: the send window (and calendar), or the cap and minimum gap. */
function delayedBy(codes: readonly string[]): ('window' | 'cap')[] {
  const by: ('window' | 'cap')[] = [];
  if (codes.some((c) => c === 'frequency_cap' || c === 'min_gap' || c === 'cap_reserve')) by.push('cap');
  if (codes.some((c) => WINDOW_CODES.has(c))) by.push('window');
  return by;
}

/**
 * What the saved version does to the leads running the cadence. A lead not yet planned from
 * any version starts from the saved one, so it does not move.
 */
async function impactOf(db: AppDependencies['db'], saved: CadenceVersion) {
  const positions = await countLeadPositions(db, saved.key);
  const definitions = new Map<number, Cadence>([[saved.version, saved.definition]]);
  for (const version of new Set(positions.map((p) => p.version))) {
    if (version === null || definitions.has(version)) continue;
    definitions.set(version, (await findCadence(db, saved.key, version))?.definition ?? saved.definition);
  }
  const groups = positions.map((p) => ({
    ...p,
    definition: (p.version === null ? undefined : definitions.get(p.version)) ?? saved.definition,
  }));
  return cadenceImpact(groups, saved.definition);
}

/** `PUT|GET /v1/cadences/:key`, `GET /v1/cadences`: versioned cadences, validated on save. */
export const cadenceRoutes: FastifyPluginAsyncTypebox<AppDependencies> = async (app, { db }) => {
  app.put(
    '/v1/cadences/:key',
    { schema: { params: KeyParams, body: CadenceSchema, response: { 200: SavedCadence, 201: SavedCadence } } },
    async (request, reply) => {
      const { key } = request.params;
      const definition = validCadence(request.body, key);
      const { saved, created } = await saveCadence(db, key, definition);
      // Templates may be written after the cadence, so a missing one is a warning, not an error;
      // the touch that needs it fails visibly if it is still missing when due.
      const missing = [];
      for (const template of templateKeys(definition)) {
        if (!(await findTemplate(db, template))) missing.push(template);
      }
      const warnings = missing.map((t) => ({ path: '/', message: `template "${t}" does not exist yet` }));
      return reply
        .code(created ? 201 : 200)
        .send({ ...present(saved), created, warnings, impact: await impactOf(db, saved) });
    },
  );

  app.get(
    '/v1/cadences/:key',
    {
      schema: {
        params: KeyParams,
        querystring: Type.Object(
          { version: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647 })) },
          { additionalProperties: false },
        ),
        response: { 200: CadenceWithVersions, ...errors([404, 'no such cadence, or no such version of it']) },
      },
    },
    async (request) => {
      const cadence = await findCadence(db, request.params.key, request.query.version);
      if (!cadence)
        throw notFound(
          request.query.version === undefined
            ? `cadence "${request.params.key}"`
            : `version ${request.query.version} of cadence "${request.params.key}"`,
        );
      return {
        ...present(cadence),
        versions: (await listCadenceVersions(db, cadence.key)).map((v) => ({
          version: v.version,
          createdAt: v.createdAt.toISOString(),
        })),
      };
    },
  );

  app.get('/v1/cadences', { schema: { response: { 200: Items(CadenceVersionSchema) } } }, async () => ({
    items: (await listCadences(db)).map(present),
  }));

  // When a new lead's nurture touches would land: the cadence editor's preview, nothing saved.
  app.post(
    '/v1/cadences/preview-timeline',
    { schema: { body: PreviewTimelineBody, response: { 200: Timeline } } },
    async (request) => {
      const cadence = validCadence(request.body.cadence, undefined, '/cadence');
      const timeZone = request.body.timezone ?? cadence.sendWindow?.timezone ?? 'Asia/Tokyo';
      if (!isTimeZone(timeZone))
        throw unprocessable('the request is not valid', [
          { path: '/timezone', message: `"${timeZone}" is not an IANA time zone` },
        ]);
      const startMs = request.body.start === undefined ? Date.now() : Date.parse(request.body.start);
      if (Number.isNaN(startMs))
        throw unprocessable('the request is not valid', [
          { path: '/start', message: 'must be an ISO 8601 date-time with offset' },
        ]);
      // The workflow's own planner, so the preview is what the workflow does (no events, no pauses).
      const plan = planCadenceOf(cadence, 'nurturing');
      const lead = {
        hasPostalAddress: request.body.lead?.hasPostalAddress ?? true,
        emailSuppressed: request.body.lead?.emailSuppressed ?? false,
        doNotContact: false,
      };
      const touches = plan
        ? simulateTouches({
            cadence: plan,
            timeZone,
            startMs,
            untilMs: addDuration(startMs, 'P5Y', timeZone),
            maxTouches: request.body.count ?? 12,
            lead,
          })
        : [];
      const locale = reasonLocaleOf(request);
      return {
        start: new Date(startMs).toISOString(),
        timezone: timeZone,
        items: touches.map((t) => ({
          at: new Date(t.atMs as number).toISOString(),
          dueAt: new Date(t.dueAtMs).toISOString(),
          delayedBy: delayedBy(t.reasons.map((r) => r.code)),
          kind: t.kind,
          step: t.step,
          channel: t.channel,
          template: t.template,
          title: t.title,
          reaches: t.reaches,
          reasons: presentReasons(t.reasons, locale),
          section: 'nurture' as const,
        })),
      };
    },
  );

  // Which version each lead runs: the console's version history.
  app.get(
    '/v1/cadences/:key/versions',
    { schema: { params: KeyParams, response: { 200: VersionCounts, ...errors([404, 'no such cadence']) } } },
    async (request) => {
      const { key } = request.params;
      const versions = await listCadenceVersions(db, key);
      if (versions.length === 0) throw notFound(`cadence "${key}"`);
      const counts = await countLeadsByCadenceVersion(db, key);
      return {
        key,
        items: versions.map((v) => ({
          version: v.version,
          name: v.name,
          createdAt: v.createdAt.toISOString(),
          leads: counts.get(v.version) ?? 0,
        })),
        leadsNotYetPlanned: counts.get(null) ?? 0,
        leadsTotal: [...counts.values()].reduce((a, b) => a + b, 0),
      };
    },
  );
};

/**
 * The cadence of a PUT body, or 422 with one `{path, message}` per field: shared by
 * `PUT /v1/cadences/:key` and the timeline preview, so both refuse the same things.
 */
export function validCadence(body: Cadence, key: string | undefined, pathPrefix = ''): Cadence {
  const problems = cadenceProblems(body).map((p) => ({ ...p, path: `${pathPrefix}${p.path}` }));
  if (key !== undefined && body.key !== undefined && body.key !== key) {
    problems.push({ path: '/key', message: `must match the key in the URL ("${key}") or be left out` });
  }
  if (problems.length > 0) throw unprocessable('the cadence is not valid', problems);
  const cadence = withVariantControls(body);
  return key === undefined ? cadence : { ...cadence, key };
}
