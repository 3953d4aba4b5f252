import { readFile } from 'node:fs/promises';
import { ConfigError } from '../../../config/env.ts';
import { describe, expect, it } from 'vitest';
import {
  CLUSTER_DATABASES,
  clusterConfig,
  clusterPorts,
  postgresEndpoint,
  schemaSteps,
  serverArgs,
  sqlToolEnv,
} from '../../../stack/temporal-cluster.ts';

// The template as the server module ships it, copied into this test so the derivation is
// checked against the real file's shape without needing the build.
const TEMPLATE = new URL('./development-postgres12.fixture.yaml', import.meta.url);

const postgres = { host: '127.0.0.1', port: 54329, user: 'postgres', password: 'p"w:1' };

describe('clusterPorts', () => {
  it("gives the dev config's own ports for the default frontend port 7233", () => {
    expect(clusterPorts(7233)).toEqual({
      frontend: 7233,
      history: 7234,
      matching: 7235,
      worker: 7239,
      http: 7243,
      membership: { frontend: 6933, history: 6934, matching: 6935, worker: 6939 },
      metrics: 8000,
    });
  });

  it.each([1324, 33062, 40_000])(
    'refuses frontend port %i, naming TEMPORAL_DEV_PORT: membership ports must fit a smallint',
    (port) => {
      expect(() => clusterPorts(port)).toThrow(ConfigError);
      expect(() => clusterPorts(port)).toThrow(/TEMPORAL_DEV_PORT/);
    },
  );

  it('accepts the highest frontend port whose membership ports stay below 32768', () => {
    expect(Math.max(...Object.values(clusterPorts(33061).membership))).toBe(32767);
  });
});

describe('clusterConfig', () => {
  it("puts the stack's ports, PostgreSQL endpoint, dynamic config file and log level in place of the defaults", async () => {
    const template = await readFile(TEMPLATE, 'utf8');
    const config = clusterConfig(template, {
      ports: clusterPorts(30000),
      postgres,
      dynamicConfigFile: '/data/tc/dynamic-config.yaml',
      logLevel: 'warn',
    });
    expect(config).toContain('grpcPort: 30000');
    expect(config).toContain('grpcPort: 30001');
    expect(config).toContain('grpcPort: 30002');
    expect(config).toContain('grpcPort: 30006');
    expect(config).toContain('httpPort: 30010');
    expect(config).toContain('membershipPort: 29700');
    expect(config).toContain('membershipPort: 29706');
    expect(config).toContain('listenAddress: "127.0.0.1:30767"');
    expect(config).toContain('rpcAddress: "127.0.0.1:30000"');
    expect(config.match(/connectAddr: "127\.0\.0\.1:54329"/g)).toHaveLength(2);
    expect(config.match(/user: "postgres"/g)).toHaveLength(2);
    // Quoted as a YAML double-quoted string: a quote in the password cannot end it early.
    expect(config.match(/password: "p\\"w:1"/g)).toHaveLength(2);
    expect(config).toContain('filepath: "/data/tc/dynamic-config.yaml"');
    expect(config).toContain('level: warn');
    expect(config).toContain('port: 0');
    expect(config).not.toMatch(/\b(7233|7234|7235|7239|7243|6933|6934|6935|6939|7936|5432|8000)\b/);
    // Everything else stays as upstream wrote it.
    expect(config).toContain('numHistoryShards: 4');
    expect(config).toContain('databaseName: "temporal_visibility"');
  });

  it('refuses a template that no longer has a value it replaces, rather than start on the defaults', async () => {
    const template = (await readFile(TEMPLATE, 'utf8')).replace('grpcPort: 7235', 'grpcPort: 7236');
    expect(() =>
      clusterConfig(template, { ports: clusterPorts(30000), postgres, dynamicConfigFile: '/d.yaml', logLevel: 'warn' }),
    ).toThrow(/grpcPort: 7235" 0 times/);
  });
});

describe('the schema tool and server command lines', () => {
  it('sets up versioning at 0.0 and then applies the versioned directory, for both databases', () => {
    expect(CLUSTER_DATABASES.map((d) => d.database)).toEqual(['temporal', 'temporal_visibility']);
    expect(schemaSteps('temporal', '/b/schema/postgresql/v12/temporal/versioned')).toEqual([
      ['--db', 'temporal', 'setup-schema', '-v', '0.0'],
      ['--db', 'temporal', 'update-schema', '-d', '/b/schema/postgresql/v12/temporal/versioned'],
    ]);
  });

  it('passes the connection, password included, in the environment and never on the command line', () => {
    expect(sqlToolEnv(postgres)).toEqual({
      SQL_PLUGIN: 'postgres12',
      SQL_HOST: '127.0.0.1',
      SQL_PORT: '54329',
      SQL_USER: 'postgres',
      SQL_PASSWORD: 'p"w:1',
    });
    expect(schemaSteps('temporal', '/x').flat().join(' ')).not.toContain('p"w');
  });

  it('starts every service from the generated config file', () => {
    expect(serverArgs('/data/tc/config.yaml')).toEqual([
      '--config-file',
      '/data/tc/config.yaml',
      '--allow-no-auth',
      'start',
    ]);
  });

  it('reads the endpoint of a PostgreSQL URL, decoding the password', () => {
    expect(postgresEndpoint('postgres://postgres:a%2Fb%40c@127.0.0.1:5555/leads')).toEqual({
      host: '127.0.0.1',
      port: 5555,
      user: 'postgres',
      password: 'a/b@c',
    });
  });
});
