import { execFileSync } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../stack/embedded-postgres.ts';
import { freePort } from '../../stack/free-port.ts';

// Starts embedded PostgreSQL once in the directory given, as `npm start` and the tests do,
// runs one query, stops it, and prints what it found as JSON on the last line. Run by
// test/integration/embedded-postgres-root.test.ts inside a mount namespace where
// /etc has no `postgres` user, so the package's user-creation path runs.

const root = process.argv[2];
if (root === undefined) throw new Error('usage: postgres-once.ts <directory>');
const userBefore = (() => {
  try {
    return execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
})();
const dataDir = path.join(root, 'postgres');
const database = await startEmbeddedPostgres({
  dataDir,
  port: await freePort(),
  password: 'check-password',
  database: 'lle_check',
});
try {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  const { rows } = await client.query<{ answer: number }>('SELECT 6 * 7 AS answer');
  await client.end();
  const uid = execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim();
  const owner = (await stat(dataDir)).uid;
  // Every running process's command line, as any local user's `ps` reads it: none may carry the password.
  const commandLines = await Promise.all(
    (await readdir('/proc'))
      .filter((entry) => /^\d+$/.test(entry))
      .map((pid) => readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')),
  );
  const passwordInACommandLine = commandLines.some((line) => line.includes('check-password'));
  process.stdout.write(
    `${JSON.stringify({ userBefore, uid, owner: String(owner), answer: rows[0]?.answer, passwordInACommandLine })}\n`,
  );
} finally {
  await database.stop();
}
