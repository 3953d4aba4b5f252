import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../config/env.ts';
import { loadConfigOrExit } from '../config/load.ts';
import { migrate } from '../db/migrate.ts';
import { startCaptureSmtp, type CaptureSmtp } from './capture-smtp.ts';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './embedded-postgres.ts';
import { loadOrCreateLocalSecrets, protectDataDir } from './local-secrets.ts';
import { SupervisedProcess } from './supervised-process.ts';
import { resolveTemporalCli } from './temporal-cli.ts';
import { startTemporalCluster } from './temporal-cluster.ts';
import { startTemporalDevServer } from './temporal-dev-server.ts';
import { resolveTemporalServer, TEMPORAL_SERVER_VERSION } from './temporal-server-build.ts';
import { WORKER_NODE_FLAGS, workerEnvironments, workerName } from './worker-environments.ts';

// `npm start`: the whole system on one machine. Starts what is not configured
// (PostgreSQL, Temporal, SMTP capture), then the API and the worker, keeps those two
// running, and on SIGINT/SIGTERM stops everything it started, in reverse order.

const PROJECT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const log = (line: string) => process.stdout.write(`${line}\n`);

const config = loadConfigOrExit();
await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
await protectDataDir(config.dataDir);
const { secrets, createdAdminKey } = await loadOrCreateLocalSecrets(config.dataDir);
const env: NodeJS.ProcessEnv = { ...process.env };

let database: EmbeddedDatabase | undefined;
// The dev server or the local cluster, whichever TEMPORAL_LOCAL chose.
let temporal: { pid: number | undefined; stop: () => Promise<void>; describe: string } | undefined;
let smtp: CaptureSmtp | undefined;
const children: SupervisedProcess[] = [];
let shuttingDown = false;

async function shutdown(reason: string, code: number): Promise<never> {
  if (shuttingDown) return new Promise<never>(() => {});
  shuttingDown = true;
  log(`\nStopping (${reason})...`);
  // Reverse order of start: nothing is left talking to a service that is already gone.
  await Promise.all(children.map((child) => child.stop()));
  await temporal?.stop();
  await smtp?.close();
  await database?.stop();
  log('Stopped.');
  process.exit(code);
}
process.on('SIGINT', () => void shutdown('SIGINT', 0));
process.on('SIGTERM', () => void shutdown('SIGTERM', 0));

