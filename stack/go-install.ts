import { spawn } from 'node:child_process';
import { access, constants, stat } from 'node:fs/promises';

// Shared by the Temporal CLI and the Temporal server resolvers: both build from the Go
// module proxy with `go install` when nothing is found, printing progress as they go.

/** True for an executable regular file (a directory is "executable" to access(2) too). */
export const isExecutable = async (file: string): Promise<boolean> =>
  (await stat(file).then(
    (s) => s.isFile(),
    () => false,
  )) &&
  access(file, constants.X_OK).then(
    () => true,
    () => false,
  );

/** True when a Go toolchain answers `go version`. */
export function hasGo(): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('go', ['version'], { stdio: 'ignore' });
    child.on('error', () => resolve(false));
    child.on('exit', (code) => resolve(code === 0));
  });
}

/** Runs `go` with `args` and returns its standard output (for `go env GOMODCACHE`). */
export function goOutput(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('go', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(out.trim()) : reject(new Error(`go ${args.join(' ')} failed (exit ${code}): ${err.trim()}`)),
    );
  });
}

/**
 * `go install -v modules...` with GOBIN set to `gobin`, logging a line every hundred
 * packages compiled so a build of several minutes visibly makes progress.
 */
export function goInstall(modules: string[], gobin: string, log: (line: string) => void): Promise<void> {
  const started = Date.now();
  return new Promise<void>((resolve, reject) => {
    const child = spawn('go', ['install', '-v', ...modules], {
      env: { ...process.env, GOBIN: gobin, CGO_ENABLED: process.env.CGO_ENABLED ?? '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let count = 0;
    let tail = '';
    const onOutput = (chunk: Buffer) => {
      const text = chunk.toString();
      tail = (tail + text).slice(-4000);
      // `go install -v` prints one line per package: show progress without the flood.
      const lines = text.split('\n').filter(Boolean).length;
      count += lines;
      if (count % 100 < lines) log(`  ... ${count} packages (${Math.round((Date.now() - started) / 1000)} s)`);
    };
    child.stdout.on('data', onOutput);
    child.stderr.on('data', onOutput);
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`go install ${modules.join(' ')} failed (exit ${code}):\n${tail}`)),
    );
  });
}
