import { spawn } from 'node:child_process';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isExecutable } from './go-install.ts';

// Temporal's time-skipping test server is a Java program published on Maven Central. The
// SDK would download a native build of it from the internet; we resolve the Maven artifact
// with `mvn` instead (the package registries are reachable where the internet is not) and
// run it with the machine's Java through a small wrapper script the SDK starts as an
// `existing-path` executable. The SDK runs that executable with the port as its argument.

/** The test server release we run (`io.temporal:temporal-test-server`). */
export const TEMPORAL_TEST_SERVER_VERSION = '1.31.0';
const MAIN_CLASS = 'io.temporal.testserver.TestServer';
const POM = path.join(path.dirname(fileURLToPath(import.meta.url)), 'temporal-test-server', 'pom.xml');

/** The wrapper script in `dir`, and the resolved classpath it reads. */
export function testServerFiles(dir: string): { wrapper: string; classpath: string } {
  return { wrapper: path.join(dir, 'temporal-test-server'), classpath: path.join(dir, 'classpath.txt') };
}

/** Where the project keeps its resolved test server (`.tools/`, ignored by git). */
export function projectTestServerDir(projectDir: string): string {
  return path.join(projectDir, '.tools', `temporal-test-server-${TEMPORAL_TEST_SERVER_VERSION}`);
}

/**
 * Whether `dir` holds a usable test server: the wrapper is executable and every jar of its
 * classpath is still in the local Maven repository (a cleaned ~/.m2 makes it stale).
 */
export async function isTestServerReady(dir: string): Promise<boolean> {
  const { wrapper, classpath } = testServerFiles(dir);
  if (!(await isExecutable(wrapper))) return false;
  const jars = (await readFile(classpath, 'utf8').catch(() => '')).trim().split(path.delimiter).filter(Boolean);
  if (jars.length === 0) return false;
  const present = await Promise.all(
    jars.map((jar) =>
      stat(jar).then(
        (s) => s.isFile(),
        () => false,
      ),
    ),
  );
  return present.every(Boolean);
}

/** Runs a command quietly; rejects with its output when it fails. */
function runQuietly(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${command} ${args.join(' ')} failed (exit ${code}):\n${output.slice(-2000)}`)),
    );
  });
}

/** True when both `mvn` and `java` answer, so {@link installTestServer} can run. */
export async function canResolveTestServer(): Promise<boolean> {
  const answers = (command: string, args: string[]) =>
    runQuietly(command, args).then(
      () => true,
      () => false,
    );
  return (await answers('java', ['-version'])) && (await answers('mvn', ['-v']));
}

/** The wrapper: the SDK runs it with the port (and nothing else, as we configure it). */
export const wrapperScript = (classpath: string): string =>
  `#!/bin/sh\n# Temporal's time-skipping test server ${TEMPORAL_TEST_SERVER_VERSION}, written by stack/temporal-test-server.ts.\nexec java -cp '${classpath}' ${MAIN_CLASS} "$@"\n`;

/**
 * Resolves the test server's classpath with Maven (downloading the jars into ~/.m2 on
 * first use) and writes the wrapper into `dir`, through a staging directory renamed into
 * place, so a concurrent run never starts a half-written wrapper.
 */
export async function installTestServer(dir: string, log: (line: string) => void): Promise<void> {
  const staging = `${dir}.tmp-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    const files = testServerFiles(staging);
    log(`resolving io.temporal:temporal-test-server:${TEMPORAL_TEST_SERVER_VERSION} with Maven`);
    await runQuietly('mvn', [
      '-q',
      '-B',
      '-f',
      POM,
      'dependency:build-classpath',
      `-Dmdep.outputFile=${files.classpath}`,
    ]);
    const classpath = (await readFile(files.classpath, 'utf8')).trim();
    if (classpath.includes("'"))
      throw new Error(
        `the resolved classpath contains a quote, which the wrapper cannot carry: ${classpath.slice(0, 200)}`,
      );
    // The wrapper names the final directory's files, not the staging one's.
    await writeFile(files.wrapper, wrapperScript(classpath), { mode: 0o755 });
    await rm(dir, { recursive: true, force: true });
    await mkdir(path.dirname(dir), { recursive: true });
    await rename(staging, dir);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * The test server's wrapper: the one under the project's `.tools/` when it is ready,
 * else resolved there now (seconds with a warm ~/.m2, a minute or so without).
 */
export async function resolveTemporalTestServer(options: {
  projectDir: string;
  log: (line: string) => void;
}): Promise<string> {
  const dir = projectTestServerDir(options.projectDir);
  if (!(await isTestServerReady(dir))) await installTestServer(dir, options.log);
  return testServerFiles(dir).wrapper;
}
