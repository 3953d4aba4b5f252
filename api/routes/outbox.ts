import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { simpleParser, type AddressObject } from 'mailparser';
import Type from 'typebox';
import type { AppDependencies } from '../app.ts';
import { HttpError } from '../http-errors.ts';

const addresses = (value: AddressObject | AddressObject[] | undefined): string[] =>
  (Array.isArray(value) ? value : value ? [value] : []).flatMap((a) => a.value.map((v) => v.address ?? '')).filter(Boolean);

/**
 * `GET /v1/outbox`: mail kept by the capture SMTP server of `npm start`, newest first.
 * Only there when the capture server is (no `SMTP_URL`); with a real relay the mail has left.
 */
export const outboxRoutes: FastifyPluginAsyncTypebox<AppDependencies> = async (app, { config }) => {
  const dir = config.outboxDir;
  app.get(
    '/v1/outbox',
    { schema: { querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) }) } },
    async (request) => {
      if (dir === undefined) {
        throw new HttpError(404, 'outbox_disabled', 'there is no outbox: mail goes to SMTP_URL; the outbox exists only with the capture SMTP server of npm start');
      }
      const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.eml')).sort().reverse();
      const items = await Promise.all(
        files.slice(0, request.query.limit ?? 50).map(async (file) => {
          const mail = await simpleParser(await readFile(path.join(dir, file)));
          return {
            id: file.replace(/\.eml$/, ''),
            receivedAt: new Date(Number(file.split('-')[0])).toISOString(),
            messageId: mail.messageId ?? null,
            from: addresses(mail.from),
            to: addresses(mail.to),
            subject: mail.subject ?? '',
            text: mail.text ?? '',
            html: typeof mail.html === 'string' ? mail.html : null,
          };
        }),
      );
      return { items, total: files.length };
    },
  );
};
