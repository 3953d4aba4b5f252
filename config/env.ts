import path from 'node:path';
import { CONSENT_BASES, CONSENT_SOURCE_NAMES, type ConsentBasis, type ConsentSourceName } from '../domain/consent.ts';

/** A configuration value that cannot be used; start-up stops with its message. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
  }
}

/** How the engine calls Zoho CRM's REST API. */
export interface ZohoApiConfig {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  /** Zoho's API host of the account's data centre, e.g. https://www.zohoapis.jp. */
  apiBaseUrl: string;
  /** Zoho's accounts host of the same data centre, e.g. https://accounts.zoho.jp. */
  accountsUrl: string;
  /** The stage a deal made by an escalation opens in (a value of the Stage picklist). */
  dealStage: string;
}

/** Everything the processes read from the environment, parsed once at start-up. */
export interface Config {
  port: number;
  host: string;
  /** Absent under `npm start`, which then runs embedded PostgreSQL. */
  databaseUrl: string | undefined;
  /** Absent under `npm start`, which then runs the Temporal CLI dev server. */
  temporalAddress: string | undefined;
  temporalNamespace: string;
  temporalTaskQueue: string;
  /** Temporal Cloud API key; implies TLS. */
  temporalApiKey: string | undefined;
  /** mTLS client certificate and key files (Temporal Cloud or a self-hosted cluster). */
  temporalTlsCertPath: string | undefined;
  temporalTlsKeyPath: string | undefined;
  /** TLS without client certificates, for a self-hosted cluster behind TLS. */
  temporalTls: boolean;
  /** Absent under `npm start`, which then runs the capture SMTP server. */
  smtpUrl: string | undefined;
  mailFrom: string;
  /** The sender's postal address and contact, shown in every marketing email (特定電子メール法). */
  senderPostalAddress: string;
  senderContact: string;
  /** Where mailto unsubscribe requests go. */
  unsubscribeMailto: string;
  /** Optional DKIM signing of every message. */
  dkim: { domainName: string; keySelector: string; privateKeyPath: string } | undefined;
  publicBaseUrl: string;
  appSecret: string | undefined;
  adminApiKey: string | undefined;
  /** Reps who take escalations round-robin when a lead has no owner. */
  salesReps: string[];
  /** Who takes an escalation no rep acknowledged, when there is no other rep to hand it to. */
  salesManagerEmail: string | undefined;
  /** Slack-compatible incoming webhook for escalations and deal alerts. */
  salesWebhookUrl: string | undefined;
  crmWebhookSecret: string | undefined;
  zohoWebhookToken: string | undefined;
  /** The token and (optionally) channel id of Zoho's Notification API channel. */
  zohoNotificationToken: string | undefined;
  zohoNotificationChannelId: string | undefined;
  /** Zoho CRM's REST API (an OAuth client's refresh token): fetching notified records, creating deals. */
  zoho: ZohoApiConfig | undefined;
  hubspotClientSecret: string | undefined;
  /** HubSpot's CRM REST API: fetching the records its webhooks name, creating deals. */
  hubspot: HubspotConfig;
  /** Verify bounce and complaint reports from Mailgun (HMAC key) and SendGrid (ECDSA public key, base64). */
  mailgunWebhookSigningKey: string | undefined;
  sendgridWebhookPublicKey: string | undefined;
  dataDir: string;
  temporalDevPort: number;
  postgresDevPort: number;
  smtpDevPort: number;
  temporalCliPath: string | undefined;
  /** What `npm start` runs when TEMPORAL_ADDRESS is unset: the CLI's dev server, or a cluster on PostgreSQL. */
  temporalLocal: 'dev' | 'cluster';
  /** A Temporal server build directory (`npm run temporal:server`) for `TEMPORAL_LOCAL=cluster`. */
  temporalServerDir: string | undefined;
  /** Worker processes `npm start` runs on the task queue. */
  workers: number;
  /** Where the capture SMTP server keeps mail; `GET /v1/outbox` reads it. */
  outboxDir: string | undefined;
  /** Requests a minute one API key may make. */
  rateLimitPerMinute: number;
  /** Failed authentications (bad bearer keys, console sign-in guesses) a minute from one client address before 429. */
  authFailuresPerMinute: number;
  /** The largest CSV body `POST /v1/leads/import` reads, in bytes. */
  importMaxBytes: number;
  /** Workflows a worker keeps cached (`maxCachedWorkflows`); undefined: the worker's default. */
  workerMaxCachedWorkflows: number | undefined;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** When set, `GET /metrics` (API and worker) wants `Authorization: Bearer <token>`. */
  metricsToken: string | undefined;
  /** The worker's `GET /metrics` port (on HOST); under `npm start` the first worker's, the others counting up from it; absent: no worker metrics. */
  workerMetricsPort: number | undefined;
  /** The mailbox replies arrive in, polled by the worker; absent: no polling (the inbound webhooks still work). */
  imap: ImapConfig | undefined;
  /**
   * An address whose `+tag` carries a signed token, set as the Reply-To of marketing
   * email (`replies@example.jp` gives `replies+<token>@example.jp`); absent: no Reply-To,
   * replies are matched by their In-Reply-To and References headers alone.
   */
  replyAddress: string | undefined;
  /** With `CONSENT_REQUIRED=true` a lead without a consent basis gets no email (DM and tasks only). */
  consentRequired: boolean;
  /** The consent basis a lead from a CRM (`zoho`, `hubspot`, `generic`) gets when the record names none. */
  consentDefaults: Partial<Record<ConsentSourceName, ConsentBasis>>;
}

