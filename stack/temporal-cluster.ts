import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { msToTs } from '@temporalio/common/lib/time';
import pg from 'pg';
import { ConfigError } from '../config/env.ts';
import { isPortFree } from './free-port.ts';
import { serverBuildFiles } from './temporal-server-build.ts';
import { Supervisor } from './supervised-process.ts';
import { pollFrontend, readyOrKilled } from './temporal-dev-server.ts';

// `TEMPORAL_LOCAL=cluster`: the Temporal server as production runs it (frontend, history,
// matching and worker services, PostgreSQL persistence and visibility), in one process on
// loopback, with its databases in the stack's PostgreSQL.

/** The ports of one local cluster: the frontend's, and the others at the dev config's offsets. */
export interface ClusterPorts {
  frontend: number;
  history: number;
  matching: number;
  worker: number;
  http: number;
  membership: { frontend: number; history: number; matching: number; worker: number };
  metrics: number;
}

const MAX_FRONTEND_PORT = 32767 + 294;

/**
 * Every port the server opens, from the frontend's: the offsets of
 * `development-postgres12.yaml` (7233 → history 7234, matching 7235, worker 7239, HTTP 7243,
 * membership 6933–6939, metrics 8000), so the default frontend port gives its exact ports.
 */
export function clusterPorts(frontend: number): ClusterPorts {
  // The server keeps membership ports in a PostgreSQL smallint: they must stay below 32768.
  if (frontend < 1325 || frontend > MAX_FRONTEND_PORT) {
    throw new ConfigError(
      'TEMPORAL_DEV_PORT',
      `must be between 1325 and ${MAX_FRONTEND_PORT} with TEMPORAL_LOCAL=cluster (the membership ports, 300 below it, must fit the server's smallint column), got ${frontend}`,
    );
  }
  return {
    frontend,
    history: frontend + 1,
    matching: frontend + 2,
    worker: frontend + 6,
    http: frontend + 10,
    membership: { frontend: frontend - 300, history: frontend - 299, matching: frontend - 298, worker: frontend - 294 },
    metrics: frontend + 767,
  };
}

/** A PostgreSQL server the cluster keeps its two databases in. */
export interface PostgresEndpoint {
  host: string;
  port: number;
  user: string;
  password: string;
}

/** The endpoint of a `postgres://user:password@host:port/db` URL. */
export function postgresEndpoint(url: string): PostgresEndpoint {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 5432),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
  };
}

/**
 * The server's config: `development-postgres12.yaml` with the stack's ports, PostgreSQL
 * endpoint, dynamic config file and log level put in. Each value replaced must occur as
 * often as that file has it, so a changed upstream file fails here, loudly, not at run time.
 */
export function clusterConfig(
  template: string,
  options: { ports: ClusterPorts; postgres: PostgresEndpoint; dynamicConfigFile: string; logLevel: string },
): string {
  const { ports, postgres } = options;
  const q = (value: string) => JSON.stringify(value);
  const replacements: [string, string, number][] = [
    ['level: info', `level: ${options.logLevel}`, 1],
    ['connectAddr: "127.0.0.1:5432"', `connectAddr: ${q(`${postgres.host}:${postgres.port}`)}`, 2],
    ['user: "temporal"', `user: ${q(postgres.user)}`, 2],
    ['password: "temporal"', `password: ${q(postgres.password)}`, 2],
    // Port 0 turns pprof off: a debugging endpoint nobody asked for.
    ['port: 7936', 'port: 0', 1],
    ['listenAddress: "127.0.0.1:8000"', `listenAddress: "127.0.0.1:${ports.metrics}"`, 1],
    ['grpcPort: 7233', `grpcPort: ${ports.frontend}`, 1],
    ['grpcPort: 7234', `grpcPort: ${ports.history}`, 1],
    ['grpcPort: 7235', `grpcPort: ${ports.matching}`, 1],
    ['grpcPort: 7239', `grpcPort: ${ports.worker}`, 1],
    ['httpPort: 7243', `httpPort: ${ports.http}`, 1],
    ['membershipPort: 6933', `membershipPort: ${ports.membership.frontend}`, 1],
    ['membershipPort: 6934', `membershipPort: ${ports.membership.history}`, 1],
    ['membershipPort: 6935', `membershipPort: ${ports.membership.matching}`, 1],
    ['membershipPort: 6939', `membershipPort: ${ports.membership.worker}`, 1],
    ['rpcAddress: "localhost:7233"', `rpcAddress: "127.0.0.1:${ports.frontend}"`, 1],
    ['filepath: "config/dynamicconfig/development-sql.yaml"', `filepath: ${q(options.dynamicConfigFile)}`, 1],
  ];
  let config = template;
  for (const [from, to, count] of replacements) {
    const found = config.split(from).length - 1;
    if (found !== count)
      throw new Error(
        `the server's config template has "${from}" ${found} times, expected ${count}: was it changed upstream?`,
      );
    config = config.split(from).join(to);
  }
  return config;
}

