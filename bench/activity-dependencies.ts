import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { ActivityDependencies } from '../activities/dependencies.ts';
import { TemplateCache } from '../mail/render.ts';
import type { Mailer } from '../mail/transport.ts';

/** The sender of every bench email. */
export const BENCH_MAIL_FROM = 'Example Co. <marketing@example.com>';

/** The worker's dependencies (worker/main.ts), with the bench's database and SMTP sink: no CRM, no reps. */
export const benchActivityDependencies = (db: pg.Pool, mailer: Mailer): ActivityDependencies => ({
  db,
  mailer,
  templates: new TemplateCache(),
  mailFrom: BENCH_MAIL_FROM,
  salesReps: [],
  salesWebhookUrl: undefined,
  publicBaseUrl: 'http://localhost:3000',
  appSecret: randomBytes(32).toString('hex'),
  sender: { name: 'Example Co.', postalAddress: '〒100-0001 東京都千代田区千代田1-1', contact: '03-0000-0000' },
  unsubscribeMailto: 'unsubscribe@example.com',
});
