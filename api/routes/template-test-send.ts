import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { suppressionOf } from '../../db/repositories/suppressions.ts';
import { createMailer, type Mailer } from '../../mail/transport.ts';
import type { AppDependencies } from '../dependencies.ts';
import { HttpError, unprocessable } from '../http-errors.ts';
import { EMAIL_PATTERN } from '../../domain/email-address.ts';
import { errors, TemplateKeyParams } from '../schemas.ts';
import { LocaleSchema, PreviewLeadSchema, renderPreview } from '../template-preview.ts';

/** The header every test send carries, so filters and people can tell it from a real touch. */
export const TEST_SEND_HEADER = 'X-LLE-Test';

const TestSendBody = Type.Object(
  {
    to: Type.String({ maxLength: 254, pattern: EMAIL_PATTERN, description: 'where the test email goes' }),
    locale: Type.Optional(LocaleSchema),
    data: Type.Optional(PreviewLeadSchema),
  },
  { additionalProperties: false },
);

/** An SMTP error as nodemailer reports it: `responseCode` when the server answered. */
const responseCodeOf = (error: unknown): number | undefined =>
  (error as { responseCode?: unknown }).responseCode as number | undefined;

/**
 * `POST /v1/templates/:key/test-send`: the template rendered as the preview renders it,
 * sent through the configured SMTP transport to one address with "[TEST] " before the
 * subject and an `X-LLE-Test: 1` header. It is nobody's touch: no delivery row, no
 * timeline entry, no tracking. A suppressed address is refused (409): an opt-out holds
 * for test mail too.
 */
export const templateTestSendRoutes: FastifyPluginAsyncTypebox<AppDependencies> = async (app, { db, config }) => {
  const mailer: Mailer | undefined =
    config.smtpUrl === undefined ? undefined : createMailer(config.smtpUrl, config.dkim);
  app.addHook('onClose', () => mailer?.close());

  app.post(
    '/v1/templates/:key/test-send',
    {
      schema: {
        params: TemplateKeyParams,
        body: TestSendBody,
        response: {
          202: Type.Object({ messageId: Type.String() }, { description: 'the SMTP server took the email' }),
          ...errors(
            [404, 'no such template'],
            [409, 'the address is on the suppression list'],
            [
              422,
              "the request does not match the route's shape, the template does not render, or the SMTP server refused the address",
            ],
            [503, 'no SMTP transport is configured, or the SMTP server did not take the email; retry later'],
          ),
        },
      },
    },
    async (request, reply) => {
      const { to, locale, data } = request.body;
      const rendered = await renderPreview(db, config, request.params.key, { locale, lead: data });
      if (!mailer) throw new HttpError(503, 'smtp_not_configured', 'no SMTP transport is configured (SMTP_URL)');
      if (await suppressionOf(db, to))
        throw new HttpError(409, 'suppressed', `${to} is on the suppression list; test mail is not sent to it`);
      try {
        const info = await mailer.sendMail({
          from: config.mailFrom,
          to,
          subject: `[TEST] ${rendered.subject}`,
          html: rendered.html,
          text: rendered.text,
          headers: { [TEST_SEND_HEADER]: '1' },
        });
        return reply.code(202).send({ messageId: info.messageId });
      } catch (error) {
        const code = responseCodeOf(error);
        // A refusal of this address is the caller's to fix; anything else is the relay being unreachable.
        if (code !== undefined && code >= 500)
          throw unprocessable('the SMTP server refused the test email', [
            { path: '/to', message: String((error as Error).message) },
          ]);
        request.log.warn({ err: error }, 'test send failed');
        throw new HttpError(
          503,
          'smtp_unavailable',
          'the SMTP server did not take the test email; retry later',
          undefined,
          { 'retry-after': '30' },
        );
      }
    },
  );
};
