import { spawn } from 'node:child_process';
import { access, constants, copyFile, mkdir, rename, stat } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import { resolveTemporalCli, TEMPORAL_CLI_VERSION } from '../../stack/temporal-cli.ts';
import {
  canResolveTestServer,
  installTestServer,
  isTestServerReady,
  TEMPORAL_TEST_SERVER_VERSION,
  testServerFiles,
} from '../../stack/temporal-test-server.ts';

// What `npm test` needs beyond node_modules, found or installed before any service starts,
// so that `npm ci && npm test` works alone on a fresh machine of the CI kind (Debian, Node,
// Go, root, the package registries). Each prerequisite says how to find itself, how to
// install itself when it can, and the exact command a person must run when it cannot; the
// list is `PREREQUISITES` below: add a tool by adding an entry.

/** Where progress goes (the test setup prefixes it). */
export type Log = (line: string) => void;

/** A found tool: environment variables the tests then run with (a path, usually). */
export type Found = Record<string, string>;

/** Something the tests need on the machine. */
export interface Prerequisite {
  name: string;
  /** What the tests read when it is found (`{}` when nothing needs passing on); undefined when missing. */
  find: () => Promise<Found | undefined>;
  /** Installs it, printing progress; absent when it cannot be installed from here (then `manual` is the way). */
  install?: (log: Log) => Promise<void>;
  /** Whether `install` can run on this machine (root, apt-get present...). */
  canInstall?: () => Promise<boolean>;
  /** The exact command a person runs to provide it. */
  manual: string;
}

/** Stops the test run at once: what is missing and the commands to run. */
export class MissingPrerequisites extends Error {
  constructor(readonly missing: { name: string; manual: string }[]) {
    super(
      `the tests cannot run on this machine yet; missing:\n${missing.map((m) => `  - ${m.name}: run\n      ${m.manual}`).join('\n')}`,
    );
    this.name = 'MissingPrerequisites';
  }
}

const isRoot = (): boolean => userInfo().uid === 0;
const isExecutable = async (file: string): Promise<boolean> =>
  (await stat(file).then(
    (s) => s.isFile(),
    () => false,
  )) &&
  access(file, constants.X_OK).then(
    () => true,
    () => false,
  );

/** Runs a command, its output line by line to `log`; rejects with the output's tail on failure. */
export function run(command: string, args: string[], log: Log, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      for (const line of chunk
        .toString()
        .split('\n')
        .filter((l) => l.trim() !== ''))
        log(`  ${line}`);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve(output)
        : reject(new Error(`${command} ${args.join(' ')} failed (exit ${code}):\n${output.slice(-2000)}`)),
    );
  });
}

/** Whether a command runs and exits 0 (quietly). */
const succeeds = (command: string, args: string[]): Promise<boolean> =>
  new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'ignore' });
    child.on('error', () => resolve(false));
    child.on('exit', (code) => resolve(code === 0));
  });

/** Debian packages installed with apt-get when running as root; `check` finds them installed. */
export function aptPackages(name: string, packages: string[], found: () => Promise<Found | undefined>): Prerequisite {
  return {
    name,
    find: found,
    canInstall: async () => isRoot() && (await succeeds('apt-get', ['--version'])),
    install: async (log) => {
      const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
      log(`apt-get update (for ${packages.join(', ')})`);
      await run('apt-get', ['update', '-q'], log, env);
      log(`apt-get install ${packages.join(' ')}`);
      await run('apt-get', ['install', '-y', '-q', ...packages], log, env);
    },
    manual: `sudo apt-get update && sudo apt-get install -y ${packages.join(' ')}`,
  };
}

/** Debian's chromium for the console's end-to-end tests, and the CJK fonts its screenshots need. */
export const chromium: Prerequisite = aptPackages(
  'chromium and the CJK fonts (apt)',
  ['chromium', 'fonts-noto-cjk'],
  async () => {
    const browser = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
    if (!(await isExecutable(browser))) return undefined;
    // CHROMIUM_PATH points at a browser of the user's choosing: the fonts are theirs too.
    if (process.env.CHROMIUM_PATH === undefined && !(await succeeds('dpkg', ['-s', 'fonts-noto-cjk'])))
      return undefined;
    return { CHROMIUM_PATH: browser };
  },
);

