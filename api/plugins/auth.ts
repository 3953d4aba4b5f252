import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { roleAllows, type Role } from '../../domain/roles.ts';
import { useApiKey } from '../../db/repositories/api-keys.ts';
import { findConsoleSession } from '../../db/repositories/console-sessions.ts';
import type { Queryable } from '../../db/pool.ts';
import { AuthFailureLimit } from '../auth-failure-limit.ts';
import { HttpError } from '../http-errors.ts';

/** Who made a request: the key's id (`admin` for ADMIN_API_KEY) and role. */
export interface Caller {
  keyId: string;
  role: Role;
  /** The key's name (`admin` for ADMIN_API_KEY): who decided, on records a person makes; a rep's key is named by their email. */
  name?: string;
}

/** A console sign-in a request came with (the cookie), and the token its writes must echo. */
export interface SessionCredentials {
  sessionId: string;
  csrfToken: string;
}

/** The cookie holding a console session id. */
export const SESSION_COOKIE = 'lle_session';

/** The header (or, in forms, the `_csrf` field) a signed-in browser's writes must carry. */
export const CSRF_HEADER = 'x-csrf-token';

declare module 'fastify' {
  interface FastifyInstance {
    /** An onRequest hook that admits only requests bearing a valid key whose role may call the route. */
    requireApiKey: (request: FastifyRequest) => Promise<void>;
    /** Who the request's bearer key or console session belongs to, if anyone. */
    identifyCaller: (request: FastifyRequest) => Promise<Caller | undefined>;
    /** Who a presented key belongs to (the console signs in with it), if anyone. */
    callerForKey: (key: string) => Promise<Caller | undefined>;
    /** Failed authentications per client address (bad keys, sign-in guesses); see AuthFailureLimit. */
    authFailures: AuthFailureLimit;
  }
  interface FastifyRequest {
    caller?: Caller;
    session?: SessionCredentials;
  }
}

/** The digest keys (and session ids) are stored and compared as. */
export const keyDigest = (key: string): Buffer => createHash('sha256').update(key, 'utf8').digest();

/** Compares two strings in constant time for equal lengths (as digests, so always equal). */
export const sameSecret = (a: string, b: string): boolean => timingSafeEqual(keyDigest(a), keyDigest(b));

const unauthorized = (message: string) =>
  new HttpError(401, 'unauthorized', message, undefined, { 'www-authenticate': 'Bearer' });

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Bearer-key authentication and role authorisation, and the console's session cookie as
 * a second way to present the same key. ADMIN_API_KEY is compared as a SHA-256 digest with
 * timingSafeEqual; stored keys are found by their digest. A session stores the digest of
 * the key it was opened with, so it is checked exactly like that key on every request
 * (a revoked key ends its sessions). Writes made with a session must echo its CSRF token.
 * A known caller whose role may not call the route gets 403, with nothing changed.
 */
export const authPlugin = fp(
  async (
    app: FastifyInstance,
    options: { adminApiKey: string | undefined; db: Queryable; authFailuresPerMinute: number },
  ) => {
    app.decorate('authFailures', new AuthFailureLimit(options.authFailuresPerMinute));
    const adminDigest = options.adminApiKey === undefined ? undefined : keyDigest(options.adminApiKey);

    async function callerForDigest(digest: Buffer): Promise<Caller | undefined> {
      if (adminDigest && timingSafeEqual(digest, adminDigest)) return { keyId: 'admin', role: 'admin', name: 'admin' };
      const key = await useApiKey(options.db, digest);
      return key ? { keyId: key.id, role: key.role, name: key.name } : undefined;
    }

    app.decorate('callerForKey', (key: string) => callerForDigest(keyDigest(key)));

    app.decorate('identifyCaller', async (request: FastifyRequest): Promise<Caller | undefined> => {
      const header = request.headers.authorization;
      if (header !== undefined) {
        const match = /^Bearer\s+(\S{1,200})\s*$/i.exec(header);
        if (!match?.[1]) throw unauthorized('send an API key as "Authorization: Bearer <key>"');
        return callerForDigest(keyDigest(match[1]));
      }
      const sessionId = request.cookies[SESSION_COOKIE];
      if (sessionId === undefined || sessionId.length === 0 || sessionId.length > 200) return undefined;
      const session = await findConsoleSession(options.db, keyDigest(sessionId));
      if (!session) return undefined;
      const caller = await callerForDigest(session.keyDigest);
      if (caller) request.session = { sessionId, csrfToken: session.csrfToken };
      return caller;
    });

    app.decorate('requireApiKey', async (request: FastifyRequest) => {
      // Before the key is looked at: an address past its failures learns nothing more.
      app.authFailures.check(request.ip);
      const caller = await app.identifyCaller(request).catch((error: unknown) => {
        if (error instanceof HttpError && error.statusCode === 401) app.authFailures.fail(request.ip);
        throw error;
      });
      if (!caller) {
        // A key that is no key counts; no credentials at all (a link opened by hand) do not.
        if (request.headers.authorization !== undefined) app.authFailures.fail(request.ip);
        throw unauthorized(
          request.headers.authorization === undefined
            ? 'send an API key as "Authorization: Bearer <key>"'
            : 'the API key is not valid',
        );
      }
      request.caller = caller;
      if (request.session && !SAFE_METHODS.has(request.method)) {
        const echoed = request.headers[CSRF_HEADER];
        if (typeof echoed !== 'string' || !sameSecret(echoed, request.session.csrfToken)) {
          throw new HttpError(
            403,
            'csrf',
            `a signed-in browser's ${request.method} must carry the session's ${CSRF_HEADER} header`,
          );
        }
      }
      const url = request.routeOptions.url ?? request.url;
      if (!roleAllows(caller.role, request.method, url)) {
        throw new HttpError(403, 'forbidden', `a ${caller.role} key may not ${request.method} ${url}`);
      }
    });
  },
  { name: 'auth', dependencies: ['@fastify/cookie'] },
);
