import { isUtf8 } from 'node:buffer';
import { Stream } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { HttpError, unprocessable } from '../http-errors.ts';

type Done = (error: Error | null, body?: unknown) => void;

/**
 * A JSON body parser over the bytes as sent: bytes that are not UTF-8 are refused (400)
 * rather than decoded into U+FFFD and stored as if the client had meant them; the rest is
 * Fastify's own parser (prototype keys refused). `emptyAsUndefined` lets a signed webhook
 * reach its signature check (401) with no body instead of a 400.
 */
export function strictJsonParser(
  scope: FastifyInstance,
  options: { emptyAsUndefined?: boolean } = {},
): (request: FastifyRequest, body: string | Buffer, done: Done) => void {
  const parse = scope.getDefaultJsonParser('error', 'error');
  return (request, body, done) => {
    const raw = Buffer.isBuffer(body) ? body : Buffer.from(body);
    if (raw.length === 0 && options.emptyAsUndefined) return done(null, undefined);
    if (!isUtf8(raw)) return done(new HttpError(400, 'malformed', 'the body is not valid UTF-8'), undefined);
    void parse(request, raw.toString('utf8'), done);
  };
}

// Deep enough for any body a route accepts; a deeper one is answered 422 at once.
const MAX_DEPTH = 64;
const MAX_REPORTED = 20;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const isPlainData = (value: object): boolean => !(value instanceof Stream) && !Buffer.isBuffer(value);
const notText = (text: string): boolean => text.includes('\u0000') || LONE_SURROGATE.test(text);

/**
 * Where `value` holds text no route should accept: U+0000 (PostgreSQL text cannot hold it,
 * so it would fail mid-request) and lone UTF-16 surrogates (JSON escapes like "\ud800",
 * which would be stored as U+FFFD). Walked without recursion, so any nesting is safe.
 */
export function badTextPaths(value: unknown, prefix = ''): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: prefix, depth: 0 }];
  while (stack.length > 0 && problems.length < MAX_REPORTED) {
    const item = stack.pop() as (typeof stack)[number];
    if (typeof item.value === 'string') {
      if (notText(item.value))
        problems.push({
          path: item.path || '/',
          message: 'contains U+0000 (NUL) or a lone UTF-16 surrogate, which are not text',
        });
    } else if (item.value !== null && typeof item.value === 'object') {
      // Only parsed data is walked: a streamed body (the CSV import's request stream) is
      // checked by its own reader, and walking a stream would wander through the socket.
      if (!isPlainData(item.value)) continue;
      if (item.depth >= MAX_DEPTH) {
        problems.push({ path: item.path || '/', message: `is nested more than ${MAX_DEPTH} levels deep` });
        continue;
      }
      for (const [key, child] of Object.entries(item.value)) {
        if (notText(key)) problems.push({ path: item.path || '/', message: 'has a field name that is not text' });
        stack.push({
          value: child,
          path: `${item.path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`,
          depth: item.depth + 1,
        });
      }
    }
  }
  return problems;
}

/**
 * Strict JSON bodies for the whole app ({@link strictJsonParser}), and one check before
 * every handler that the body and query hold only storable text: a 422 naming each field,
 * before anything is written.
 */
export const jsonBodyPlugin = fp(
  async (app: FastifyInstance) => {
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, strictJsonParser(app));
    app.addHook('preHandler', async (request) => {
      const problems = [...badTextPaths(request.body), ...badTextPaths(request.query, 'querystring:')];
      if (problems.length > 0) throw unprocessable('the request holds text that cannot be stored', problems);
    });
  },
  { name: 'json-body', dependencies: ['error-handler'] },
);