/**
 * Debian's Dovecot IMAP server, for the reply tests: each run starts a private instance
 * with a generated configuration (test/support/dovecot.ts); nothing machine-wide is
 * configured or started. `DOVECOT_PATH` points at another binary.
 */
export const dovecot: Prerequisite = aptPackages('the Dovecot IMAP server (apt)', ['dovecot-imapd'], async () => {
  const binary = process.env.DOVECOT_PATH ?? '/usr/sbin/dovecot';
  if (!(await isExecutable(binary))) return undefined;
  // The IMAP service itself is a separate Debian package from the daemon.
  if (process.env.DOVECOT_PATH === undefined && !(await isExecutable('/usr/lib/dovecot/imap'))) return undefined;
  return { DOVECOT_PATH: binary };
});

/**
 * The machine-wide cache of the pinned Temporal CLI build (`LLE_CACHE_DIR`, by default
 * /var/cache/lead-lifecycle-engine when root, else ~/.cache/lead-lifecycle-engine), so a
 * fresh clone on the same machine does not build it again.
 */
export function machineCliCache(): string {
  return path.join(machineCacheBase(), `temporal-cli-${TEMPORAL_CLI_VERSION}`, 'temporal');
}

/** The machine-wide cache directory the tools below are kept in (see {@link machineCliCache}). */
export function machineCacheBase(): string {
  return (
    process.env.LLE_CACHE_DIR ??
    (isRoot() ? '/var/cache/lead-lifecycle-engine' : path.join(userInfo().homedir, '.cache', 'lead-lifecycle-engine'))
  );
}

/**
 * Whether `binary` is the pinned release built from source: `go version -m` reads the
 * module version Go stamped into it (a source build's `--version` says 0.0.0-DEV).
 */
export async function isPinnedCli(binary: string): Promise<boolean> {
  const output = await run('go', ['version', '-m', binary], () => {}).catch(() => '');
  return new RegExp(
    `^\\s*mod\\s+github\\.com/temporalio/cli\\s+${TEMPORAL_CLI_VERSION.replace(/\./g, '\\.')}\\s`,
    'm',
  ).test(output);
}

/**
 * The Temporal CLI the test stack's dev server runs: `TEMPORAL_CLI_PATH` as given, else
 * the pinned build from the machine cache, else the pinned build the project's resolver
 * finds or builds with Go (a `temporal` on PATH is not used: it may be any version), which
 * is then copied into the machine cache. Only a binary that reports the pinned version is
 * ever cached.
 */
export function temporalCli(projectDir: string): Prerequisite {
  return {
    name: `the Temporal CLI ${TEMPORAL_CLI_VERSION}`,
    find: async () => {
      if (process.env.TEMPORAL_CLI_PATH)
        return (await isExecutable(process.env.TEMPORAL_CLI_PATH))
          ? { TEMPORAL_CLI_PATH: process.env.TEMPORAL_CLI_PATH }
          : undefined;
      const cached = machineCliCache();
      return (await isExecutable(cached)) && (await isPinnedCli(cached)) ? { TEMPORAL_CLI_PATH: cached } : undefined;
    },
    canInstall: async () => process.env.TEMPORAL_CLI_PATH === undefined && (await succeeds('go', ['version'])),
    install: async (log) => {
      const cli = await resolveTemporalCli({ explicitPath: undefined, projectDir, log, pathEnv: '' });
      if (cli.kind !== 'binary') throw new Error('the Temporal CLI could not be built');
      if (!(await isPinnedCli(cli.path)))
        throw new Error(`${cli.path} is not the Temporal CLI ${TEMPORAL_CLI_VERSION}; not cached`);
      const cached = machineCliCache();
      await mkdir(path.dirname(cached), { recursive: true });
      await copyFile(cli.path, `${cached}.tmp-${process.pid}`);
      await rename(`${cached}.tmp-${process.pid}`, cached);
      log(`cached: ${cached}`);
    },
    manual: process.env.TEMPORAL_CLI_PATH
      ? `unset TEMPORAL_CLI_PATH (${process.env.TEMPORAL_CLI_PATH} is not an executable file), or point it at a Temporal CLI ${TEMPORAL_CLI_VERSION}`
      : `install Go (https://go.dev/doc/install), then: npm run temporal:cli`,
  };
}

