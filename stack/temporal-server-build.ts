import { chmod, cp, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../config/env.ts';
import { goInstall, goOutput, hasGo, isExecutable } from './go-install.ts';

/** The server release `docker-compose.yml` runs; its go.mod has no replace directives. */
export const TEMPORAL_SERVER_VERSION = 'v1.31.2';
const MODULE = 'go.temporal.io/server';

/**
 * A Temporal server build: a directory holding the `server` binary, its schema tool `sql`,
 * and from the module's source the config the local cluster's config is derived from and
 * the versioned PostgreSQL schemas the tool applies.
 */
export interface TemporalServerBuild {
  dir: string;
  source: 'TEMPORAL_SERVER_DIR' | 'cache' | 'go build';
}

/** Paths inside a build directory. */
export const serverBuildFiles = (dir: string) => ({
  server: path.join(dir, 'server'),
  sqlTool: path.join(dir, 'sql'),
  configTemplate: path.join(dir, 'config', 'development-postgres12.yaml'),
  schemaDir: (store: 'temporal' | 'visibility') => path.join(dir, 'schema', 'postgresql', 'v12', store, 'versioned'),
});

/** Where the project keeps the server it built. */
export function cachedServerDir(projectDir: string): string {
  return path.join(projectDir, '.tools', `temporal-server-${TEMPORAL_SERVER_VERSION}`);
}

async function isComplete(dir: string): Promise<boolean> {
  const files = serverBuildFiles(dir);
  const present = await Promise.all([
    isExecutable(files.server),
    isExecutable(files.sqlTool),
    stat(files.configTemplate).then(
      () => true,
      () => false,
    ),
  ]);
  return present.every(Boolean);
}

/**
 * Finds a Temporal server build, in order: `TEMPORAL_SERVER_DIR`, the build cached under
 * the project, and a fresh `go install` of the server and its schema tool (minutes,
 * printed as it goes, then cached). Unlike the CLI there is no download to fall back to.
 */
export async function resolveTemporalServer(options: {
  explicitDir: string | undefined;
  projectDir: string;
  log: (line: string) => void;
}): Promise<TemporalServerBuild> {
  if (options.explicitDir !== undefined) {
    if (!(await isComplete(options.explicitDir))) {
      throw new ConfigError(
        'TEMPORAL_SERVER_DIR',
        `${options.explicitDir} does not hold server, sql and config/development-postgres12.yaml (npm run temporal:server builds one)`,
      );
    }
    return { dir: options.explicitDir, source: 'TEMPORAL_SERVER_DIR' };
  }
  const cached = cachedServerDir(options.projectDir);
  if (await isComplete(cached)) return { dir: cached, source: 'cache' };
  if (!(await hasGo())) {
    throw new ConfigError(
      'TEMPORAL_LOCAL',
      'cluster needs a Temporal server build: install Go, or set TEMPORAL_SERVER_DIR to a directory built by npm run temporal:server',
    );
  }
  await buildWithGo(cached, options.log);
  return { dir: cached, source: 'go build' };
}

/**
 * `go install` of both binaries into a staging directory, the config and schemas copied
 * beside them from the module's source in the Go module cache, then one atomic rename,
 * so two processes building at once never use a half-written build.
 */
async function buildWithGo(target: string, log: (line: string) => void): Promise<void> {
  const staging = `${target}.build-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  log(
    `Building the Temporal server ${TEMPORAL_SERVER_VERSION} and its schema tool with Go (first run only; this takes several minutes)...`,
  );
  const started = Date.now();
  try {
    await goInstall(
      [`${MODULE}/cmd/server@${TEMPORAL_SERVER_VERSION}`, `${MODULE}/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`],
      staging,
      log,
    );
    const source = path.join(await goOutput(['env', 'GOMODCACHE']), `${MODULE}@${TEMPORAL_SERVER_VERSION}`);
    const files = serverBuildFiles(staging);
    await mkdir(path.dirname(files.configTemplate), { recursive: true });
    await cp(path.join(source, 'config', 'development-postgres12.yaml'), files.configTemplate);
    for (const store of ['temporal', 'visibility'] as const) {
      await cp(path.join(source, 'schema', 'postgresql', 'v12', store, 'versioned'), files.schemaDir(store), {
        recursive: true,
      });
    }
    // The module cache is read-only; the copies must not be, or the cache cannot be removed.
    await makeWritable(staging);
    await rm(target, { recursive: true, force: true });
    await rename(staging, target);
    log(`Temporal server built in ${Math.round((Date.now() - started) / 1000)} s: ${target}`);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function makeWritable(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await makeWritable(full);
    else await chmod(full, entry.name === 'server' || entry.name === 'sql' ? 0o755 : 0o644);
  }
}
