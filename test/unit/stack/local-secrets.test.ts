import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dataDirMode, loadOrCreateLocalSecrets, protectDataDir } from '../../../stack/local-secrets.ts';

const modeOf = async (file: string) => (await stat(file)).mode & 0o777;

describe('local secrets under DATA_DIR', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });
  const dataDir = async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'lle-secrets-'));
    dirs.push(dir);
    return dir;
  };

  it('creates secrets.json readable by its owner alone', async () => {
    const dir = await dataDir();
    const { createdAdminKey } = await loadOrCreateLocalSecrets(dir);
    expect(createdAdminKey).toBe(true);
    expect(await modeOf(path.join(dir, 'secrets.json'))).toBe(0o600);
  });

  it('tightens a secrets.json that existed with a loose mode, complete or not, keeping its secrets', async () => {
    const dir = await dataDir();
    const file = path.join(dir, 'secrets.json');
    const stored = { adminApiKey: 'lle_admin_kept', appSecret: 's'.repeat(43), postgresPassword: 'p'.repeat(24) };
    await writeFile(file, JSON.stringify(stored));
    await chmod(file, 0o644);
    const { secrets } = await loadOrCreateLocalSecrets(dir);
    expect(secrets).toEqual(stored);
    expect(await modeOf(file)).toBe(0o600);

    await writeFile(file, '{}');
    await chmod(file, 0o666);
    await loadOrCreateLocalSecrets(dir);
    expect(await modeOf(file)).toBe(0o600);
    expect(JSON.parse(await readFile(file, 'utf8'))).toHaveProperty('adminApiKey');
  });

  it('sets DATA_DIR to 0700, or 0711 as root so the embedded PostgreSQL user can pass through', async () => {
    const dir = await dataDir();
    await chmod(dir, 0o777);
    await protectDataDir(dir);
    expect(await modeOf(dir)).toBe(dataDirMode());
    expect(dataDirMode() & 0o077 & ~0o011).toBe(0);
  });
});
