import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { findTemplate, saveTemplate, type TemplateVersion } from '../../db/repositories/templates.ts';
import { compileTemplate, InvalidTemplateError } from '../../mail/render.ts';
import type { AppDependencies } from '../app.ts';
import { notFound, unprocessable } from '../http-errors.ts';
import { KeyParams } from '../schemas.ts';

const TemplateBody = Type.Object(
  {
    subject: Type.String({ minLength: 1, maxLength: 500 }),
    mjml: Type.String({ minLength: 1, maxLength: 500_000 }),
    locale: Type.Optional(Type.Enum(['ja', 'en'])),
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

/** `PUT|GET /v1/templates/:key`: versioned MJML + Handlebars templates, validated on save. */
export const templateRoutes: FastifyPluginAsyncTypebox<AppDependencies> = async (app, { db }) => {
  app.put('/v1/templates/:key', { schema: { params: KeyParams, body: TemplateBody } }, async (request, reply) => {
    const content = { subject: request.body.subject, mjml: request.body.mjml, locale: request.body.locale ?? 'ja' } as const;
    try {
      await compileTemplate(content);
    } catch (error) {
      if (error instanceof InvalidTemplateError) {
        throw unprocessable('the template does not compile', error.problems.map((p) => ({ path: `/${p.part}`, line: p.line, message: p.message })));
      }
      throw error;
    }
    const { saved, created } = await saveTemplate(db, request.params.key, content);
    return reply.code(created ? 201 : 200).send({ ...present(saved), created });
  });

  app.get('/v1/templates/:key', { schema: { params: KeyParams } }, async (request) => {
    const template = await findTemplate(db, request.params.key);
    if (!template) throw notFound(`template "${request.params.key}"`);
    return present(template);
  });
};