try {
  if (config.databaseUrl === undefined) {
    log(
      `Starting PostgreSQL (embedded) on 127.0.0.1:${config.postgresDevPort}, data in ${path.join(config.dataDir, 'postgres')}`,
    );
    database = await startEmbeddedPostgres({
      dataDir: path.join(config.dataDir, 'postgres'),
      port: config.postgresDevPort,
      password: secrets.postgresPassword,
      database: 'leads',
    });
    env.DATABASE_URL = database.url;
  }
  await migrate(env.DATABASE_URL as string);

  if (config.temporalAddress === undefined && config.temporalLocal === 'cluster') {
    const build = await resolveTemporalServer({ explicitDir: config.temporalServerDir, projectDir: PROJECT_DIR, log });
    const stateDir = path.join(config.dataDir, 'temporal-cluster');
    log(
      `Starting the Temporal server ${TEMPORAL_SERVER_VERSION} (PostgreSQL persistence and visibility) on 127.0.0.1:${config.temporalDevPort} (${build.dir}, from ${build.source})`,
    );
    const cluster = await startTemporalCluster({
      buildDir: build.dir,
      stateDir,
      frontendPort: config.temporalDevPort,
      postgresUrl: env.DATABASE_URL as string,
      namespace: config.temporalNamespace,
      log: (line) => log(`[temporal] ${line}`),
    });
    temporal = {
      pid: cluster.pid,
      stop: cluster.stop,
      describe: `(server pid ${cluster.pid ?? 'n/a'}, restarted when it dies), databases temporal and temporal_visibility, log ${cluster.logFile}`,
    };
    env.TEMPORAL_ADDRESS = cluster.address;
  } else if (config.temporalAddress === undefined) {
    const cli = await resolveTemporalCli({ explicitPath: config.temporalCliPath, projectDir: PROJECT_DIR, log });
    log(
      `Starting the Temporal dev server on 127.0.0.1:${config.temporalDevPort} (${cli.kind === 'binary' ? `${cli.path}, from ${cli.source}` : 'SDK download'})`,
    );
    const devServer = await startTemporalDevServer({
      cli,
      port: config.temporalDevPort,
      dbFile: path.join(config.dataDir, 'temporal.db'),
      namespace: config.temporalNamespace,
      ui: true,
      log: (line) => log(`[temporal] ${line}`),
    });
    temporal = {
      pid: devServer.pid,
      stop: devServer.stop,
      describe: `(dev server pid ${devServer.pid ?? 'n/a'})${devServer.uiUrl ? `, UI ${devServer.uiUrl}` : ''}`,
    };
    env.TEMPORAL_ADDRESS = devServer.address;
  }

  if (config.smtpUrl === undefined) {
    const outboxDir = path.join(config.dataDir, 'outbox');
    smtp = await startCaptureSmtp({ dir: outboxDir, port: config.smtpDevPort });
    env.SMTP_URL = `smtp://127.0.0.1:${smtp.port}`;
    env.OUTBOX_DIR = outboxDir;
  }
  env.ADMIN_API_KEY ??= secrets.adminApiKey;
  env.APP_SECRET ??= secrets.appSecret;

  const api = new SupervisedProcess('api', path.join(PROJECT_DIR, 'api', 'server.ts'), env, log);
  // Several workers poll the same task queue, as on separate hosts; each restarted on its own.
  const workers = workerEnvironments(env, config.workers, config.workerMetricsPort).map(
    (workerEnv, i) =>
      new SupervisedProcess(
        workerName(config.workers, i),
        path.join(PROJECT_DIR, 'worker', 'main.ts'),
        workerEnv,
        log,
        WORKER_NODE_FLAGS,
      ),
  );
  children.push(api, ...workers);
  for (const child of children) child.start();

  const base = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}`;
  await waitForHttp(`${base}/healthz`, 120_000);
  log('');
  log('Lead lifecycle engine is up:');
  log(`  API          ${base}  (GET /healthz, /readyz)`);
  log(`  Console      ${base}/  (sign in with the admin key below)`);
  log(
    `  PostgreSQL   ${database ? `embedded (pid ${database.pid}), ${redact(database.url)}` : redact(config.databaseUrl as string)}`,
  );
  log(
    `  Temporal     ${env.TEMPORAL_ADDRESS} namespace "${config.temporalNamespace}"${temporal ? ` ${temporal.describe}` : ''}`,
  );
  log(`  Workers      ${workers.length} on task queue "${config.temporalTaskQueue}", each restarted when it dies`);
  if (config.workerMetricsPort !== undefined) {
    const first = config.workerMetricsPort;
    const last = first + workers.length - 1;
    log(
      `  Metrics      ${base}/metrics (API); workers http://${config.host}:${first === last ? first : `{${first}..${last}}`}/metrics`,
    );
  }
  log(
    `  SMTP         ${smtp ? `capture server ${env.SMTP_URL}; mail kept in ${env.OUTBOX_DIR}, listed at GET /v1/outbox` : redact(config.smtpUrl as string)}`,
  );
  if (config.adminApiKey === undefined) {
    log(
      `  Admin key    ${secrets.adminApiKey}${createdAdminKey ? '  (new; kept in ' + path.join(config.dataDir, 'secrets.json') + ')' : ''}`,
    );
  }
  log('Press Ctrl-C to stop everything.');
} catch (error) {
  const isConfig = error instanceof ConfigError;
  process.stderr.write(
    `${isConfig ? 'Invalid configuration' : 'Start-up failed'}: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  await shutdown('start-up failed', isConfig ? 78 : 1);
}

/** Waits until `url` answers 200, so "is up" is printed only once the API really is. */
async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const status = await fetch(url).then(
      (res) => res.status,
      () => 0,
    );
    if (status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the API did not answer ${url} within ${timeoutMs / 1000} s`);
}

function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
