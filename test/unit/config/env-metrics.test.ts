import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../config/env.ts';

// The metrics settings of config/env.ts (their own file, beside env.test.ts).

describe('loadConfig: metrics', () => {
  it('serves no worker metrics and asks no token when nothing is set', () => {
    const config = loadConfig({});
    expect(config.workerMetricsPort).toBeUndefined();
    expect(config.metricsToken).toBeUndefined();
  });

  it('reads WORKER_METRICS_PORT as a port and METRICS_TOKEN as a secret', () => {
    const config = loadConfig({ WORKER_METRICS_PORT: '9464', METRICS_TOKEN: 'a-metrics-token-0123' });
    expect(config.workerMetricsPort).toBe(9464);
    expect(config.metricsToken).toBe('a-metrics-token-0123');
  });

  it.each([['not-a-port'], ['0'], ['70000'], ['9464/metrics']])(
    'refuses WORKER_METRICS_PORT=%s, naming the variable',
    (value) => {
      expect(() => loadConfig({ WORKER_METRICS_PORT: value })).toThrow(ConfigError);
      expect(() => loadConfig({ WORKER_METRICS_PORT: value })).toThrow(/^WORKER_METRICS_PORT: /);
    },
  );

  it('refuses a WORKER_METRICS_PORT whose range of WORKERS ports runs past 65535', () => {
    expect(loadConfig({ WORKER_METRICS_PORT: '65533', WORKERS: '3' }).workerMetricsPort).toBe(65533);
    expect(() => loadConfig({ WORKER_METRICS_PORT: '65534', WORKERS: '3' })).toThrow(
      /^WORKER_METRICS_PORT: with WORKERS=3 the workers' ports 65534-65536 must end at 65535 or below/,
    );
  });

  it('refuses a METRICS_TOKEN shorter than 16 characters', () => {
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/^METRICS_TOKEN: must be at least 16 characters/);
  });
});