/** Where replies are read: an IMAP mailbox, by URL. */
export interface ImapConfig {
  host: string;
  port: number;
  /** `imaps:` (TLS from the first byte); `imap:` upgrades with STARTTLS when the server offers it. */
  secure: boolean;
  user: string;
  password: string;
  /** The mailbox (folder) read, from the URL's path; INBOX by default. */
  mailbox: string;
  /** How often the mailbox is read, in seconds. */
  pollSeconds: number;
}

/** A private app's access token and what deals made in HubSpot look like. */
export interface HubspotConfig {
  accessToken: string | undefined;
  apiBaseUrl: string;
  /** A deal property whose value, once filled, ends the customer's contract (the value is the reason). */
  contractEndProperty: string | undefined;
  /** A date deal property holding the day the customer's contract ends (sent on `contract.ended` as `endedAt`). */
  contractEndDateProperty: string | undefined;
  /** Pipeline and stage ids of the deals an escalation creates. */
  dealPipeline: string;
  dealStage: string;
}

type Env = Readonly<Record<string, string | undefined>>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Parses and validates the environment. Throws a {@link ConfigError} naming the first bad
 * variable; callers print it and exit, so a typo never surfaces later as a runtime failure.
 */
export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Config {
  const port = portOf(env, 'PORT', 3000);
  const dataDir = path.resolve(cwd, optional(env, 'DATA_DIR') ?? '.data');
  return {
    port,
    host: optional(env, 'HOST') ?? '127.0.0.1',
    databaseUrl: urlOf(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    temporalAddress: hostPortOf(env, 'TEMPORAL_ADDRESS'),
    temporalNamespace: nameOf(env, 'TEMPORAL_NAMESPACE', 'default'),
    temporalTaskQueue: nameOf(env, 'TEMPORAL_TASK_QUEUE', 'lead-lifecycle'),
    temporalApiKey: secretOf(env, 'TEMPORAL_API_KEY', 8),
    ...tlsPairOf(env, cwd),
    temporalTls: booleanOf(env, 'TEMPORAL_TLS', false),
    smtpUrl: urlOf(env, 'SMTP_URL', ['smtp:', 'smtps:']),
    mailFrom: mailboxOf(env, 'MAIL_FROM', 'Lead Lifecycle Engine <marketing@example.com>'),
    senderPostalAddress: textOf(
      env,
      'SENDER_POSTAL_ADDRESS',
      '〒100-0001 東京都千代田区千代田1-1 (SENDER_POSTAL_ADDRESS を設定してください)',
    ),
    senderContact: textOf(
      env,
      'SENDER_CONTACT',
      addressOf(mailboxOf(env, 'MAIL_FROM', 'Lead Lifecycle Engine <marketing@example.com>')),
    ),
    unsubscribeMailto: addressOf(
      mailboxOf(
        env,
        'UNSUBSCRIBE_MAILTO',
        mailboxOf(env, 'MAIL_FROM', 'Lead Lifecycle Engine <marketing@example.com>'),
      ),
    ),
    dkim: dkimOf(env, cwd),
    publicBaseUrl: (urlOf(env, 'PUBLIC_BASE_URL', ['http:', 'https:']) ?? `http://localhost:${port}`).replace(
      /\/+$/,
      '',
    ),
    appSecret: secretOf(env, 'APP_SECRET', 32),
    adminApiKey: secretOf(env, 'ADMIN_API_KEY', 20),
    salesReps: emailListOf(env, 'SALES_REPS'),
    salesManagerEmail: singleEmailOf(env, 'SALES_MANAGER_EMAIL'),
    salesWebhookUrl: urlOf(env, 'SALES_WEBHOOK_URL', ['http:', 'https:']),
    crmWebhookSecret: secretOf(env, 'CRM_WEBHOOK_SECRET', 16),
    zohoWebhookToken: secretOf(env, 'ZOHO_WEBHOOK_TOKEN', 16),
    zohoNotificationToken: zohoNotificationTokenOf(env),
    zohoNotificationChannelId: channelIdOf(env, 'ZOHO_NOTIFICATION_CHANNEL_ID'),
    zoho: zohoApiOf(env),
    hubspotClientSecret: secretOf(env, 'HUBSPOT_CLIENT_SECRET', 8),
    hubspot: hubspotOf(env),
    mailgunWebhookSigningKey: secretOf(env, 'MAILGUN_WEBHOOK_SIGNING_KEY', 16),
    sendgridWebhookPublicKey: secretOf(env, 'SENDGRID_WEBHOOK_PUBLIC_KEY', 40),
    dataDir,
    temporalDevPort: portOf(env, 'TEMPORAL_DEV_PORT', 7233),
    postgresDevPort: portOf(env, 'POSTGRES_DEV_PORT', 54329),
    smtpDevPort: portOf(env, 'SMTP_DEV_PORT', 2525),
    temporalCliPath: optional(env, 'TEMPORAL_CLI_PATH'),
    temporalLocal: oneOf(env, 'TEMPORAL_LOCAL', ['dev', 'cluster'] as const, 'dev'),
    temporalServerDir:
      optional(env, 'TEMPORAL_SERVER_DIR') === undefined
        ? undefined
        : path.resolve(cwd, optional(env, 'TEMPORAL_SERVER_DIR') as string),
    workers: workersOf(env),
    outboxDir:
      optional(env, 'OUTBOX_DIR') === undefined ? undefined : path.resolve(cwd, optional(env, 'OUTBOX_DIR') as string),
    rateLimitPerMinute: countOf(env, 'RATE_LIMIT_PER_MINUTE', 600),
    authFailuresPerMinute: countOf(env, 'AUTH_FAILURES_PER_MINUTE', 20),
    importMaxBytes: bytesOf(env, 'IMPORT_MAX_BYTES', 200 * 1024 * 1024),
    workerMaxCachedWorkflows:
      optional(env, 'WORKER_MAX_CACHED_WORKFLOWS') === undefined
        ? undefined
        : countOf(env, 'WORKER_MAX_CACHED_WORKFLOWS', 0),
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    metricsToken: secretOf(env, 'METRICS_TOKEN', 16),
    workerMetricsPort: workerMetricsPortOf(env),
    imap: imapOf(env),
    replyAddress: replyAddressOf(env),
    consentRequired: booleanOf(env, 'CONSENT_REQUIRED', false),
    consentDefaults: consentDefaultsOf(env),
  };
}

function imapOf(env: Env): ImapConfig | undefined {
  const raw = urlOf(env, 'IMAP_URL', ['imap:', 'imaps:']);
  const pollSeconds = countOf(env, 'IMAP_POLL_SECONDS', 60);
  if (raw === undefined) return undefined;
  const url = new URL(raw);
  if (url.username === '' || url.password === '' || url.hostname === '')
    throw new ConfigError('IMAP_URL', 'must name a host, a user and a password: imaps://user:password@host/INBOX');
  const mailbox = decodeURIComponent(url.pathname.replace(/^\/+/, '')) || 'INBOX';
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port === '' ? (url.protocol === 'imaps:' ? 993 : 143) : Number(url.port),
    secure: url.protocol === 'imaps:',
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    mailbox,
    pollSeconds,
  };
}

