import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { simpleParser, type AddressObject, type HeaderValue, type ParsedMail } from 'mailparser';
import Type, { type Static } from 'typebox';
import type { AppDependencies } from '../dependencies.ts';
import { HttpError, notFound } from '../http-errors.ts';
import { errors, IdParams, Instant, Nullable } from '../schemas.ts';

/** A captured message as the outbox lists it. */
export const OutboxItemSchema = Type.Object({
  id: Type.String(),
  receivedAt: Instant(),
  messageId: Nullable(Type.String()),
  from: Type.Array(Type.String()),
  to: Type.Array(Type.String()),
  subject: Type.String(),
  text: Type.String(),
  html: Nullable(Type.String()),
});

/** `GET /v1/outbox/:id`: one message with its headers. */
export const OutboxMessageSchema = Type.Object({
  ...OutboxItemSchema.properties,
  cc: Type.Array(Type.String()),
  date: Nullable(Instant()),
  headers: Type.Array(Type.Object({ name: Type.String(), value: Type.String() }), {
    description: 'decoded, in message order',
  }),
});

/** `GET /v1/outbox`. */
export const OutboxListSchema = Type.Object({ items: Type.Array(OutboxItemSchema), total: Type.Integer() });
/** A captured message as the outbox lists it, as the console reads it. */
export type OutboxItem = Static<typeof OutboxItemSchema>;
/** `GET /v1/outbox`, as the console reads it. */
export type OutboxList = Static<typeof OutboxListSchema>;
/** `GET /v1/outbox/:id`, as the console reads it. */
export type OutboxMessage = Static<typeof OutboxMessageSchema>;

const noOutbox = 'there is no outbox (mail goes to SMTP_URL; code outbox_disabled)';

/**
 * The id of a captured message: its file name without `.eml`, as the capture server names
 * it (milliseconds, process id, sequence). Nothing else is ever a file name, so no id can
 * reach outside the outbox directory.
 */
const MESSAGE_ID = /^[0-9]{15}-[0-9]{1,10}-[0-9]{6}$/;

const addresses = (value: AddressObject | AddressObject[] | undefined): string[] =>
  (Array.isArray(value) ? value : value ? [value] : [])
    .flatMap((a) => a.value.map((v) => v.address ?? ''))
    .filter(Boolean);

/** A header as text, decoded (RFC 2047 words, address lists, dates) the way mailparser reads it. */
function headerText(value: HeaderValue): string {
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => headerText(v as HeaderValue)).join(', ');
  if ('text' in value && typeof value.text === 'string') return value.text;
  if ('params' in value && typeof value.value === 'string') {
    const params = Object.entries(value.params).map(([k, v]) => `; ${k}=${v}`);
    return `${value.value}${params.join('')}`;
  }
  return JSON.stringify(value);
}

const summary = (id: string, mail: ParsedMail) => ({
  id,
  receivedAt: new Date(Number(id.split('-')[0])).toISOString(),
  messageId: mail.messageId ?? null,
  from: addresses(mail.from),
  to: addresses(mail.to),
  subject: mail.subject ?? '',
  text: mail.text ?? '',
  html: typeof mail.html === 'string' ? mail.html : null,
});

/**
 * `GET /v1/outbox` and `GET /v1/outbox/:id`: mail kept by the capture SMTP server of
 * `npm start`, newest first, and one message as rendered with its decoded headers. Only
 * there when the capture server is (no `SMTP_URL`); with a real relay the mail has left.
 */
export const outboxRoutes: FastifyPluginAsyncTypebox<AppDependencies> = async (app, { config }) => {
  const dir = config.outboxDir;
  const outboxDir = (): string => {
    if (dir === undefined) {
      throw new HttpError(
        404,
        'outbox_disabled',
        'there is no outbox: mail goes to SMTP_URL; the outbox exists only with the capture SMTP server of npm start',
      );
    }
    return dir;
  };

  app.get(
    '/v1/outbox',
    {
      schema: {
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) }),
        response: { 200: OutboxListSchema, ...errors([404, noOutbox]) },
      },
    },
    async (request) => {
      const from = outboxDir();
      const files = (await readdir(from).catch(() => [] as string[]))
        .filter((f) => f.endsWith('.eml'))
        .sort()
        .reverse();
      const items = await Promise.all(
        files
          .slice(0, request.query.limit ?? 50)
          .map(async (file) =>
            summary(file.replace(/\.eml$/, ''), await simpleParser(await readFile(path.join(from, file)))),
          ),
      );
      return { items, total: files.length };
    },
  );

  app.get(
    '/v1/outbox/:id',
    {
      schema: {
        params: IdParams,
        response: { 200: OutboxMessageSchema, ...errors([404, `no such message, or ${noOutbox}`]) },
      },
    },
    async (request) => {
      const from = outboxDir();
      const { id } = request.params;
      if (!MESSAGE_ID.test(id)) throw notFound('message');
      const raw = await readFile(path.join(from, `${id}.eml`)).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') throw notFound('message');
        throw error;
      });
      const mail = await simpleParser(raw);
      const headers = [...mail.headers]
        .filter(([name]) => name !== 'x-capture-envelope-to')
        .map(([name, value]) => ({ name, value: headerText(value) }));
      return { ...summary(id, mail), cc: addresses(mail.cc), date: mail.date?.toISOString() ?? null, headers };
    },
  );
};