/** The server's dynamic config: the values the Temporal team's compose setup uses, and a quick namespace cache. */
export const CLUSTER_DYNAMIC_CONFIG = `limit.maxIDLength:
  - value: 255
    constraints: {}
system.forceSearchAttributesCacheRefreshOnRead:
  - value: true
    constraints: {}
# A namespace registered at start-up is usable within a second rather than ten.
system.namespaceCacheRefreshInterval:
  - value: 1s
    constraints: {}
`;

/** The two databases of a cluster, each with the versioned schema the tool applies. */
export const CLUSTER_DATABASES: readonly { database: string; schema: 'temporal' | 'visibility' }[] = [
  { database: 'temporal', schema: 'temporal' },
  { database: 'temporal_visibility', schema: 'visibility' },
];

/**
 * `temporal-sql-tool` invocations that bring one database's schema to the build's latest
 * version: versioning tables at 0.0 (a no-op once there), then every pending version.
 * The connection itself goes in the environment ({@link sqlToolEnv}), not the command line.
 */
export function schemaSteps(database: string, versionedDir: string): string[][] {
  return [
    ['--db', database, 'setup-schema', '-v', '0.0'],
    ['--db', database, 'update-schema', '-d', versionedDir],
  ];
}

/** The tool's connection settings, which it reads from these variables: the password stays out of `ps`. */
export function sqlToolEnv(postgres: PostgresEndpoint): Record<string, string> {
  return {
    SQL_PLUGIN: 'postgres12',
    SQL_HOST: postgres.host,
    SQL_PORT: String(postgres.port),
    SQL_USER: postgres.user,
    SQL_PASSWORD: postgres.password,
  };
}

/** The server's command line: one process running every service, from the generated config. */
export function serverArgs(configFile: string): string[] {
  // No authorizer on a loopback-only development cluster; the flag says so explicitly.
  return ['--config-file', configFile, '--allow-no-auth', 'start'];
}

/** A running local cluster; its server is restarted (with backoff, logged) whenever it dies. */
export interface TemporalCluster {
  address: string;
  /** The server process running now (a new one after each restart). */
  readonly pid: number | undefined;
  /** Where the server's own log goes (all of it; only errors reach the console). */
  logFile: string;
  stop: () => Promise<void>;
}

/** How to run the local cluster. */
export interface ClusterOptions {
  /** A build directory from `resolveTemporalServer`. */
  buildDir: string;
  /** Config, dynamic config and server log go here. */
  stateDir: string;
  frontendPort: number;
  /** Any database URL of the PostgreSQL server to use; its user must be able to create databases. */
  postgresUrl: string;
  namespace: string;
  log: (line: string) => void;
}

/**
 * Creates the databases if missing, applies the schema (idempotent), writes the config,
 * starts the server, registers the namespace if missing and waits until it is usable.
 * Dying before that fails the start; dying later restarts it, logged through `options.log`.
 */
