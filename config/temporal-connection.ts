import { readFileSync } from 'node:fs';
import { ConfigError, type Config } from './env.ts';

/** What both the client (API) and the native connection (worker) take to reach Temporal. */
export interface TemporalConnectionSettings {
  address: string;
  tls?: { clientCertPair?: { crt: Buffer; key: Buffer } } | boolean;
  apiKey?: string;
}

/**
 * Connection settings for a dev server (plain), a self-hosted cluster (TLS, optionally
 * mTLS) or Temporal Cloud (API key or mTLS). Certificate files are read once, here, so a
 * wrong path stops start-up with the variable's name.
 */
export function temporalConnectionSettings(config: Config, address: string): TemporalConnectionSettings {
  const settings: TemporalConnectionSettings = { address };
  if (config.temporalTlsCertPath !== undefined && config.temporalTlsKeyPath !== undefined) {
    settings.tls = {
      clientCertPair: {
        crt: readOrFail('TEMPORAL_TLS_CERT_PATH', config.temporalTlsCertPath),
        key: readOrFail('TEMPORAL_TLS_KEY_PATH', config.temporalTlsKeyPath),
      },
    };
  } else if (config.temporalTls || config.temporalApiKey !== undefined) {
    settings.tls = true;
  }
  if (config.temporalApiKey !== undefined) settings.apiKey = config.temporalApiKey;
  return settings;
}

function readOrFail(variable: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new ConfigError(variable, `cannot read ${file}: ${(error as Error).message}`);
  }
}
