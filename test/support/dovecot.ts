import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { freePort } from '../../stack/free-port.ts';
import { run } from './prerequisites.ts';

/** A private Dovecot IMAP server for one test file: its address, one account, and how to stop it. */
export interface TestImapServer {
  host: string;
  port: number;
  user: string;
  password: string;
  /** `imap://user:password@host:port/INBOX` */
  url: string;
  stop: () => Promise<void>;
}

/** The Dovecot binary (DOVECOT_PATH, found by the test setup's prerequisites). */
const dovecotBinary = (): string => process.env.DOVECOT_PATH ?? '/usr/sbin/dovecot';

/** Numeric ids of a system user, from the password database. */
async function idsOf(name: string): Promise<{ uid: number; gid: number }> {
  const line = (await readFile('/etc/passwd', 'utf8')).split('\n').find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`no system user "${name}" (Debian's dovecot-core creates it)`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

const portOpen = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });

/**
 * Starts Dovecot in the foreground with a generated configuration under a temporary
 * directory (nothing machine-wide is read or changed): IMAP only, on a free loopback
 * port, plain-text login without TLS, one static account whose mail is a Maildir in the
 * same directory. As root, Dovecot's own `dovecot`/`dovenull` users run its processes and
 * own the mail (Dovecot refuses mail owned by root); otherwise everything runs as the
 * current user.
 */
export async function startTestImapServer(): Promise<TestImapServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'lle-dovecot-'));
  const port = await freePort();
  const user = 'replies';
  const password = randomBytes(12).toString('hex');
  const root = userInfo().uid === 0;
  const me = userInfo();
  const mailIds = root ? await idsOf('dovecot') : { uid: me.uid, gid: me.gid };
  for (const sub of ['run', 'state', 'mail', 'home']) await mkdir(path.join(dir, sub), { recursive: true });
  if (root) {
    // mkdtemp makes the directory 0700: the mail user must be able to pass through it.
    await chmod(dir, 0o711);
    for (const sub of ['mail', 'home']) await chown(path.join(dir, sub), mailIds.uid, mailIds.gid);
  }
  const config = `# Generated for one test run: see test/support/dovecot.ts
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
info_log_path = ${dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:${dir}/mail/%u
first_valid_uid = ${mailIds.uid}
last_valid_uid = ${mailIds.uid}
first_valid_gid = ${mailIds.gid}
default_internal_user = ${root ? 'dovecot' : me.username}
default_login_user = ${root ? 'dovenull' : me.username}
${root ? '' : 'default_internal_group = ' + (await run('id', ['-gn'], () => {})).trim() + '\n'}service imap-login {
  ${root ? '' : 'chroot =\n  '}inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  ${root ? '' : 'chroot =\n  '}
}
passdb {
  driver = static
  args = password=${password}
}
userdb {
  driver = static
  args = uid=${mailIds.uid} gid=${mailIds.gid} home=${dir}/home/%u
}
`;
  const configPath = path.join(dir, 'dovecot.conf');
  await writeFile(configPath, config);
  const child: ChildProcess = spawn(dovecotBinary(), ['-F', '-c', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  while (!(await portOpen(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      const log = await readFile(path.join(dir, 'dovecot.log'), 'utf8').catch(() => '');
      await stop();
      throw new Error(`Dovecot did not start on port ${port}:\n${output}\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    host: '127.0.0.1',
    port,
    user,
    password,
    url: `imap://${user}:${password}@127.0.0.1:${port}/INBOX`,
    stop,
  };
}
