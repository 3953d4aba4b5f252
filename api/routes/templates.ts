import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type, { type Static } from 'typebox';
import {
  findTemplate,
  findTemplateFor,
  listTemplateLocales,
  listTemplateVersions,
  saveTemplate,
  type TemplateVersion,
} from '../../db/repositories/templates.ts';
import { checkPartial, isLayoutKey, isPartialKey } from '../../mail/partials.ts';
import { compileTemplate } from '../../mail/render.ts';
import { expandWith } from '../../mail/template-source.ts';
import type { AppDependencies } from '../dependencies.ts';
import { notFound } from '../http-errors.ts';
import { errors, Instant, Items, Problems, TemplateKeyParams } from '../schemas.ts';
import { LocaleSchema as Locale, or422, PreviewLeadSchema, renderPreview, warningsOf } from '../template-preview.ts';

const TemplateBody = Type.Object(
  {
    subject: Type.String({ minLength: 1, maxLength: 500 }),
    mjml: Type.String({ minLength: 1, maxLength: 500_000 }),
    locale: Type.Optional(Locale),
  },
  { additionalProperties: false },
);

const PreviewBody = Type.Object(
  {
    subject: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
    mjml: Type.Optional(Type.String({ minLength: 1, maxLength: 500_000 })),
    locale: Type.Optional(Locale),
    lead: Type.Optional(PreviewLeadSchema),
  },
  { additionalProperties: false },
);

/** `GET /v1/templates/:key`: one stored version. */
export const TemplateVersionSchema = Type.Object({
  key: Type.String(),
  version: Type.Integer(),
  locale: Locale,
  subject: Type.String(),
  mjml: Type.String(),
  createdAt: Instant(),
});

const SavedTemplate = (description: string) =>
  Type.Object(
    {
      ...TemplateVersionSchema.properties,
      created: Type.Boolean(),
      warnings: Type.Array(Problems.items, { description: 'unknown variables, which render empty' }),
    },
    { description },
  );

/** `POST /v1/templates/:key/preview`. */
export const TemplatePreviewSchema = Type.Object({
  subject: Type.String(),
  html: Type.String(),
  text: Type.String(),
  warnings: Problems,
});

/** `GET /v1/templates` items: every key with each language's newest version. */
export const TemplateListItemSchema = Type.Object({
  key: Type.String(),
  kind: Type.Enum(['layout', 'partial', 'notice', 'email']),
  latestVersion: Type.Integer(),
  updatedAt: Instant(),
  locales: Type.Array(
    Type.Object({ locale: Locale, version: Type.Integer(), subject: Type.String(), updatedAt: Instant() }),
  ),
});

/** `GET /v1/templates`. */
export const TemplateListSchema = Items(TemplateListItemSchema);
/** A template key with its languages, as the console reads it. */
export type TemplateListItem = Static<typeof TemplateListItemSchema>;
/** `GET /v1/templates`, as the console reads it. */
export type TemplateList = Static<typeof TemplateListSchema>;
/** One stored version, as the console reads it. */
export type TemplateVersionItem = Static<typeof TemplateVersionSchema>;
/** A rendered preview, as the console reads it. */
export type TemplatePreview = Static<typeof TemplatePreviewSchema>;

/** `GET /v1/templates/:key/versions`. */
export const TemplateVersionsSchema = Type.Object({
  key: Type.String(),
  items: Type.Array(
    Type.Object({ version: Type.Integer(), locale: Locale, subject: Type.String(), createdAt: Instant() }),
  ),
});
/** `GET /v1/templates/:key/versions`, as the console reads it. */
export type TemplateVersions = Static<typeof TemplateVersionsSchema>;

const noTemplate = errors([404, 'no such template (in that language)']);

const present = (t: TemplateVersion) => ({
  key: t.key,
  version: t.version,
  locale: t.locale,
  subject: t.subject,
  mjml: t.mjml,
  createdAt: t.createdAt.toISOString(),
});

/** What a template key is for, as the template list tells the console. */
const kindOf = (key: string): 'layout' | 'partial' | 'notice' | 'email' =>
  isLayoutKey(key) ? 'layout' : isPartialKey(key) ? 'partial' : key.startsWith('notice-') ? 'notice' : 'email';

