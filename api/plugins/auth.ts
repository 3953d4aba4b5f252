import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { HttpError } from '../http-errors.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** A preHandler that admits only requests bearing a valid API key. */
    requireApiKey: (request: FastifyRequest) => Promise<void>;
  }
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * Bearer-key authentication. Keys are compared as SHA-256 digests with timingSafeEqual:
 * equal lengths whatever the input, and no early exit that would leak a prefix.
 */
export const authPlugin = fp(
  async (app: FastifyInstance, options: { adminApiKey: string | undefined }) => {
    const adminDigest = options.adminApiKey === undefined ? undefined : sha256(options.adminApiKey);
    app.decorate('requireApiKey', async (request: FastifyRequest) => {
      const header = request.headers.authorization;
      const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!match?.[1]) throw new HttpError(401, 'unauthorized', 'send an API key as "Authorization: Bearer <key>"', undefined, { 'www-authenticate': 'Bearer' });
      if (!adminDigest || !timingSafeEqual(sha256(match[1]), adminDigest)) {
        throw new HttpError(401, 'unauthorized', 'the API key is not valid', undefined, { 'www-authenticate': 'Bearer' });
      }
    });
  },
  { name: 'auth' },
);
