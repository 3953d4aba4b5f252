import { spawn } from 'node:child_process';
import { access, constants, mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../config/env.ts';

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

// A directory is "executable" to access(2) too; only a file can be the CLI.
const isExecutable = async (file: string): Promise<boolean> =>
  (await stat(file).then((s) => s.isFile(), () => false)) && access(file, constants.X_OK).then(() => true, () => false);

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
    if (!(await isExecutable(options.explicitPath))) throw new ConfigError('TEMPORAL_CLI_PATH', `${options.explicitPath} is not an executable file`);
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

function hasGo(): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('go', ['version'], { stdio: 'ignore' });
    child.on('error', () => resolve(false));
    child.on('exit', (code) => resolve(code === 0));
  });
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
    await new Promise<void>((resolve, reject) => {
      const child = spawn('go', ['install', '-v', MODULE], {
        env: { ...process.env, GOBIN: staging, CGO_ENABLED: process.env.CGO_ENABLED ?? '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let count = 0;
      let tail = '';
      const onOutput = (chunk: Buffer) => {
        const text = chunk.toString();
        tail = (tail + text).slice(-4000);
        // `go install -v` prints one line per package: show progress without the flood.
        count += text.split('\n').filter(Boolean).length;
        if (count % 100 < text.split('\n').filter(Boolean).length) log(`  ... ${count} packages (${Math.round((Date.now() - started) / 1000)} s)`);
      };
      child.stdout.on('data', onOutput);
      child.stderr.on('data', onOutput);
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`go install ${MODULE} failed (exit ${code}):\n${tail}`))));
    });
    await mkdir(path.dirname(target), { recursive: true });
    await rename(path.join(staging, 'temporal'), target);
    log(`Temporal CLI built in ${Math.round((Date.now() - started) / 1000)} s: ${target}`);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