function replyAddressOf(env: Env): string | undefined {
  const raw = singleEmailOf(env, 'REPLY_ADDRESS');
  // The token goes after a "+": an address that already has one could not be told apart.
  if (raw !== undefined && raw.split('@')[0]!.includes('+'))
    throw new ConfigError('REPLY_ADDRESS', 'must not contain "+" (the engine adds +<token> itself)');
  return raw;
}

function consentDefaultsOf(env: Env): Config['consentDefaults'] {
  const raw = optional(env, 'CONSENT_DEFAULTS');
  const defaults: Config['consentDefaults'] = {};
  if (raw === undefined) return defaults;
  for (const pair of raw
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [source, basis] = pair.split(':').map((p) => p.trim());
    if (!CONSENT_SOURCE_NAMES.includes(source as ConsentSourceName) || !CONSENT_BASES.includes(basis as ConsentBasis))
      throw new ConfigError(
        'CONSENT_DEFAULTS',
        `"${pair}" is not <source>:<basis> with a source among ${CONSENT_SOURCE_NAMES.join(', ')} and a basis among ${CONSENT_BASES.join(', ')}`,
      );
    // Two bases for one CRM would leave which one applies to the order of the list.
    if (defaults[source as ConsentSourceName] !== undefined)
      throw new ConfigError('CONSENT_DEFAULTS', `names "${source}" twice: give each source one basis`);
    defaults[source as ConsentSourceName] = basis as ConsentBasis;
  }
  return defaults;
}

