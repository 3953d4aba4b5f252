import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { findLead, type Lead } from '../../db/repositories/leads.ts';
import { suppress, suppressionOf } from '../../db/repositories/suppressions.ts';
import { verifyToken } from '../../mail/tokens.ts';
import type { AppDependencies } from '../dependencies.ts';
import { asDependencyError } from '../dependency-errors.ts';
import { escapeHtml } from '../../domain/html.ts';
import { invalidLinkPage, maskEmail, sendPage, unavailablePage, type PageContent } from '../html-pages.ts';
import { signalLead } from '../../intake/lifecycle-client.ts';
import { contentOf } from '../schemas.ts';
import { TokenPath, tokenIn } from '../token-path.ts';

const invalidLink = contentOf(
  'text/html',
  'the token is not valid or names no lead: a page saying the link does not work',
);
const unavailable = contentOf(
  'text/html',
  'PostgreSQL or Temporal is unreachable: a page asking to try again (Retry-After)',
);

/** The fields of a form or one-click body; undefined for a body that was none or not a form. */
type FormBody = Record<string, string> | undefined;

const TEXT = {
  ja: {
    confirmTitle: '配信停止の確認',
    confirmHeading: 'メール配信の停止',
    confirm: (address: string) =>
      `<span class="address">${address}</span> 宛てのご案内メールの配信を停止します。よろしければ、下のボタンを押してください。`,
    button: '配信を停止する',
    alreadyTitle: '配信停止済み',
    alreadyHeading: '配信はすでに停止しています',
    already: (address: string) =>
      `<span class="address">${address}</span> 宛てのご案内メールは、すでに配信を停止しています。`,
    doneTitle: '配信を停止しました',
    doneHeading: '配信を停止しました',
    done: (address: string) =>
      `<span class="address">${address}</span> 宛てのご案内メールの配信を停止しました。今後、ご案内メールはお送りしません。`,
    retryTitle: '配信停止の処理中',
    retryHeading: '配信停止を受け付けました',
    retry: (address: string) =>
      `<span class="address">${address}</span> 宛てのメール送信は停止しましたが、処理の一部がまだ完了していません。しばらくしてから、もう一度ボタンを押してください。`,
    retryButton: 'もう一度送信する',
  },
  en: {
    confirmTitle: 'Unsubscribe',
    confirmHeading: 'Unsubscribe from our emails',
    confirm: (address: string) =>
      `We will stop sending marketing emails to <span class="address">${address}</span>. To confirm, press the button below.`,
    button: 'Unsubscribe',
    alreadyTitle: 'Already unsubscribed',
    alreadyHeading: 'You are already unsubscribed',
    already: (address: string) => `<span class="address">${address}</span> no longer receives our marketing emails.`,
    doneTitle: 'You are unsubscribed',
    doneHeading: 'You are unsubscribed',
    done: (address: string) => `We will not send marketing emails to <span class="address">${address}</span> any more.`,
    retryTitle: 'Unsubscribe in progress',
    retryHeading: 'Your request was received',
    retry: (address: string) =>
      `Emails to <span class="address">${address}</span> are stopped, but we could not finish processing your request. Please press the button again in a moment.`,
    retryButton: 'Try again',
  },
} as const;

const form = (token: string, label: string): string =>
  `<form method="post" action="/u/${escapeHtml(token)}" aria-labelledby="heading">
<input type="hidden" name="confirm" value="1">
<button type="submit" aria-describedby="what">${escapeHtml(label)}</button>
</form>`;

const textOf = (lead: Lead) => TEXT[lead.locale];

function confirmPage(lead: Lead, token: string): PageContent {
  const t = textOf(lead);
  return {
    lang: lead.locale,
    title: t.confirmTitle,
    body: `<h1 id="heading">${t.confirmHeading}</h1>\n<p id="what">${t.confirm(escapeHtml(maskEmail(lead.email)))}</p>\n${form(token, t.button)}`,
  };
}

function alreadyPage(lead: Lead): PageContent {
  const t = textOf(lead);
  return {
    lang: lead.locale,
    title: t.alreadyTitle,
    body: `<h1 id="heading">${t.alreadyHeading}</h1>\n<p>${t.already(escapeHtml(maskEmail(lead.email)))}</p>`,
  };
}

function donePage(lead: Lead): PageContent {
  const t = textOf(lead);
  return {
    lang: lead.locale,
    title: t.doneTitle,
    body: `<h1 id="heading">${t.doneHeading}</h1>\n<p>${t.done(escapeHtml(maskEmail(lead.email)))}</p>`,
  };
}

function retryPage(lead: Lead, token: string): PageContent {
  const t = textOf(lead);
  return {
    lang: lead.locale,
    title: t.retryTitle,
    body: `<h1 id="heading">${t.retryHeading}</h1>\n<p id="what">${t.retry(escapeHtml(maskEmail(lead.email)))}</p>\n${form(token, t.retryButton)}`,
  };
}

