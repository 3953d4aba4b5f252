import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Caller } from '../api/plugins/auth.ts';
import { CSRF_HEADER, SESSION_COOKIE, sameSecret } from '../api/plugins/auth.ts';
import { asDependencyError } from '../api/dependency-errors.ts';
import { HttpError } from '../api/http-errors.ts';
import { roleAllows } from '../domain/roles.ts';
import { requestLang, type Lang } from './i18n.ts';

/** Everything a page needs to know about who reads it. */
export interface ConsoleContext {
  lang: Lang;
  caller: Caller;
  csrfToken: string;
  /** The page's path and query, to come back to (after a language switch, say). */
  path: string;
  /** Whether the reader's role may call an API route: controls it may not use are not shown. */
  can: (method: string, routeUrl: string) => boolean;
}

/** An API answer as a page uses it. */
export interface ApiAnswer<T = unknown> {
  status: number;
  body: T;
}

/** The JSON API, called with the reader's own session: their role and the API's checks apply. */
export interface ConsoleApi {
  get<T = unknown>(url: string): Promise<ApiAnswer<T>>;
  send<T = unknown>(method: 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown): Promise<ApiAnswer<T>>;
}

declare module 'fastify' {
  interface FastifyRequest {
    console?: ConsoleContext;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD']);

/**
 * The console's gate: a page needs a signed-in session (else, for a page, the sign-in
 * form); a form post must echo the session's CSRF token in its `_csrf` field (or the
 * header, for htmx). Sets `request.console`.
 */
export function requireConsoleSession(app: FastifyInstance) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const caller = await app.identifyCaller(request).catch((error: unknown) => {
      // The database away is a 503 (the console's error page), not a reason to sign in again.
      if (asDependencyError(error)) throw error;
      return undefined;
    });
    const session = request.session;
    if (!caller || !session || request.headers.authorization !== undefined) {
      // An htmx request (a page polling its timeline) is told to load the sign-in page as
      // a whole, rather than having the form swapped into a corner of the old page.
      if (request.headers['hx-request'] === 'true') {
        const page =
          typeof request.headers['hx-current-url'] === 'string'
            ? new URL(request.headers['hx-current-url'], 'http://console').pathname
            : '/';
        await reply
          .header('hx-redirect', `/sign-in?next=${encodeURIComponent(page)}`)
          .code(200)
          .send('');
        return;
      }
      if (SAFE_METHODS.has(request.method)) {
        await reply.redirect(`/sign-in?next=${encodeURIComponent(request.url)}`, 303);
        return;
      }
      throw new HttpError(401, 'unauthorized', 'sign in again: the session has ended');
    }
    if (!SAFE_METHODS.has(request.method)) {
      const body = request.body as Record<string, unknown> | undefined;
      const echoed = request.headers[CSRF_HEADER] ?? body?._csrf;
      if (typeof echoed !== 'string' || !sameSecret(echoed, session.csrfToken)) {
        throw new HttpError(
          403,
          'csrf',
          'the form is stale or was not sent from this console; reload the page and try again',
        );
      }
    }
    request.caller = caller;
    request.console = {
      lang: requestLang(request),
      caller,
      csrfToken: session.csrfToken,
      path: request.url,
      can: (method, routeUrl) => roleAllows(caller.role, method, routeUrl),
    };
  };
}

/** The page's context, which the gate set (a page without the gate is a programming error). */
export function contextOf(request: FastifyRequest): ConsoleContext {
  if (!request.console) throw new Error(`console page ${request.url} is not behind requireConsoleSession`);
  return request.console;
}

/**
 * Calls the JSON API in-process with the reader's session cookie and CSRF token, so the
 * console can do nothing the reader's key could not do with curl.
 */
export function apiFor(app: FastifyInstance, request: FastifyRequest): ConsoleApi {
  const session = request.session;
  // The reader's language goes along, so explanations the API words come back in it.
  const language = { 'accept-language': request.console?.lang ?? requestLang(request) };
  const headers: Record<string, string> = session
    ? { ...language, cookie: `${SESSION_COOKIE}=${session.sessionId}`, [CSRF_HEADER]: session.csrfToken }
    : language;
  const call = async <T>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    body?: unknown,
  ): Promise<ApiAnswer<T>> => {
    const response = await app.inject({
      method,
      url,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    const type = String(response.headers['content-type'] ?? '');
    const parsed: unknown =
      type.includes('json') && response.body.length > 0 ? JSON.parse(response.body) : response.body;
    return { status: response.statusCode, body: parsed as T };
  };
  return {
    get: (url) => call('GET', url),
    send: (method, url, body) => call(method, url, body),
  };
}

/** The message of an API error answer, for showing beside a form. */
export function apiErrorOf(answer: ApiAnswer): { message: string; details: { path: string; message: string }[] } {
  const body = answer.body as { error?: { message?: string; details?: unknown } } | undefined;
  const details = Array.isArray(body?.error?.details)
    ? (body.error.details as { path?: unknown; message?: unknown; line?: unknown }[])
    : [];
  const textOf = (value: unknown) => (typeof value === 'string' || typeof value === 'number' ? String(value) : '');
  return {
    message: body?.error?.message ?? `HTTP ${answer.status}`,
    details: details.map((d) => ({
      path: textOf(d.path),
      message: `${d.line === undefined ? '' : `line ${textOf(d.line)}: `}${textOf(d.message)}`,
    })),
  };
}