/** The services a single production process (`start:api`, `start:worker`) cannot run without. */
export interface ServiceConfig extends Config {
  databaseUrl: string;
  temporalAddress: string;
  smtpUrl: string;
  appSecret: string;
}

/** Narrows a config to one whose external services are all named, or names what is missing. */
export function requireServices(config: Config): ServiceConfig {
  const required = [
    ['DATABASE_URL', config.databaseUrl],
    ['TEMPORAL_ADDRESS', config.temporalAddress],
    ['SMTP_URL', config.smtpUrl],
    ['APP_SECRET', config.appSecret],
  ] as const;
  for (const [variable, value] of required) {
    if (value === undefined) {
      throw new ConfigError(variable, 'is required when running a single process (npm start sets it for you)');
    }
  }
  return config as ServiceConfig;
}

function optional(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function portOf(env: Env, name: string, fallback: number): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a port number, got "${raw}"`);
  const port = Number(raw);
  if (port < 1 || port > 65535) throw new ConfigError(name, `must be between 1 and 65535, got ${port}`);
  return port;
}

function countOf(env: Env, name: string, fallback: number): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d{1,7}$/.test(raw) || Number(raw) < 1)
    throw new ConfigError(name, `must be a whole number from 1, got "${raw}"`);
  return Number(raw);
}

function bytesOf(env: Env, name: string, fallback: number): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  const match = /^(\d{1,13})\s*([kmg]?)b?$/i.exec(raw);
  const power = ['', 'k', 'm', 'g'].indexOf((match?.[2] ?? '').toLowerCase());
  const bytes = match ? Number(match[1]) * 1024 ** power : 0;
  if (!match || bytes < 1)
    throw new ConfigError(
      name,
      `must be a size in bytes from 1, optionally with K, M or G (1024-based), such as 200M; got "${raw}"`,
    );
  return bytes;
}

function urlOf(env: Env, name: string, protocols: readonly string[]): string | undefined {
  const raw = optional(env, name);
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, 'is not a valid URL');
  }
  if (!protocols.includes(url.protocol)) {
    throw new ConfigError(name, `must start with ${protocols.map((p) => `${p}//`).join(' or ')}`);
  }
  return raw;
}

function hostPortOf(env: Env, name: string): string | undefined {
  const raw = optional(env, name);
  if (raw === undefined) return undefined;
  const match = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d+)$/.exec(raw);
  const port = match ? Number(match[2]) : 0;
  if (!match || port < 1 || port > 65535) throw new ConfigError(name, `must be host:port, got "${raw}"`);
  return raw;
}

function nameOf(env: Env, name: string, fallback: string): string {
  const raw = optional(env, name) ?? fallback;
  if (!/^[A-Za-z0-9._-]{1,200}$/.test(raw)) {
    throw new ConfigError(name, 'may contain only letters, digits, ".", "_" and "-"');
  }
  return raw;
}

function mailboxOf(env: Env, name: string, fallback: string): string {
  const raw = optional(env, name) ?? fallback;
  // "Name <addr>" or a bare address: nodemailer accepts both, and a typo here would
  // otherwise only surface as a rejected send hours later.
  const match = /^(?:[^<>]*<([^<>\s]+@[^<>\s]+\.[^<>\s]+)>|([^<>\s]+@[^<>\s]+\.[^<>\s]+))$/.exec(raw);
  if (!match) throw new ConfigError(name, 'must be an address such as "Example Co. <marketing@example.com>"');
  return raw;
}

function singleEmailOf(env: Env, name: string): string | undefined {
  const raw = optional(env, name)?.trim();
  if (raw === undefined || raw === '') return undefined;
  if (!/^[^\s@<>,]+@[^\s@<>,]+\.[^\s@<>,]+$/.test(raw)) throw new ConfigError(name, `"${raw}" is not an email address`);
  return raw;
}

function emailListOf(env: Env, name: string): string[] {
  const raw = optional(env, name);
  if (raw === undefined) return [];
  const list = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = list.find((address) => !/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(address));
  if (bad !== undefined)
    throw new ConfigError(name, `"${bad}" is not an email address (list addresses separated by commas)`);
  return list;
}

function secretOf(env: Env, name: string, minLength: number): string | undefined {
  const raw = optional(env, name);
  if (raw === undefined) return undefined;
  if (raw.length < minLength) throw new ConfigError(name, `must be at least ${minLength} characters`);
  return raw;
}

function textOf(env: Env, name: string, fallback: string): string {
  const raw = optional(env, name) ?? fallback;
  if (raw.length > 500 || /[\r\n]/.test(raw)) throw new ConfigError(name, 'must be one line of at most 500 characters');
  return raw;
}

/** The bare address of "Name <addr>" or of a bare address. */
export function addressOf(mailbox: string): string {
  return /<([^<>\s]+)>\s*$/.exec(mailbox)?.[1] ?? mailbox.trim();
}

function dkimOf(env: Env, cwd: string): Config['dkim'] {
  const domainName = optional(env, 'DKIM_DOMAIN');
  const keySelector = optional(env, 'DKIM_SELECTOR');
  const keyPath = optional(env, 'DKIM_PRIVATE_KEY_PATH');
  const given = [domainName, keySelector, keyPath].filter((v) => v !== undefined).length;
  if (given === 0) return undefined;
  if (given !== 3 || !domainName || !keySelector || !keyPath) {
    throw new ConfigError(
      domainName === undefined ? 'DKIM_DOMAIN' : keySelector === undefined ? 'DKIM_SELECTOR' : 'DKIM_PRIVATE_KEY_PATH',
      'DKIM needs DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY_PATH together',
    );
  }
  return { domainName, keySelector, privateKeyPath: path.resolve(cwd, keyPath) };
}

function zohoNotificationTokenOf(env: Env): string | undefined {
  const token = secretOf(env, 'ZOHO_NOTIFICATION_TOKEN', 16);
  // Zoho stores at most 50 characters: a longer token could never match a callback.
  if (token !== undefined && token.length > 50)
    throw new ConfigError('ZOHO_NOTIFICATION_TOKEN', 'must be at most 50 characters (Zoho keeps no more)');
  return token;
}

function channelIdOf(env: Env, name: string): string | undefined {
  const raw = optional(env, name);
  if (raw !== undefined && !/^\d{1,19}$/.test(raw))
    throw new ConfigError(name, `must be the channel's number, got "${raw}"`);
  return raw;
}

