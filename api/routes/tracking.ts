import { createHash } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { automatedUserAgent } from '../../domain/machine-engagement.ts';
import type { EventType } from '../../domain/scoring.ts';
import { verifyToken, type TokenPayload } from '../../mail/tokens.ts';
import type { AppDependencies } from '../dependencies.ts';
import { acceptEngagement } from '../../intake/engagement.ts';
import { recordEmailHit } from '../../intake/email-hits.ts';
import { invalidLinkPage, sendPage } from '../html-pages.ts';
import { contentOf, UUID_PATTERN } from '../schemas.ts';
import { TokenPath, tokenIn } from '../token-path.ts';

/** A 1x1 transparent GIF (43 bytes). */
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

export function isAutomatedHit(userAgent: string | undefined, kind: 'open' | 'click'): boolean {
  return automatedUserAgent(userAgent, kind) !== undefined;
}

/**
 * Where a click token may send the reader: its signed `u` when that is an absolute http(s)
 * URL, as is when it is printable ASCII (the usual case, byte for byte what the template
 * had), else in its standard serialisation (non-ASCII percent-encoded, as browsers request
 * it), since a raw non-ASCII Location header is not valid HTTP.
 */
export function redirectTarget(u: string | undefined): string | undefined {
  if (u === undefined || !/^https?:\/\//i.test(u)) return undefined;
  let url: URL;
  try {
    url = new URL(u);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  return /^[\x21-\x7e]+$/.test(u) ? u : url.href;
}

const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * `GET /t/o/:token` (open pixel) and `GET /t/c/:token` (click redirect). No API key: the
 * signed token is the authority.
 *
 * - Opens always answer the pixel, even for a bad token (a mail client never shows a
 *   broken image). A valid token counts `email_open` once per email (event id
 *   `open:<delivery>`).
 * - Clicks redirect only to the URL signed into the token (a query parameter is never
 *   read: no open redirect), and count `email_click` once per link per email (event id
 *   `click:<delivery>:<first 16 hex of sha256(url)>`); repeats still redirect. A bad token,
 *   or a signed URL that is not http(s), answers the 404 page.
 * - HEAD requests and machine hits ({@link isAutomatedHit}) are answered alike and never counted.
 *
 * Counting does not hold up the answer: the event is recorded (row and workflow signal,
 * both or neither, through acceptEngagement) alongside it, not awaited. A failure (say,
 * Temporal down) is logged at warn with the lead, type, time and event id: the exact
 * `POST /v1/events` body that replays it, and replaying it twice still counts once. A
 * signed token without a delivery (`d`) is never issued, so it redirects but counts nothing.
 */
export const trackingRoutes: FastifyPluginAsyncTypebox<AppDependencies & { appSecret: string }> = async (
  app,
  { db, temporal, config, appSecret },
) => {
  // Recordings still running when the app closes are awaited, so none is cut off mid-way.
  const pending = new Set<Promise<void>>();
  app.addHook('onClose', async () => {
    await Promise.allSettled([...pending]);
  });

  const count = (
    request: FastifyRequest,
    payload: TokenPayload,
    type: EventType,
    sourceOf: (delivery: string) => string,
  ): void => {
    const kind = type === 'email_open' ? 'open' : 'click';
    if (payload.d !== undefined) report(request, payload.d, kind, payload.u);
    if (request.method !== 'GET' || payload.d === undefined || !UUID_PATTERN.test(payload.l)) return;
    if (isAutomatedHit(request.headers['user-agent'], kind)) {
      request.log.debug(
        { leadId: payload.l, userAgent: request.headers['user-agent'] },
        `${kind} by a scanner, not counted`,
      );
      return;
    }
    const event = { leadId: payload.l, type, occurredAt: new Date(), sourceId: sourceOf(payload.d) };
    const task = acceptEngagement({ db, temporal: temporal.client, taskQueue: config.temporalTaskQueue }, event).then(
      ({ duplicate }) => request.log.debug({ leadId: event.leadId, id: event.sourceId, duplicate }, `${type} recorded`),
      (error: unknown) =>
        request.log.warn(
          {
            err: error,
            replay: { leadId: event.leadId, type, occurredAt: event.occurredAt.toISOString(), id: event.sourceId },
          },
          `${type} could not be recorded; POST the "replay" body to /v1/events to count it`,
        ),
    );
    pending.add(task);
    void task.finally(() => pending.delete(task));
  };

  // The email report keeps every hit, machines' included (counted apart), beside the score.
  const report = (
    request: FastifyRequest,
    deliveryKey: string,
    kind: 'open' | 'click',
    url: string | undefined,
  ): void => {
    const hit = {
      deliveryKey,
      kind,
      method: request.method,
      userAgent: request.headers['user-agent'],
      at: new Date(),
      url,
    };
    const task = recordEmailHit(db, hit).then(
      () => {},
      (error: unknown) => request.log.warn({ err: error, deliveryKey, kind }, 'email report: hit not recorded'),
    );
    pending.add(task);
    void task.finally(() => pending.delete(task));
  };

  // Neither answer waits for PostgreSQL or Temporal: counting runs beside it.
  const noDependencies = { usesDependencies: false };

  app.get(
    '/t/o/*',
    {
      config: noDependencies,
      schema: {
        params: TokenPath,
        security: [],
        response: { 200: contentOf('image/gif', 'a 1x1 transparent GIF, whatever the token') },
      },
    },
    async (request, reply) => {
      const payload = verifyToken(appSecret, tokenIn(request.params), 'open');
      if (payload) count(request, payload, 'email_open', (delivery) => `open:${delivery}`);
      return reply
        .code(200)
        .headers({
          'content-type': 'image/gif',
          'cache-control': 'no-store, private',
          'x-content-type-options': 'nosniff',
        })
        .send(PIXEL);
    },
  );

  app.get(
    '/t/c/*',
    {
      config: noDependencies,
      schema: {
        params: TokenPath,
        security: [],
        response: {
          302: {
            description: 'to the URL signed into the token (Location)',
            headers: { location: { type: 'string' } },
            type: 'null',
          },
          404: contentOf('text/html', 'the token is not valid: a page saying the link does not work'),
        },
      },
    },
    async (request, reply) => {
      const payload = verifyToken(appSecret, tokenIn(request.params), 'click');
      const target = redirectTarget(payload?.u);
      if (!payload?.u || target === undefined) return sendPage(reply, 404, invalidLinkPage());
      const signed = payload.u;
      count(request, payload, 'email_click', (delivery) => `click:${delivery}:${sha256Hex(signed).slice(0, 16)}`);
      // No referrer: the destination must not receive the token (lead and delivery) in Referer.
      return reply
        .code(302)
        .headers({ location: target, 'cache-control': 'no-store, private', 'referrer-policy': 'no-referrer' })
        .send();
    },
  );
};
