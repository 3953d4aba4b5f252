import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, requireServices } from '../../../config/env.ts';
import type { Config } from '../../../config/env.ts';

const CWD = path.resolve('/srv/lead-engine');

/** Runs `loadConfig` and returns the ConfigError it throws, failing the test if it throws nothing else. */
function configErrorFor(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env, CWD);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

const SERVICES = {
  DATABASE_URL: 'postgres://lle:pw@db.internal:5432/lle',
  TEMPORAL_ADDRESS: 'temporal.internal:7233',
  SMTP_URL: 'smtp://mailer:pw@smtp.internal:587',
  APP_SECRET: 'a'.repeat(32),
};

describe('loadConfig', () => {
  describe('defaults', () => {
    it('uses port 3000, the lead-lifecycle task queue and the default namespace when nothing is set', () => {
      const config = loadConfig({}, CWD);
      expect(config.port).toBe(3000);
      expect(config.temporalTaskQueue).toBe('lead-lifecycle');
      expect(config.temporalNamespace).toBe('default');
      expect(config.host).toBe('127.0.0.1');
      expect(config.logLevel).toBe('info');
    });

    it('leaves the external services unset so npm start can run its own', () => {
      const config = loadConfig({}, CWD);
      expect(config.databaseUrl).toBeUndefined();
      expect(config.temporalAddress).toBeUndefined();
      expect(config.smtpUrl).toBeUndefined();
      expect(config.appSecret).toBeUndefined();
    });

    it('puts the data directory at .data under the working directory', () => {
      expect(loadConfig({}, CWD).dataDir).toBe(path.join(CWD, '.data'));
    });

    it('derives the public base URL from the default port', () => {
      expect(loadConfig({}, CWD).publicBaseUrl).toBe('http://localhost:3000');
    });

    it('derives the public base URL from PORT when PORT is set', () => {
      expect(loadConfig({ PORT: '8080' }, CWD).publicBaseUrl).toBe('http://localhost:8080');
    });

    it('sends mail from the documented default sender', () => {
      expect(loadConfig({}, CWD).mailFrom).toBe('Lead Lifecycle Engine <marketing@example.com>');
    });
  });

  describe('parsing values that are set', () => {
    it('reads PORT as a number', () => {
      expect(loadConfig({ PORT: '8080' }, CWD).port).toBe(8080);
    });

    it('accepts the lowest and highest port numbers', () => {
      expect(loadConfig({ PORT: '1' }, CWD).port).toBe(1);
      expect(loadConfig({ PORT: '65535' }, CWD).port).toBe(65535);
    });

    it('ignores whitespace around a value', () => {
      expect(loadConfig({ PORT: ' 8080 ' }, CWD).port).toBe(8080);
    });

    it.each(['', '   ', '\t'])('treats a blank value (%j) as unset', (blank) => {
      const config = loadConfig(
        {
          PORT: blank,
          DATABASE_URL: blank,
          TEMPORAL_ADDRESS: blank,
          APP_SECRET: blank,
          LOG_LEVEL: blank,
          DATA_DIR: blank,
          HOST: blank,
          TEMPORAL_TASK_QUEUE: blank,
        },
        CWD,
      );
      expect(config.port).toBe(3000);
      expect(config.databaseUrl).toBeUndefined();
      expect(config.temporalAddress).toBeUndefined();
      expect(config.appSecret).toBeUndefined();
      expect(config.logLevel).toBe('info');
      expect(config.dataDir).toBe(path.join(CWD, '.data'));
      expect(config.host).toBe('127.0.0.1');
      expect(config.temporalTaskQueue).toBe('lead-lifecycle');
    });

    it('resolves a relative DATA_DIR against the working directory', () => {
      expect(loadConfig({ DATA_DIR: 'var/state' }, CWD).dataDir).toBe(path.join(CWD, 'var', 'state'));
    });

    it('keeps an absolute DATA_DIR as it is', () => {
      const absolute = path.resolve('/var/lib/lle');
      expect(loadConfig({ DATA_DIR: absolute }, CWD).dataDir).toBe(absolute);
    });

    it('resolves a relative OUTBOX_DIR against the working directory and leaves it unset otherwise', () => {
      expect(loadConfig({ OUTBOX_DIR: 'outbox' }, CWD).outboxDir).toBe(path.join(CWD, 'outbox'));
      expect(loadConfig({}, CWD).outboxDir).toBeUndefined();
    });

    it('strips trailing slashes from PUBLIC_BASE_URL', () => {
      expect(loadConfig({ PUBLIC_BASE_URL: 'https://leads.example.com/' }, CWD).publicBaseUrl).toBe(
        'https://leads.example.com',
      );
      expect(loadConfig({ PUBLIC_BASE_URL: 'https://leads.example.com/app///' }, CWD).publicBaseUrl).toBe(
        'https://leads.example.com/app',
      );
    });

    it('accepts both postgres:// and postgresql:// database URLs', () => {
      expect(loadConfig({ DATABASE_URL: 'postgres://u:p@h:5432/db' }, CWD).databaseUrl).toBe(
        'postgres://u:p@h:5432/db',
      );
      expect(loadConfig({ DATABASE_URL: 'postgresql://u:p@h/db' }, CWD).databaseUrl).toBe('postgresql://u:p@h/db');
    });

    it('accepts both smtp:// and smtps:// mail server URLs', () => {
      expect(loadConfig({ SMTP_URL: 'smtp://h:25' }, CWD).smtpUrl).toBe('smtp://h:25');
      expect(loadConfig({ SMTP_URL: 'smtps://u:p@h:465' }, CWD).smtpUrl).toBe('smtps://u:p@h:465');
    });

    it.each(['localhost:7233', 'temporal.internal:7233', '10.0.0.5:7233', '[::1]:7233'])(
      'accepts %s as a Temporal address',
      (address) => {
        expect(loadConfig({ TEMPORAL_ADDRESS: address }, CWD).temporalAddress).toBe(address);
      },
    );

    it.each(['marketing@example.com', 'Example Co. <marketing@example.com>', '"Acme, Inc." <hello@mail.acme.example>'])(
      'accepts %s as the sender',
      (from) => {
        expect(loadConfig({ MAIL_FROM: from }, CWD).mailFrom).toBe(from);
      },
    );

    it('accepts an APP_SECRET of exactly 32 characters', () => {
      expect(loadConfig({ APP_SECRET: 's'.repeat(32) }, CWD).appSecret).toBe('s'.repeat(32));
    });

    it.each(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const)(
      'accepts LOG_LEVEL %s',
      (level) => {
        expect(loadConfig({ LOG_LEVEL: level }, CWD).logLevel).toBe(level);
      },
    );

    it('reads TEMPORAL_CLI_PATH as given', () => {
      expect(loadConfig({ TEMPORAL_CLI_PATH: '/opt/temporal/bin/temporal' }, CWD).temporalCliPath).toBe(
        '/opt/temporal/bin/temporal',
      );
    });
  });

  describe('rejecting bad values', () => {
    it.each(['abc', '80a', '3000.5', '-1', '0x50'])('rejects PORT=%j as not a number', (port) => {
      const error = configErrorFor({ PORT: port });
      expect(error.variable).toBe('PORT');
      expect(error.message).toContain('PORT');
    });

    it.each(['0', '65536', '99999'])('rejects PORT=%s as out of range', (port) => {
      const error = configErrorFor({ PORT: port });
      expect(error.variable).toBe('PORT');
      expect(error.message).toMatch(/between 1 and 65535/);
    });

    it.each([
      ['TEMPORAL_DEV_PORT', 'seven'],
      ['POSTGRES_DEV_PORT', '70000'],
      ['SMTP_DEV_PORT', '0'],
    ])('validates %s like PORT', (variable, value) => {
      expect(configErrorFor({ [variable]: value }).variable).toBe(variable);
    });

    it.each(['mysql://u:p@h/db', 'http://db.internal/lle', 'not a url', 'db.internal:5432'])(
      'rejects DATABASE_URL=%j',
      (url) => {
        expect(configErrorFor({ DATABASE_URL: url }).variable).toBe('DATABASE_URL');
      },
    );

    it('tells the user which schemes DATABASE_URL may use', () => {
      expect(configErrorFor({ DATABASE_URL: 'mysql://u:p@h/db' }).message).toMatch(/postgres:\/\/.*postgresql:\/\//);
    });

    it('does not echo the database password when rejecting DATABASE_URL', () => {
      expect(configErrorFor({ DATABASE_URL: 'mysql://admin:hunter2-secret@h/db' }).message).not.toContain(
        'hunter2-secret',
      );
    });

    it.each([
      'localhost',
      'http://localhost:7233',
      'localhost:',
      ':7233',
      'localhost:0',
      'localhost:65536',
      'local host:7233',
    ])('rejects TEMPORAL_ADDRESS=%j as not host:port', (address) => {
      const error = configErrorFor({ TEMPORAL_ADDRESS: address });
      expect(error.variable).toBe('TEMPORAL_ADDRESS');
      expect(error.message).toMatch(/host:port/);
    });

    it.each(['http://smtp.internal', 'mailer.internal:25'])('rejects SMTP_URL=%j', (url) => {
      expect(configErrorFor({ SMTP_URL: url }).variable).toBe('SMTP_URL');
    });

    it.each([
      'marketing',
      'marketing@example',
      'Name <marketing@example.com',
      'Name marketing@example.com>',
      'two words@example.com',
      'Name <>',
    ])('rejects MAIL_FROM=%j as malformed', (from) => {
      expect(configErrorFor({ MAIL_FROM: from }).variable).toBe('MAIL_FROM');
    });

    it('rejects an APP_SECRET shorter than 32 characters', () => {
      const error = configErrorFor({ APP_SECRET: 's'.repeat(31) });
      expect(error.variable).toBe('APP_SECRET');
      expect(error.message).toMatch(/32/);
    });

    it('does not echo a too-short APP_SECRET in the error', () => {
      expect(configErrorFor({ APP_SECRET: 'tiny-secret-value' }).message).not.toContain('tiny-secret-value');
    });

    it.each([
      ['ADMIN_API_KEY', 19],
      ['CRM_WEBHOOK_SECRET', 15],
      ['ZOHO_WEBHOOK_TOKEN', 15],
      ['HUBSPOT_CLIENT_SECRET', 7],
    ])('rejects %s one character shorter than its minimum (%i)', (variable, length) => {
      expect(configErrorFor({ [variable]: 'k'.repeat(length) }).variable).toBe(variable);
      expect(() => loadConfig({ [variable]: 'k'.repeat(length + 1) }, CWD)).not.toThrow();
    });

    it.each(['verbose', 'DEBUG', 'warning'])('rejects LOG_LEVEL=%j', (level) => {
      const error = configErrorFor({ LOG_LEVEL: level });
      expect(error.variable).toBe('LOG_LEVEL');
      expect(error.message).toContain('debug');
    });

    it('rejects PUBLIC_BASE_URL without an http or https scheme', () => {
      expect(configErrorFor({ PUBLIC_BASE_URL: 'ftp://leads.example.com' }).variable).toBe('PUBLIC_BASE_URL');
      expect(configErrorFor({ PUBLIC_BASE_URL: 'leads.example.com' }).variable).toBe('PUBLIC_BASE_URL');
    });

    it.each([
      ['TEMPORAL_TASK_QUEUE', 'lead lifecycle'],
      ['TEMPORAL_NAMESPACE', 'prod/leads'],
    ])('rejects %s=%j with characters Temporal names may not contain', (variable, value) => {
      expect(configErrorFor({ [variable]: value }).variable).toBe(variable);
    });

    it('gives the error the name ConfigError and prefixes its message with the variable', () => {
      const error = configErrorFor({ LOG_LEVEL: 'loud' });
      expect(error.name).toBe('ConfigError');
      expect(error.message.startsWith('LOG_LEVEL: ')).toBe(true);
    });
  });
});

describe('requireServices', () => {
  const full = (): Config => loadConfig(SERVICES, CWD);

  it('returns the config unchanged when every service is configured', () => {
    const config = full();
    expect(requireServices(config)).toBe(config);
  });

  it.each([
    ['DATABASE_URL', 'databaseUrl'],
    ['TEMPORAL_ADDRESS', 'temporalAddress'],
    ['SMTP_URL', 'smtpUrl'],
    ['APP_SECRET', 'appSecret'],
  ] as const)('names %s when it alone is missing', (variable, field) => {
    const config: Config = { ...full(), [field]: undefined };
    expect(() => requireServices(config)).toThrow(ConfigError);
    try {
      requireServices(config);
    } catch (error) {
      expect((error as ConfigError).variable).toBe(variable);
    }
  });

  it('names DATABASE_URL first when nothing is configured', () => {
    expect.assertions(1);
    try {
      requireServices(loadConfig({}, CWD));
    } catch (error) {
      expect((error as ConfigError).variable).toBe('DATABASE_URL');
    }
  });

  it('names the first missing service in the order DATABASE_URL, TEMPORAL_ADDRESS, SMTP_URL, APP_SECRET', () => {
    const missingLastTwo = loadConfig(
      { DATABASE_URL: SERVICES.DATABASE_URL, TEMPORAL_ADDRESS: SERVICES.TEMPORAL_ADDRESS },
      CWD,
    );
    expect(() => requireServices(missingLastTwo)).toThrow(/^SMTP_URL: /);
    const missingSecretOnly = loadConfig({ ...SERVICES, APP_SECRET: '' }, CWD);
    expect(() => requireServices(missingSecretOnly)).toThrow(/^APP_SECRET: /);
  });
});

describe('AUTH_FAILURES_PER_MINUTE', () => {
  it('defaults to 20 failed authentications a minute per address, and takes a whole number from 1', () => {
    expect(loadConfig({}, CWD).authFailuresPerMinute).toBe(20);
    expect(loadConfig({ AUTH_FAILURES_PER_MINUTE: '5' }, CWD).authFailuresPerMinute).toBe(5);
    for (const bad of ['0', '-1', 'ten', '1.5'])
      expect(configErrorFor({ AUTH_FAILURES_PER_MINUTE: bad }).message).toContain('AUTH_FAILURES_PER_MINUTE');
  });
});
