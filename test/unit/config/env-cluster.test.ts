import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../config/env.ts';

const CWD = path.resolve('/srv/lead-engine');

function variableRejected(env: Record<string, string>): string {
  try {
    loadConfig(env, CWD);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).variable;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('TEMPORAL_LOCAL, WORKERS and TEMPORAL_SERVER_DIR', () => {
  it('runs the dev server and one worker when nothing is set', () => {
    const config = loadConfig({}, CWD);
    expect(config.temporalLocal).toBe('dev');
    expect(config.workers).toBe(1);
    expect(config.temporalServerDir).toBeUndefined();
  });

  it('reads TEMPORAL_LOCAL=cluster, a worker count and a server directory relative to the working directory', () => {
    const config = loadConfig({ TEMPORAL_LOCAL: 'cluster', WORKERS: '3', TEMPORAL_SERVER_DIR: 'tools/server' }, CWD);
    expect(config).toMatchObject({
      temporalLocal: 'cluster',
      workers: 3,
      temporalServerDir: path.join(CWD, 'tools', 'server'),
    });
  });

  it.each(['Cluster', 'prod', 'docker'])('refuses TEMPORAL_LOCAL=%s, naming the variable', (value) => {
    expect(variableRejected({ TEMPORAL_LOCAL: value })).toBe('TEMPORAL_LOCAL');
  });

  it.each(['0', '-1', 'two', '1.5', '33'])('refuses WORKERS=%s, naming the variable', (value) => {
    expect(variableRejected({ WORKERS: value })).toBe('WORKERS');
  });
});