/** Java and Maven, which resolve and run the time-skipping test server. */
const javaAndMaven: Prerequisite = aptPackages('Java and Maven (apt)', ['default-jre-headless', 'maven'], async () =>
  (await canResolveTestServer()) ? {} : undefined,
);

/**
 * Temporal's time-skipping test server (Java, from Maven Central) for the simulated-years
 * workflow tests: `TEMPORAL_TEST_SERVER_PATH` as given, else the wrapper resolved once into
 * the machine cache (stack/temporal-test-server.ts) with `mvn` and run with `java`, both
 * installed with apt first when missing and this machine allows it.
 */
export function temporalTestServer(): Prerequisite {
  const dir = () => path.join(machineCacheBase(), `temporal-test-server-${TEMPORAL_TEST_SERVER_VERSION}`);
  const explicit = process.env.TEMPORAL_TEST_SERVER_PATH;
  return {
    name: `Temporal's time-skipping test server ${TEMPORAL_TEST_SERVER_VERSION} (Maven)`,
    find: async () => {
      if (explicit) return (await isExecutable(explicit)) ? { TEMPORAL_TEST_SERVER_PATH: explicit } : undefined;
      return (await isTestServerReady(dir()))
        ? { TEMPORAL_TEST_SERVER_PATH: testServerFiles(dir()).wrapper }
        : undefined;
    },
    // Java and Maven come from apt when missing (Debian's maven brings a Java runtime).
    canInstall: async () =>
      explicit === undefined && ((await canResolveTestServer()) || ((await javaAndMaven.canInstall?.()) ?? false)),
    install: async (log) => {
      if (!(await canResolveTestServer())) await javaAndMaven.install?.(log);
      await installTestServer(dir(), log);
    },
    manual: explicit
      ? `unset TEMPORAL_TEST_SERVER_PATH (${explicit} is not an executable file), or point it at a wrapper that runs the test server with the port as its argument`
      : `${javaAndMaven.manual} (then npm test resolves the test server itself)`,
  };
}

/** Everything `npm test` needs, in the order it is provided. */
export const PREREQUISITES = (projectDir: string): Prerequisite[] => [
  chromium,
  dovecot,
  temporalCli(projectDir),
  temporalTestServer(),
];

/**
 * Finds each prerequisite, installs the missing ones it can (printing progress), and
 * throws {@link MissingPrerequisites} at once, before installing anything, when one
 * cannot be installed here. Sets the environment variables the found tools answer in
 * `process.env` and returns them.
 */
export async function ensurePrerequisites(list: Prerequisite[], log: Log): Promise<Found> {
  const found: Found = {};
  const missing: Prerequisite[] = [];
  for (const item of list) {
    const result = await item.find();
    if (result) Object.assign(found, result);
    else missing.push(item);
  }
  const impossible: Prerequisite[] = [];
  for (const item of missing)
    if (!item.install || !(await (item.canInstall?.() ?? Promise.resolve(true)))) impossible.push(item);
  if (impossible.length > 0)
    throw new MissingPrerequisites(impossible.map((m) => ({ name: m.name, manual: m.manual })));
  for (const item of missing) {
    const started = Date.now();
    log(`installing ${item.name} (first run on this machine only)`);
    await item.install!(log);
    const result = await item.find();
    if (!result)
      throw new MissingPrerequisites([{ name: `${item.name} (installed, but still not found)`, manual: item.manual }]);
    Object.assign(found, result);
    log(`${item.name}: ready in ${Math.round((Date.now() - started) / 1000)} s`);
  }
  Object.assign(process.env, found);
  return found;
}
