import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * The policy of an HTML answer that sets none of its own (sign-in, error and 404 pages):
 * this origin's scripts and styles only (the console's assets), inline styles because
 * pages use `style` attributes, no plugin, no `<base>`, forms only to this site, and no
 * framing by any site. Token pages, console pages and Swagger UI set stricter or their
 * own (Swagger UI's, set by @fastify/swagger-ui after this hook, allows its own files) and
 * keep it.
 */
export const DEFAULT_HTML_CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/**
 * Headers every answer carries: `X-Content-Type-Options: nosniff` on all of them (JSON
 * included, so no browser reads an API answer as a script or a page), and on every HTML
 * page a CSP and `X-Frame-Options` unless the route set its own. A hook on the root
 * instance, so error pages, 404s and plugins' pages (`/docs`) get them too, not only the
 * signed-in console's pages.
 */
export const securityHeadersPlugin = fp(
  async (app: FastifyInstance) => {
    app.addHook('onSend', async (_request, reply, payload) => {
      if (!reply.hasHeader('x-content-type-options')) void reply.header('x-content-type-options', 'nosniff');
      const type = reply.getHeader('content-type');
      if (typeof type === 'string' && type.startsWith('text/html')) {
        if (!reply.hasHeader('content-security-policy')) void reply.header('content-security-policy', DEFAULT_HTML_CSP);
        // For browsers older than frame-ancestors. No page of ours is meant to be framed.
        if (!reply.hasHeader('x-frame-options')) void reply.header('x-frame-options', 'DENY');
      }
      return payload;
    });
  },
  { name: 'security-headers' },
);
