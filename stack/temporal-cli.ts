import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../config/env.ts';
import { goInstall, hasGo, isExecutable } from './go-install.ts';

/** The CLI release we build: newer tags carry a `replace` directive and cannot be `go install`ed. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const MODULE = `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`;

/** Where a Temporal CLI came from, or that the SDK must download one. */
export type TemporalCli =
  | { kind: 'binary'; path: string; source: 'TEMPORAL_CLI_PATH' | 'PATH' | 'cache' | 'go build' }
  | { kind: 'sdk-download' };

/** Where the project keeps the CLI it built. */
export function cachedCliPath(projectDir: string): string {
  return path.join(projectDir, '.tools', `temporal-cli-${TEMPORAL_CLI_VERSION}`, 'temporal');
}

/**
 * Finds a Temporal CLI, in order: `TEMPORAL_CLI_PATH`, `temporal` on `PATH`, the build
 * cached under the project, a fresh build with Go (minutes, printed as it goes, then
 * cached), and last the SDK's own download, for users with internet and no Go.
 */
export async function resolveTemporalCli(options: {
  explicitPath: string | undefined;
  projectDir: string;
  log: (line: string) => void;
  pathEnv?: string | undefined;
}): Promise<TemporalCli> {
  if (options.explicitPath !== undefined) {
    if (!(await isExecutable(options.explicitPath)))
      throw new ConfigError('TEMPORAL_CLI_PATH', `${options.explicitPath} is not an executable file`);
    return { kind: 'binary', path: options.explicitPath, source: 'TEMPORAL_CLI_PATH' };
  }
  for (const dir of (options.pathEnv ?? process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, 'temporal');
    if (await isExecutable(candidate)) return { kind: 'binary', path: candidate, source: 'PATH' };
  }
  const cached = cachedCliPath(options.projectDir);
  if (await isExecutable(cached)) return { kind: 'binary', path: cached, source: 'cache' };
  if (await hasGo()) {
    await buildWithGo(cached, options.log);
    return { kind: 'binary', path: cached, source: 'go build' };
  }
  options.log('No Temporal CLI and no Go toolchain: the Temporal SDK will download the CLI (needs internet).');
  return { kind: 'sdk-download' };
}

/**
 * `go install` into a private directory, then an atomic rename into the cache, so two
 * processes building at once (tests and `npm start`) never run a half-written binary.
 */
async function buildWithGo(target: string, log: (line: string) => void): Promise<void> {
  const staging = `${path.dirname(target)}.build-${process.pid}`;
  await mkdir(staging, { recursive: true });
  log(`Building the Temporal CLI ${TEMPORAL_CLI_VERSION} with Go (first run only; this takes a few minutes)...`);
  const started = Date.now();
  try {
    await goInstall([MODULE], staging, log);
    await mkdir(path.dirname(target), { recursive: true });
    await rename(path.join(staging, 'temporal'), target);
    log(`Temporal CLI built in ${Math.round((Date.now() - started) / 1000)} s: ${target}`);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
