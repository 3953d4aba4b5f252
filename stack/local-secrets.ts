import { randomBytes } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';

/** Secrets `npm start` makes on first run and keeps under DATA_DIR (mode 0600). */
export interface LocalSecrets {
  adminApiKey: string;
  appSecret: string;
  postgresPassword: string;
}

const FILE = 'secrets.json';

/**
 * The mode DATA_DIR gets: 0700, the owner's alone (it holds the secrets, the database and
 * every email sent). As root, 0711: the embedded PostgreSQL then runs as the `postgres`
 * user, which must pass through DATA_DIR to its own data directory; it still cannot list
 * DATA_DIR, and secrets.json is 0600.
 */
export const dataDirMode = (): number => (userInfo().uid === 0 ? 0o711 : 0o700);

/** Sets DATA_DIR's mode ({@link dataDirMode}) whatever it was, on every start: a loose mode set by hand is tightened. */
export async function protectDataDir(dataDir: string): Promise<void> {
  await chmod(dataDir, dataDirMode());
}

/** Reads the secrets kept under `dataDir`, creating any that are missing. */
export async function loadOrCreateLocalSecrets(
  dataDir: string,
): Promise<{ secrets: LocalSecrets; createdAdminKey: boolean }> {
  const file = path.join(dataDir, FILE);
  // A missing file is a first run; an unreadable one is an error, not a reason to make
  // new secrets (a new database password would lock the embedded database away).
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '{}';
    throw error;
  });
  const stored = JSON.parse(text) as Partial<LocalSecrets>;
  const secrets: LocalSecrets = {
    adminApiKey: stored.adminApiKey ?? `lle_admin_${randomBytes(24).toString('base64url')}`,
    appSecret: stored.appSecret ?? randomBytes(32).toString('base64url'),
    postgresPassword: stored.postgresPassword ?? randomBytes(18).toString('base64url'),
  };
  if (JSON.stringify(stored) !== JSON.stringify(secrets)) {
    await writeFile(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  }
  // writeFile's mode applies only to a file it creates: one that existed (copied in, made
  // by hand, restored from a backup) kept whatever mode it had, readable by every user.
  await chmod(file, 0o600);
  return { secrets, createdAdminKey: stored.adminApiKey === undefined };
}
