import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { roleAllows, type Role } from '../../domain/roles.ts';
import { useApiKey } from '../../db/repositories/api-keys.ts';
import type { Queryable } from '../../db/pool.ts';
import { HttpError } from '../http-errors.ts';

/** Who made a request: the key's id (`admin` for ADMIN_API_KEY) and role. */
export interface Caller {
  keyId: string;
  role: Role;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** An onRequest hook that admits only requests bearing a valid key whose role may call the route. */
    requireApiKey: (request: FastifyRequest) => Promise<void>;
  }
  interface FastifyRequest {
    caller?: Caller;
  }
}

/** The digest keys are stored and compared as. */
export const keyDigest = (key: string): Buffer => createHash('sha256').update(key, 'utf8').digest();

const unauthorized = (message: string) => new HttpError(401, 'unauthorized', message, undefined, { 'www-authenticate': 'Bearer' });

/**
 * Bearer-key authentication and role authorisation. ADMIN_API_KEY is compared as a
 * SHA-256 digest with timingSafeEqual (equal lengths whatever the input, no early exit);
 * stored keys are found by their digest. A known key whose role may not call the route
 * gets 403, with nothing changed.
 */
export const authPlugin = fp(
  async (app: FastifyInstance, options: { adminApiKey: string | undefined; db: Queryable }) => {
    const adminDigest = options.adminApiKey === undefined ? undefined : keyDigest(options.adminApiKey);
    app.decorate('requireApiKey', async (request: FastifyRequest) => {
      const header = request.headers.authorization;
      const match = header === undefined ? null : /^Bearer\s+(\S{1,200})\s*$/i.exec(header);
      if (!match?.[1]) throw unauthorized('send an API key as "Authorization: Bearer <key>"');
      const digest = keyDigest(match[1]);
      if (adminDigest && timingSafeEqual(digest, adminDigest)) {
        request.caller = { keyId: 'admin', role: 'admin' };
      } else {
        const key = await useApiKey(options.db, digest);
        if (!key) throw unauthorized('the API key is not valid');
        request.caller = { keyId: key.id, role: key.role };
      }
      const url = request.routeOptions.url ?? request.url;
      if (!roleAllows(request.caller.role, request.method, url)) {
        throw new HttpError(403, 'forbidden', `a ${request.caller.role} key may not ${request.method} ${url}`);
      }
    });
  },
  { name: 'auth' },
);