function zohoApiOf(env: Env): ZohoApiConfig | undefined {
  const names = ['ZOHO_CLIENT_ID', 'ZOHO_CLIENT_SECRET', 'ZOHO_REFRESH_TOKEN'] as const;
  const [clientId, clientSecret, refreshToken] = names.map((name) => optional(env, name));
  const given = [clientId, clientSecret, refreshToken].filter((v) => v !== undefined).length;
  if (given === 0) return undefined;
  if (!clientId || !clientSecret || !refreshToken) {
    throw new ConfigError(
      names[[clientId, clientSecret, refreshToken].findIndex((v) => v === undefined)] ?? 'ZOHO_CLIENT_ID',
      'Zoho CRM needs ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET and ZOHO_REFRESH_TOKEN together',
    );
  }
  return {
    clientId,
    clientSecret,
    refreshToken,
    apiBaseUrl: (urlOf(env, 'ZOHO_API_BASE_URL', ['https:', 'http:']) ?? 'https://www.zohoapis.com').replace(
      /\/+$/,
      '',
    ),
    accountsUrl: (urlOf(env, 'ZOHO_ACCOUNTS_URL', ['https:', 'http:']) ?? 'https://accounts.zoho.com').replace(
      /\/+$/,
      '',
    ),
    dealStage: textOf(env, 'ZOHO_DEAL_STAGE', 'Qualification'),
  };
}