export async function startTemporalCluster(options: ClusterOptions): Promise<TemporalCluster> {
  const files = serverBuildFiles(options.buildDir);
  const postgres = postgresEndpoint(options.postgresUrl);
  await mkdir(options.stateDir, { recursive: true, mode: 0o700 });
  await createMissingDatabases(options, postgres);
  for (const { database, schema } of CLUSTER_DATABASES) {
    for (const args of schemaSteps(database, files.schemaDir(schema)))
      await runTool(files.sqlTool, args, sqlToolEnv(postgres));
  }
  const dynamicConfigFile = path.join(options.stateDir, 'dynamic-config.yaml');
  const configFile = path.join(options.stateDir, 'config.yaml');
  await writeFile(dynamicConfigFile, CLUSTER_DYNAMIC_CONFIG);
  const template = await readFile(files.configTemplate, 'utf8');
  const config = clusterConfig(template, {
    ports: clusterPorts(options.frontendPort),
    postgres,
    dynamicConfigFile,
    logLevel: 'warn',
  });
  // It holds the database password.
  await writeFile(configFile, config, { mode: 0o600 });

  const logFile = path.join(options.stateDir, 'server.log');
  const logStream = createWriteStream(logFile, { flags: 'a' });
  let stopping = false;
  const launch = () => {
    const child = spawn(files.server, serverArgs(configFile), { stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [child.stdout, child.stderr]) {
      stream.pipe(logStream, { end: false });
      createInterface({ input: stream }).on('line', (line) => {
        if (!stopping && /"level":"(error|dpanic|panic|fatal)"|^panic:/.test(line)) options.log(line);
      });
    }
    return child;
  };
  const address = `127.0.0.1:${options.frontendPort}`;
  const first = launch();
  await readyOrKilled(
    first,
    registerNamespace(address, options.namespace, 180_000),
    (how) => `the Temporal server exited (${how}) before it was ready; see ${logFile}`,
  ).catch((error: unknown) => {
    logStream.end();
    throw error;
  });
  // From here on a server that dies is started again, as the supervisor does for workers:
  // the schema and config are in place, so a restart is only the process.
  const supervisor = new Supervisor('Temporal server', launch, options.log, (child) => {
    const restartedAt = Date.now();
    registerNamespace(address, options.namespace, 180_000).then(
      () =>
        options.log(
          `Temporal server ready again (pid ${child.pid}) after ${((Date.now() - restartedAt) / 1000).toFixed(1)} s`,
        ),
      (error: unknown) => {
        if (!stopping) options.log(`Temporal server not ready after a restart: ${String(error)}`);
      },
    );
  });
  supervisor.supervise(first);
  return {
    address,
    get pid() {
      return supervisor.pid;
    },
    logFile,
    stop: async () => {
      stopping = true;
      await supervisor.stop(20_000);
      logStream.end();
    },
  };
}

async function createMissingDatabases(options: ClusterOptions, postgres: PostgresEndpoint): Promise<void> {
  const client = new pg.Client({ connectionString: options.postgresUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database');
    const existing = new Set(rows.map((row) => row.datname));
    for (const { database } of CLUSTER_DATABASES) {
      if (existing.has(database)) continue;
      options.log(`Creating the ${database} database`);
      await runTool(
        serverBuildFiles(options.buildDir).sqlTool,
        ['--db', database, 'create-database'],
        sqlToolEnv(postgres),
      );
    }
  } finally {
    await client.end();
  }
}

function runTool(tool: string, args: string[], env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`temporal-sql-tool ${args.join(' ')} failed (exit ${code}):\n${output}`)),
    );
  });
}

const ALREADY_EXISTS = 6;
const NOT_FOUND = 5;

/**
 * Registers `namespace` (72 h retention, as the compose file does) once the frontend
 * answers, then waits until the server's namespace cache knows it, so workers polling
 * right after never see "namespace not found".
 */
export function registerNamespace(address: string, namespace: string, timeoutMs: number): Promise<void> {
  return pollFrontend(address, timeoutMs, async (service) => {
    await service.describeNamespace({ namespace }).catch(async (error: { code?: number }) => {
      if (error.code !== NOT_FOUND) throw error;
      await service
        .registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('72h') })
        .catch((e: { code?: number }) => {
          if (e.code !== ALREADY_EXISTS) throw e;
        });
    });
    // Goes through the namespace cache, unlike describeNamespace.
    await service.describeTaskQueue({ namespace, taskQueue: { name: 'lle-readiness-probe' } });
  });
}

/**
 * A free frontend port whose derived ports ({@link clusterPorts}) are all free too, below
 * the ephemeral range the kernel hands out (and below the membership limit).
 */
export async function freeClusterFrontendPort(): Promise<number> {
  const p = clusterPorts(7233);
  const ports = (frontend: number) =>
    [frontend, p.history, p.matching, p.worker, p.http, p.metrics, ...Object.values(p.membership)].map(
      (port) => port - 7233 + frontend,
    );
  for (let attempt = 0; attempt < 200; attempt++) {
    const frontend = 10_000 + Math.floor(Math.random() * (MAX_FRONTEND_PORT - 10_000));
    if ((await Promise.all(ports(frontend).map(isPortFree))).every(Boolean)) return frontend;
  }
  throw new Error('no free set of cluster ports found in 200 attempts');
}
