import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopChild } from './temporal-dev-server.ts';

/** A running embedded PostgreSQL. */
export interface EmbeddedDatabase {
  url: string;
  pid: number | undefined;
  stop: () => Promise<void>;
}

/** The variable that carries the child's options. */
const POSTGRES_OPTIONS_ENV = 'LLE_EMBEDDED_POSTGRES_OPTIONS';
const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'postgres-process.ts');

/**
 * Starts PostgreSQL from the `embedded-postgres` package in `dataDir` (initialised on
 * first use, kept afterwards) with `database` created, in a child process of its own.
 */
export function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  password: string;
  database: string;
}): Promise<EmbeddedDatabase> {
  // The options (the password among them) go through the environment, which only the same
  // user can read (/proc/<pid>/environ is 0400), not the command line every local user's
  // `ps` shows.
  const child = fork(CHILD, [], {
    env: { ...process.env, [POSTGRES_OPTIONS_ENV]: JSON.stringify(options) },
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) =>
      reject(new Error(`embedded PostgreSQL stopped during start-up (exit ${code}): ${stderr.trim()}`)),
    );
    child.on('message', (message: { type: string; url?: string; message?: string }) => {
      if (message.type === 'error')
        reject(new Error(`embedded PostgreSQL did not start: ${message.message}${stderr ? `\n${stderr.trim()}` : ''}`));
      if (message.type === 'ready' && message.url) {
        child.stderr?.pipe(process.stderr);
        resolve({ url: message.url, pid: child.pid, stop: () => stopChild(child, 20_000) });
      }
    });
  });
}