/**
 * `PUT|GET /v1/templates/:key` (versioned MJML + Handlebars, validated on save; unknown
 * variables answered as `warnings`) and `POST /v1/templates/:key/preview` (the email as a
 * lead would get it, compliance footer included, without saving or sending anything),
 * `GET /v1/templates` (every key, per language) and `GET /v1/templates/:key/versions`.
 */
export const templateRoutes: FastifyPluginAsyncTypebox<AppDependencies> = async (app, { db, config }) => {
  app.put(
    '/v1/templates/:key',
    {
      schema: {
        params: TemplateKeyParams,
        body: TemplateBody,
        response: {
          200: SavedTemplate('the new version of an existing template'),
          201: SavedTemplate('the template was created'),
        },
      },
    },
    async (request, reply) => {
      const { key } = request.params;
      const content = {
        subject: request.body.subject,
        mjml: request.body.mjml,
        locale: request.body.locale ?? 'ja',
      } as const;
      // Shared pieces are checked as fragments; a template is checked with its pieces in.
      if (isPartialKey(key)) await or422(() => checkPartial(key, content));
      else
        await or422(async () =>
          compileTemplate(
            { ...content, mjml: (await expandWith(db, content.mjml, content.locale)).mjml },
            content.mjml,
          ),
        );
      const { saved, created } = await saveTemplate(db, request.params.key, content);
      return reply.code(created ? 201 : 200).send({ ...present(saved), created, warnings: warningsOf(key, content) });
    },
  );

  app.get(
    '/v1/templates/:key',
    {
      schema: {
        params: TemplateKeyParams,
        querystring: Type.Object({ locale: Type.Optional(Locale) }),
        response: { 200: TemplateVersionSchema, ...noTemplate },
      },
    },
    async (request) => {
      const { locale } = request.query;
      const template =
        locale === undefined
          ? await findTemplate(db, request.params.key)
          : await findTemplateFor(db, request.params.key, locale);
      if (!template) throw notFound(`template "${request.params.key}"`);
      return present(template);
    },
  );

  app.post(
    '/v1/templates/:key/preview',
    {
      schema: {
        params: TemplateKeyParams,
        body: PreviewBody,
        response: {
          200: TemplatePreviewSchema,
          ...errors([404, 'no such template, and no draft (subject and mjml) given']),
        },
      },
    },
    async (request) => {
      const { subject, html, text, warnings } = await renderPreview(db, config, request.params.key, request.body);
      return { subject, html, text, warnings };
    },
  );

  // Every key with each language's newest version: what the console's template list shows.
  app.get('/v1/templates', { schema: { response: { 200: TemplateListSchema } } }, async () => {
    const byKey = new Map<string, Awaited<ReturnType<typeof listTemplateLocales>>>();
    for (const row of await listTemplateLocales(db)) byKey.set(row.key, [...(byKey.get(row.key) ?? []), row]);
    return {
      items: [...byKey].map(([key, locales]) => ({
        key,
        kind: kindOf(key),
        latestVersion: Math.max(...locales.map((l) => l.version)),
        updatedAt: new Date(Math.max(...locales.map((l) => l.createdAt.getTime()))).toISOString(),
        locales: locales.map((l) => ({
          locale: l.locale,
          version: l.version,
          subject: l.subject,
          updatedAt: l.createdAt.toISOString(),
        })),
      })),
    };
  });

  app.get(
    '/v1/templates/:key/versions',
    {
      schema: {
        params: TemplateKeyParams,
        querystring: Type.Object({ locale: Type.Optional(Locale) }, { additionalProperties: false }),
        response: { 200: TemplateVersionsSchema, ...noTemplate },
      },
    },
    async (request) => {
      const versions = await listTemplateVersions(db, request.params.key, request.query.locale);
      if (versions.length === 0 && !(await findTemplate(db, request.params.key)))
        throw notFound(`template "${request.params.key}"`);
      return {
        key: request.params.key,
        items: versions.map((v) => ({
          version: v.version,
          locale: v.locale,
          subject: v.subject,
          createdAt: v.createdAt.toISOString(),
        })),
      };
    },
  );
};