function booleanOf(env: Env, name: string, fallback: boolean): boolean {
  const raw = optional(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['true', '1', 'yes'].includes(raw)) return true;
  if (['false', '0', 'no'].includes(raw)) return false;
  throw new ConfigError(name, 'must be true or false');
}

function tlsPairOf(
  env: Env,
  cwd: string,
): { temporalTlsCertPath: string | undefined; temporalTlsKeyPath: string | undefined } {
  const cert = optional(env, 'TEMPORAL_TLS_CERT_PATH');
  const key = optional(env, 'TEMPORAL_TLS_KEY_PATH');
  if ((cert === undefined) !== (key === undefined)) {
    throw new ConfigError(
      cert === undefined ? 'TEMPORAL_TLS_CERT_PATH' : 'TEMPORAL_TLS_KEY_PATH',
      'must be set together with its pair (certificate and key)',
    );
  }
  return {
    temporalTlsCertPath: cert === undefined ? undefined : path.resolve(cwd, cert),
    temporalTlsKeyPath: key === undefined ? undefined : path.resolve(cwd, key),
  };
}

function workersOf(env: Env): number {
  const workers = countOf(env, 'WORKERS', 1);
  // Each worker is a Node.js process with its own workflow cache: dozens on one machine is a typo.
  if (workers > 32)
    throw new ConfigError('WORKERS', `must be at most 32 worker processes on one machine, got ${workers}`);
  return workers;
}

function workerMetricsPortOf(env: Env): number | undefined {
  // Off by default: a port nobody asked for is a port nobody secures.
  if (optional(env, 'WORKER_METRICS_PORT') === undefined) return undefined;
  const base = portOf(env, 'WORKER_METRICS_PORT', 0);
  // `npm start` gives its N workers base, base + 1, ... base + N - 1: all must be ports.
  const last = base + workersOf(env) - 1;
  if (last > 65535)
    throw new ConfigError(
      'WORKER_METRICS_PORT',
      `with WORKERS=${workersOf(env)} the workers' ports ${base}-${last} must end at 65535 or below`,
    );
  return base;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw))
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}`);
  return raw as T;
}

function hubspotOf(env: Env): HubspotConfig {
  const property = (name: string, fallback?: string): string | undefined => {
    const raw = optional(env, name) ?? fallback;
    // Internal names of HubSpot properties, pipelines and stages: lowercase words or numeric ids.
    if (raw !== undefined && !/^[A-Za-z0-9_-]{1,100}$/.test(raw))
      throw new ConfigError(name, 'must be a HubSpot internal name or id (letters, digits, "_" and "-")');
    return raw;
  };
  return {
    accessToken: secretOf(env, 'HUBSPOT_ACCESS_TOKEN', 8),
    apiBaseUrl: (urlOf(env, 'HUBSPOT_API_BASE_URL', ['http:', 'https:']) ?? 'https://api.hubapi.com').replace(
      /\/+$/,
      '',
    ),
    contractEndProperty: property('HUBSPOT_CONTRACT_END_PROPERTY'),
    contractEndDateProperty: property('HUBSPOT_CONTRACT_END_DATE_PROPERTY'),
    dealPipeline: property('HUBSPOT_DEAL_PIPELINE', 'default') as string,
    dealStage: property('HUBSPOT_DEAL_STAGE', 'appointmentscheduled') as string,
  };
}
