import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { findTemplate, findTemplateFor, listTemplateLocales, listTemplateVersions, saveTemplate, type TemplateVersion } from '../../db/repositories/templates.ts';
import { checkPartial, isLayoutKey, isPartialKey } from '../../mail/partials.ts';
import { compileTemplate } from '../../mail/render.ts';
import { expandWith } from '../../mail/template-source.ts';
import type { AppDependencies } from '../app.ts';
import { notFound } from '../http-errors.ts';
import { TemplateKeyParams } from '../schemas.ts';
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
  app.put('/v1/templates/:key', { schema: { params: TemplateKeyParams, body: TemplateBody } }, async (request, reply) => {
    const { key } = request.params;
    const content = { subject: request.body.subject, mjml: request.body.mjml, locale: request.body.locale ?? 'ja' } as const;
    // Shared pieces are checked as fragments; a template is checked with its pieces in.
    if (isPartialKey(key)) await or422(() => checkPartial(key, content));
    else await or422(async () => compileTemplate({ ...content, mjml: (await expandWith(db, content.mjml, content.locale)).mjml }, content.mjml));
    const { saved, created } = await saveTemplate(db, request.params.key, content);
    return reply.code(created ? 201 : 200).send({ ...present(saved), created, warnings: warningsOf(key, content) });
  });

  app.get('/v1/templates/:key', { schema: { params: TemplateKeyParams, querystring: Type.Object({ locale: Type.Optional(Locale) }) } }, async (request) => {
    const { locale } = request.query;
    const template = locale === undefined ? await findTemplate(db, request.params.key) : await findTemplateFor(db, request.params.key, locale);
    if (!template) throw notFound(`template "${request.params.key}"`);
    return present(template);
  });

  app.post('/v1/templates/:key/preview', { schema: { params: TemplateKeyParams, body: PreviewBody } }, async (request) => {
    const { subject, html, text, warnings } = await renderPreview(db, config, request.params.key, request.body);
    return { subject, html, text, warnings };
  });

  // Every key with each language's newest version: what the console's template list shows.
  app.get('/v1/templates', async () => {
    const byKey = new Map<string, Awaited<ReturnType<typeof listTemplateLocales>>>();
    for (const row of await listTemplateLocales(db)) byKey.set(row.key, [...(byKey.get(row.key) ?? []), row]);
    return {
      items: [...byKey].map(([key, locales]) => ({
        key,
        kind: kindOf(key),
        latestVersion: Math.max(...locales.map((l) => l.version)),
        updatedAt: new Date(Math.max(...locales.map((l) => l.createdAt.getTime()))).toISOString(),
        locales: locales.map((l) => ({ locale: l.locale, version: l.version, subject: l.subject, updatedAt: l.createdAt.toISOString() })),
      })),
    };
  });

  app.get('/v1/templates/:key/versions', { schema: { params: TemplateKeyParams, querystring: Type.Object({ locale: Type.Optional(Locale) }, { additionalProperties: false }) } }, async (request) => {
    const versions = await listTemplateVersions(db, request.params.key, request.query.locale);
    if (versions.length === 0 && !(await findTemplate(db, request.params.key))) throw notFound(`template "${request.params.key}"`);
    return { key: request.params.key, items: versions.map((v) => ({ version: v.version, locale: v.locale, subject: v.subject, createdAt: v.createdAt.toISOString() })) };
  });
};
