import formBody from '@fastify/formbody';
import type { FastifyError, FastifyInstance } from 'fastify';
import { asDependencyError } from '../api/dependency-errors.ts';
import { HttpError } from '../api/http-errors.ts';
import type { Queryable } from '../db/pool.ts';
import { consoleAssets } from './assets.ts';
import { requireConsoleSession } from './context.ts';
import { html } from './html.ts';
import { common, requestLang } from './i18n.ts';
import { documentShell } from './layout.ts';
import { accountPages } from './pages/accounts.ts';
import { cadencePages } from './pages/cadences.ts';
import { dashboardPage } from './pages/dashboard.ts';
import { dmTaskPages } from './pages/dm-tasks.ts';
import { leadActionPages } from './pages/lead-actions.ts';
import { leadPages } from './pages/lead-page.ts';
import { leadListPages } from './pages/leads-list.ts';
import { leadsWithoutConsentPage } from './pages/leads-without-consent.ts';
import { outboxPages } from './pages/outbox.ts';
import { performancePages } from './pages/performance.ts';
import { broadcastPages } from './pages/broadcasts.ts';
import { bulkActionPages } from './pages/bulk-actions.ts';
import { salesPages } from './pages/sales.ts';
import { segmentPages } from './pages/segments.ts';
import { signInPages } from './pages/sign-in.ts';
import { taskPages } from './pages/tasks.ts';
import { templatePages } from './pages/templates.ts';

/** What the console needs besides the API it calls. */
export interface ConsoleOptions {
  db: Queryable;
  /** Cookies marked Secure when the console is served over https (PUBLIC_BASE_URL). */
  secureCookies: boolean;
}

/**
 * The marketer's console at `/`: server-rendered pages (htmx where a page updates in
 * place) that call the JSON API in-process with the reader's session, so the console
 * can do exactly what the reader's key may do, and nothing the API would refuse.
 */
export async function consolePlugin(app: FastifyInstance, options: ConsoleOptions): Promise<void> {
  await app.register(formBody, { bodyLimit: 1024 * 1024 });
  // Errors of console pages are pages, not JSON: a person reads them.
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const lang = requestLang(request);
    // PostgreSQL or Temporal away: 503 with Retry-After, as the API answers, not a 500.
    const dependency = error instanceof HttpError ? undefined : asDependencyError(error);
    const known = error instanceof HttpError ? error : dependency;
    const status = known
      ? known.statusCode
      : error.validation
        ? 422
        : (error.statusCode ?? 500) >= 500
          ? 500
          : (error.statusCode ?? 500);
    if (status === 500) request.log.error({ err: error }, 'console page failed');
    const message = status === 500 ? 'internal error' : (known ?? error).message;
    return reply
      .code(status)
      .headers(known?.headers ?? {})
      .type('text/html; charset=utf-8')
      .send(
        documentShell(
          lang,
          common(lang).errorTitle,
          html`<body><main id="main" class="sign-in"><h1>${common(lang).errorTitle} ${status}</h1><p>${message}</p><p><a href="/">${common(lang).dashboard}</a></p></main></body>`,
        ),
      );
  });
  await app.register(consoleAssets);
  await app.register(signInPages, options);
  await app.register(async (pages) => {
    // Before validation: a post without a session or its CSRF token is refused as such, whatever its fields.
    pages.addHook('preValidation', requireConsoleSession(app));
    pages.addHook('onSend', async (_request, reply, payload) => {
      // Pages show lead data: not to be cached by shared caches or framed by other sites.
      reply
        .header('cache-control', 'no-store')
        .header('x-frame-options', 'DENY')
        .header(
          'content-security-policy',
          "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-src 'self'; frame-ancestors 'none'; form-action 'self'",
        );
      return payload;
    });
    await pages.register(dashboardPage);
    await pages.register(dmTaskPages);
    await pages.register(salesPages);
    await pages.register(taskPages);
    await pages.register(outboxPages);
    await pages.register(performancePages);
    await pages.register(broadcastPages);
    await pages.register(segmentPages);
    await pages.register(bulkActionPages);
    await pages.register(cadencePages);
    await pages.register(templatePages);
    await pages.register(leadListPages);
    await pages.register(leadsWithoutConsentPage);
    await pages.register(accountPages);
    await pages.register(leadPages);
    await pages.register(leadActionPages);
  });
}
