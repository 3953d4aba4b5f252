import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';

/** A pooled SMTP transport: connections are reused across sends instead of one per email. */
export type Mailer = Transporter<SMTPPool.SentMessageInfo>;

/**
 * Creates the pooled transport for `SMTP_URL` (`smtp://user:pass@host:port`, `smtps://` for
 * TLS), signing every message with DKIM when a key is configured.
 */
export function createMailer(
  smtpUrl: string,
  dkim?: { domainName: string; keySelector: string; privateKeyPath: string },
): Mailer {
  const url = new URL(smtpUrl);
  const options: SMTPPool.Options = {
    pool: true,
    host: url.hostname,
    port: url.port === '' ? (url.protocol === 'smtps:' ? 465 : 587) : Number(url.port),
    secure: url.protocol === 'smtps:',
    maxConnections: 5,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  };
  if (dkim) {
    // Read once at start-up: a missing key file stops the worker with its path.
    options.dkim = {
      domainName: dkim.domainName,
      keySelector: dkim.keySelector,
      privateKey: readFileSync(dkim.privateKeyPath, 'utf8'),
    };
  }
  if (url.username !== '') {
    options.auth = { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) };
  }
  return nodemailer.createTransport(options);
}

/**
 * The Message-ID of a touch, derived from its idempotency key: the same touch always
 * carries the same id, so even a receiving system can tell a repeat from a new message.
 */
export function messageIdFor(idempotencyKey: string, mailFrom: string): string {
  const domain = /@([^>\s]+)>?\s*$/.exec(mailFrom)?.[1] ?? 'localhost';
  const id = createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 40);
  return `<${id}@${domain}>`;
}

/** The display name of "Name <addr>", or the address when there is none. */
export function displayNameOf(mailbox: string): string {
  const match = /^\s*"?([^"<]*?)"?\s*<[^<>]+>\s*$/.exec(mailbox);
  return match?.[1] ? match[1] : mailbox.trim();
}
