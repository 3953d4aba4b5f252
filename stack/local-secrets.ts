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
  const stored = await readFile(file, 'utf8').then((text) => JSON.parse(text) as Partial<LocalSecrets>, () => ({}) as Partial<LocalSecrets>);
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