/**
 * `GET /u/:token` (the page behind the unsubscribe link) and `POST /u/:token` (its confirm
 * button, and RFC 8058 one-click from mail providers). No API key: the signed token is the
 * authority, and a token that is forged, altered or signed for another purpose answers the
 * same 404 page as one naming no lead. GET never changes anything, since mail scanners fetch
 * every link; only a POST unsubscribes.
 *
 * A POST first writes the suppression, then tells the lead's workflow (`unsubscribed`, event
 * id `unsubscribe-<leadId>`, so a repeat has no second effect). The suppression alone already
 * stops every email: the send activity checks it right before the SMTP call. If Temporal
 * cannot be reached the suppression stays written and the answer is 503 with Retry-After,
 * not 200: a 200 would leave the workflow believing the lead is still in its stage for good
 * (nothing else ever re-delivers the event), while a 503 makes mail providers retry the
 * one-click POST and shows a person a "try again" button, and the retry, finding the
 * suppression in place, only delivers the signal. So the unsubscribe is never lost: the
 * address is suppressed from the first attempt on, and the lead's stage follows on the
 * first attempt that reaches Temporal. PostgreSQL down: 503 before anything happened.
 */
export const unsubscribeRoutes: FastifyPluginAsyncTypebox<AppDependencies & { appSecret: string }> = async (
  app,
  { db, temporal, config, appSecret },
) => {
  // Mail providers post `List-Unsubscribe=One-Click` as a form (urlencoded, or multipart as
  // RFC 8058 prefers), some with no body at all; the confirm button posts `confirm=1`. The
  // POST itself is the request, so any body up to 4 KiB is accepted and only a urlencoded
  // one is read: an unusual content type must not cost a reader their unsubscribe.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 4096 },
    (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    },
  );
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 4096 }, (_request, _body, done) =>
    done(null, undefined),
  );

  // A person is reading these answers: an outage is a page, not JSON. Other errors (413)
  // go on to the app's error handler.
  app.setErrorHandler((error, request, reply) => {
    const dependency = asDependencyError(error);
    if (!dependency) throw error;
    request.log.warn({ err: error }, 'unsubscribe: dependency unavailable');
    return sendPage(reply, dependency.statusCode, unavailablePage(), dependency.headers);
  });

  const leadOf = async (token: string): Promise<Lead | undefined> => {
    const payload = verifyToken(appSecret, token, 'unsubscribe');
    return payload ? findLead(db, payload.l) : undefined;
  };

  app.get(
    '/u/*',
    {
      schema: {
        params: TokenPath,
        security: [],
        response: {
          200: contentOf('text/html', 'the confirmation page, or the page saying the address is already unsubscribed'),
          404: invalidLink,
          503: unavailable,
        },
      },
    },
    async (request, reply) => {
      const token = tokenIn(request.params);
      const lead = await leadOf(token);
      if (!lead) return sendPage(reply, 404, invalidLinkPage());
      const suppressed = (await suppressionOf(db, lead.email)) !== undefined;
      return sendPage(reply, 200, suppressed ? alreadyPage(lead) : confirmPage(lead, token));
    },
  );

  app.post(
    '/u/*',
    {
      schema: {
        params: TokenPath,
        security: [],
        consumes: ['application/x-www-form-urlencoded'],
        response: {
          200: {
            description: 'unsubscribed: a page after the confirm button, plain text for one-click',
            content: { 'text/html': { schema: Type.String() }, 'text/plain': { schema: Type.String() } },
          },
          404: invalidLink,
          503: unavailable,
        },
      },
    },
    async (request, reply) => {
      const token = tokenIn(request.params);
      const lead = await leadOf(token);
      if (!lead) return sendPage(reply, 404, invalidLinkPage());
      const fromPage = (request.body as FormBody)?.confirm === '1';

      await suppress(db, lead.email, 'unsubscribed');
      try {
        await signalLead(temporal.client, config.temporalTaskQueue, lead.id, {
          kind: 'unsubscribed',
          eventId: `unsubscribe-${lead.id}`,
          reason: 'unsubscribed',
        });
      } catch (error) {
        if (!asDependencyError(error)) throw error;
        request.log.warn(
          { err: error, leadId: lead.id },
          'unsubscribe: address suppressed, but the workflow could not be told; answered 503 so the sender retries',
        );
        return sendPage(reply, 503, retryPage(lead, token), { 'retry-after': '5' });
      }
      request.log.info({ leadId: lead.id, via: fromPage ? 'page' : 'one-click' }, 'unsubscribed');
      if (fromPage) return sendPage(reply, 200, donePage(lead));
      return reply
        .code(200)
        .headers({ 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store, private' })
        .send('unsubscribed\n');
    },
  );
};
