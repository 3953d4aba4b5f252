import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Secrets `npm start` makes on first run and keeps under DATA_DIR (mode 0600). */
export interface LocalSecrets {
  adminApiKey: string;
  appSecret: string;
  postgresPassword: string;
}

const FILE = 'secrets.json';

/** Reads the secrets kept under `dataDir`, creating any that are missing. */
export async function loadOrCreateLocalSecrets(dataDir: string): Promise<{ secrets: LocalSecrets; createdAdminKey: boolean }> {
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
  return { secrets, createdAdminKey: stored.adminApiKey === undefined };
}
