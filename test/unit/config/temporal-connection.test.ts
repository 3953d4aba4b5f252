import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../config/env.ts';
import { temporalConnectionSettings } from '../../../config/temporal-connection.ts';

describe('temporalConnectionSettings', () => {
  it('connects in plain text to a dev server when nothing about TLS is set', () => {
    expect(temporalConnectionSettings(loadConfig({}), 'localhost:7233')).toEqual({ address: 'localhost:7233' });
  });

  it('uses TLS and the API key for Temporal Cloud', () => {
    const config = loadConfig({ TEMPORAL_API_KEY: 'cloud-api-key-123' });
    expect(temporalConnectionSettings(config, 'ns.acct.tmprl.cloud:7233')).toEqual({
      address: 'ns.acct.tmprl.cloud:7233',
      tls: true,
      apiKey: 'cloud-api-key-123',
    });
  });

  it('uses TLS without client certificates when TEMPORAL_TLS is true', () => {
    expect(temporalConnectionSettings(loadConfig({ TEMPORAL_TLS: 'true' }), 'temporal:7233')).toEqual({
      address: 'temporal:7233',
      tls: true,
    });
  });

  it('reads the mTLS certificate pair once, from the configured files', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'lle-tls-'));
    await writeFile(path.join(dir, 'client.pem'), 'CERT');
    await writeFile(path.join(dir, 'client.key'), 'KEY');
    const config = loadConfig({ TEMPORAL_TLS_CERT_PATH: 'client.pem', TEMPORAL_TLS_KEY_PATH: 'client.key' }, dir);
    const settings = temporalConnectionSettings(config, 'temporal:7233');
    expect(settings.tls).toEqual({ clientCertPair: { crt: Buffer.from('CERT'), key: Buffer.from('KEY') } });
  });

  it('names the certificate variable when its file cannot be read', () => {
    const config = loadConfig({
      TEMPORAL_TLS_CERT_PATH: '/nonexistent/client.pem',
      TEMPORAL_TLS_KEY_PATH: '/nonexistent/client.key',
    });
    expect(() => temporalConnectionSettings(config, 'temporal:7233')).toThrow(ConfigError);
    expect(() => temporalConnectionSettings(config, 'temporal:7233')).toThrow(/^TEMPORAL_TLS_CERT_PATH: cannot read/);
  });

  it('refuses a certificate without its key, naming the missing one', () => {
    expect(() => loadConfig({ TEMPORAL_TLS_CERT_PATH: 'client.pem' })).toThrow(
      /^TEMPORAL_TLS_KEY_PATH: must be set together/,
    );
  });

  it('refuses a TEMPORAL_TLS that is not a boolean', () => {
    expect(() => loadConfig({ TEMPORAL_TLS: 'maybe' })).toThrow(/^TEMPORAL_TLS: must be true or false/);
  });
});
