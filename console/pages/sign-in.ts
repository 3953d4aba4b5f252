import { randomBytes } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { keyDigest, SESSION_COOKIE, sameSecret } from '../../api/plugins/auth.ts';
import { deleteConsoleSession, insertConsoleSession } from '../../db/repositories/console-sessions.ts';
import type { Queryable } from '../../db/pool.ts';
import { html } from '../html.ts';
import { documentShell, notice } from '../layout.ts';
import { LANG_COOKIE, messages, requestLang, type Lang } from '../i18n.ts';
import { requireConsoleSession } from '../context.ts';

const text = messages({
  ja: {
    title: 'サインイン',
    intro: 'APIキーでサインインします。キーのロールで、できることが決まります。',
    key: 'APIキー',
    submit: 'サインイン',
    invalid: 'このAPIキーは有効ではありません。',
    stale: 'フォームの有効期限が切れました。もう一度お試しください。',
    language: '表示言語',
  },
  en: {
    title: 'Sign in',
    intro: 'Sign in with an API key. What you may do is what its role may do.',
    key: 'API key',
    submit: 'Sign in',
    invalid: 'This API key is not valid.',
    stale: 'The form expired. Please try again.',
    language: 'Language',
  },
});

/** The pre-session token of the sign-in form (double-submit), against login CSRF. */
const PRE_COOKIE = 'lle_signin';
/** How long a console sign-in lasts. */
const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

const SignInBody = Type.Object(
  {
    key: Type.String({ maxLength: 300 }),
    _csrf: Type.String({ maxLength: 100 }),
    next: Type.Optional(Type.String({ maxLength: 2000 })),
    lang: Type.Optional(Type.String({ maxLength: 5 })),
  },
  { additionalProperties: false },
);

// A stand-in origin to resolve `next` against: what matters is whether the result stays on it.
const HERE = 'http://console.invalid';

/**
 * Only a path on this site, else `/`: `//evil.example`, `https://…`, and the forms a browser
 * turns into them (`/\evil`, `/<tab>/evil`: it drops tabs and newlines and reads `\` as `/`)
 * would make sign-in an open redirect. Resolved with `URL` as a browser resolves it, instead
 * of matched by a pattern; the answer is the resolved, percent-encoded path, which carries no
 * control character or backslash, and never starts with `//` (`/..//x` resolves to the path `//x`).
 */
export function safeNext(next: string | undefined): string {
  if (next === undefined || !next.startsWith('/')) return '/';
  let resolved: URL;
  try {
    resolved = new URL(next, HERE);
  } catch {
    return '/';
  }
  if (resolved.origin !== HERE || resolved.pathname.startsWith('//')) return '/';
  // No fragment: a browser never sends one, so no page of ours asks to come back to one. A `\`
  // the query keeps as it is, encoded, so that no part of the answer can read as a separator.
  return `${resolved.pathname}${resolved.search}`.replace(/\\/g, '%5C');
}

/** Sign-in, sign-out and the language switch: the console's only pages without a session. */
export async function signInPages(
  instance: FastifyInstance,
  options: { db: Queryable; secureCookies: boolean },
): Promise<void> {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const cookieOptions = { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: options.secureCookies };

  const form = (reply: FastifyReply, lang: Lang, next: string, error?: string, status = 200) => {
    const t = text(lang);
    const pre = randomBytes(24).toString('base64url');
    return reply
      .code(status)
      .setCookie(PRE_COOKIE, pre, { ...cookieOptions, maxAge: 3600 })
      .type('text/html; charset=utf-8')
      .send(
        documentShell(
          lang,
          t.title,
          html`<body><main id="main" class="sign-in">
<h1>${t.title}</h1>
<p>${t.intro}</p>
${notice('error', error)}
<form method="post" action="/sign-in">
<input type="hidden" name="_csrf" value="${pre}">
<input type="hidden" name="next" value="${next}">
<div class="field"><label for="key">${t.key}</label><input id="key" name="key" type="password" autocomplete="off" required maxlength="300" autofocus${error ? html` aria-invalid="true" aria-describedby="key-error"` : ''}>
${error ? html`<p class="error" id="key-error">${error}</p>` : ''}</div>
<div class="field"><label for="lang">${t.language}</label><select id="lang" name="lang"><option value="ja"${lang === 'ja' ? html` selected` : ''}>日本語</option><option value="en"${lang === 'en' ? html` selected` : ''}>English</option></select></div>
<button type="submit">${t.submit}</button>
</form></main></body>`,
        ),
      );
  };

  app.get(
    '/sign-in',
    { schema: { hide: true, querystring: Type.Object({ next: Type.Optional(Type.String({ maxLength: 2000 })) }) } },
    async (request, reply) => form(reply, requestLang(request), safeNext(request.query.next)),
  );

  app.post('/sign-in', { schema: { hide: true, body: SignInBody } }, async (request, reply) => {
    const body = request.body;
    const lang: Lang = body.lang === 'en' || body.lang === 'ja' ? body.lang : requestLang(request);
    const next = safeNext(body.next);
    const pre = request.cookies[PRE_COOKIE];
    if (pre === undefined || !sameSecret(pre, body._csrf)) return form(reply, lang, next, text(lang).stale, 403);
    // Guesses are limited per address, as bad bearer keys are (a 429 page with Retry-After).
    app.authFailures.check(request.ip);
    const caller = await app.callerForKey(body.key.trim());
    if (!caller) {
      app.authFailures.fail(request.ip);
      return form(reply, lang, next, text(lang).invalid, 401);
    }
    const sessionId = randomBytes(32).toString('base64url');
    await insertConsoleSession(options.db, {
      idDigest: keyDigest(sessionId),
      keyDigest: keyDigest(body.key.trim()),
      csrfToken: randomBytes(32).toString('base64url'),
      ttlMs: SESSION_TTL_MS,
    });
    return reply
      .clearCookie(PRE_COOKIE, cookieOptions)
      .setCookie(SESSION_COOKIE, sessionId, { ...cookieOptions, maxAge: SESSION_TTL_MS / 1000 })
      .setCookie(LANG_COOKIE, lang, { ...cookieOptions, httpOnly: false, maxAge: 365 * 24 * 3600 })
      .redirect(next, 303);
  });

  app.post(
    '/sign-out',
    { schema: { hide: true }, preValidation: requireConsoleSession(instance) },
    async (request: FastifyRequest, reply) => {
      if (request.session) await deleteConsoleSession(options.db, keyDigest(request.session.sessionId));
      return reply.clearCookie(SESSION_COOKIE, cookieOptions).redirect('/sign-in', 303);
    },
  );

  app.get(
    '/lang/:lang',
    {
      schema: {
        hide: true,
        params: Type.Object({ lang: Type.Union([Type.Literal('ja'), Type.Literal('en')]) }),
        querystring: Type.Object({ next: Type.Optional(Type.String({ maxLength: 2000 })) }),
      },
    },
    async (request, reply) =>
      reply
        .setCookie(LANG_COOKIE, request.params.lang, { ...cookieOptions, httpOnly: false, maxAge: 365 * 24 * 3600 })
        .redirect(safeNext(request.query.next), 303),
  );
}
