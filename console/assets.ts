import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The console's static files: its own CSS and script, and htmx from its package (no CDN). */
const ASSETS: Record<string, { file: string; type: string }> = {
  'console.css': { file: path.join(here, 'assets', 'console.css'), type: 'text/css; charset=utf-8' },
  'console.js': { file: path.join(here, 'assets', 'console.js'), type: 'text/javascript; charset=utf-8' },
  'htmx.min.js': {
    file: createRequire(import.meta.url).resolve('htmx.org/dist/htmx.min.js'),
    type: 'text/javascript; charset=utf-8',
  },
};

/**
 * Serves the three assets from memory, read once at start-up: a handful of small files
 * do not need @fastify/static's directory serving, and nothing else on disk is exposed.
 */
export async function consoleAssets(app: FastifyInstance): Promise<void> {
  const loaded = new Map(
    await Promise.all(
      Object.entries(ASSETS).map(
        async ([name, asset]) => [name, { body: await readFile(asset.file), type: asset.type }] as const,
      ),
    ),
  );
  app.get<{ Params: { name: string } }>('/assets/:name', { schema: { hide: true } }, async (request, reply) => {
    const asset = loaded.get(request.params.name);
    if (!asset) return reply.callNotFound();
    return reply.header('cache-control', 'public, max-age=300').type(asset.type).send(asset.body);
  });
}
