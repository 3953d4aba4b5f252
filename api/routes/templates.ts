import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { Locale } from '../../domain/lead.ts';
import { findTemplate, findTemplateFor, saveTemplate, type TemplateContent, type TemplateVersion } from '../../db/repositories/templates.ts';
import { withComplianceFooter } from '../../mail/compliance.ts';
import { checkPartial, isPartialKey } from '../../mail/partials.ts';
import { compileTemplate, InvalidTemplateError, renderEmail, unknownVariables } from '../../mail/render.ts';
import { expandWith } from '../../mail/template-source.ts';
import { displayNameOf } from '../../mail/transport.ts';
import type { AppDependencies } from '../app.ts';
import { notFound, unprocessable } from '../http-errors.ts';
import { TemplateKeyParams } from '../schemas.ts';

const Locale = Type.Enum(['ja', 'en']);

const TemplateBody = Type.Object(
  {
    subject: Type.String({ minLength: 1, maxLength: 500 }),
    mjml: Type.String({ minLength: 1, maxLength: 500_000 }),
    locale: Type.Optional(Locale),
  },
  { additionalProperties: false },
);

const Text = Type.String({ maxLength: 200 });
const PreviewBody = Type.Object(
  {
    subject: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
    mjml: Type.Optional(Type.String({ minLength: 1, maxLength: 500_000 })),
    locale: Type.Optional(Locale),
    lead: Type.Optional(
      Type.Object(
        {
          name: Type.Optional(Text),
          company: Type.Optional(Text),
          department: Type.Optional(Text),
          title: Type.Optional(Text),
          email: Type.Optional(Text),
          phone: Type.Optional(Text),
          ownerEmail: Type.Optional(Text),
          postalAddress: Type.Optional(Type.Object({ postalCode: Text, prefecture: Text, city: Text, line1: Text, line2: Type.Optional(Text) })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

/** The sample lead a preview shows when none is given. */
const SAMPLE_LEAD = {
  ja: { name: '山田 太郎', company: '株式会社サンプル商事', department: '営業企画部', title: '部長', email: 'taro.yamada@example.jp', locale: 'ja', timezone: 'Asia/Tokyo' },
  en: { name: 'Alex Smith', company: 'Example Trading Inc.', department: 'Sales Planning', title: 'Director', email: 'alex.smith@example.com', locale: 'en', timezone: 'Asia/Tokyo' },
} as const;

const present = (t: TemplateVersion) => ({
  key: t.key,
  version: t.version,
  locale: t.locale,
  subject: t.subject,
  mjml: t.mjml,
  createdAt: t.createdAt.toISOString(),
});

/** Runs a template check, answering 422 with each problem's part and line. */
async function or422<T>(check: () => Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (error) {
    if (error instanceof InvalidTemplateError) {
      throw unprocessable('the template does not compile', error.problems.map((p) => ({ path: `/${p.part}`, line: p.line, message: p.message })));
    }
    throw error;
  }
}

// Rep notices get more than a lead: the score, the link, the recent activity.
const NOTICE_VARIABLES = ['score', 'leadUrl', 'recent', 'daysStalled', 'at', 'kind', 'detail'];

const warningsOf = (key: string, content: TemplateContent) => {
  const extra = key.startsWith('notice-') ? NOTICE_VARIABLES : [];
  return [
    ...unknownVariables(content.subject, extra).map((v) => ({ path: '/subject', message: `unknown variable "${v}" renders empty` })),
    ...unknownVariables(content.mjml, extra).map((v) => ({ path: '/mjml', message: `unknown variable "${v}" renders empty` })),
  ];
};

/**
 * `PUT|GET /v1/templates/:key` (versioned MJML + Handlebars, validated on save; unknown
 * variables answered as `warnings`) and `POST /v1/templates/:key/preview` (the email as a
 * lead would get it, compliance footer included, without saving or sending anything).
 */
export const templateRoutes: FastifyPluginAsyncTypebox<AppDependencies> = async (app, { db, config }) => {
  app.put('/v1/templates/:key', { schema: { params: TemplateKeyParams, body: TemplateBody } }, async (request, reply) => {
    const { key } = request.params;
    const content = { subject: request.body.subject, mjml: request.body.mjml, locale: request.body.locale ?? 'ja' } as const;
    // Shared pieces are checked as fragments; a template is checked with its pieces in.
    if (isPartialKey(key)) await or422(() => checkPartial(key, content));
    else await or422(async () => compileTemplate({ ...content, mjml: (await expandWith(db, content.mjml, content.locale)).mjml }));
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
    const body = request.body;
    const stored = body.subject !== undefined && body.mjml !== undefined ? undefined : body.locale === undefined ? await findTemplate(db, request.params.key) : await findTemplateFor(db, request.params.key, body.locale);
    if (!stored && (body.subject === undefined || body.mjml === undefined)) throw notFound(`template "${request.params.key}"`);
    const locale: Locale = body.locale ?? stored?.locale ?? 'ja';
    const content = { subject: body.subject ?? stored?.subject ?? '', mjml: body.mjml ?? stored?.mjml ?? '', locale };
    const compiled = await or422(async () => compileTemplate({ ...content, mjml: (await expandWith(db, content.mjml, locale)).mjml }));
    const lead = { ...SAMPLE_LEAD[locale], ...body.lead };
    const unsubscribeUrl = `${config.publicBaseUrl}/u/preview`;
    const sender = { name: displayNameOf(config.mailFrom), postalAddress: config.senderPostalAddress, contact: config.senderContact };
    const rendered = withComplianceFooter(renderEmail(compiled, { lead, unsubscribeUrl }), { sender, unsubscribeUrl, locale });
    return { ...rendered, warnings: warningsOf(request.params.key, content) };
  });
};
