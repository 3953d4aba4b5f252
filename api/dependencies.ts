import type { Client, Connection } from '@temporalio/client';
import type pg from 'pg';
import type { Config } from '../config/env.ts';

/** What the API needs: configuration, the read model and a Temporal client. */
export interface AppDependencies {
  config: Pick<
    Config,
    | 'temporalTaskQueue'
    | 'adminApiKey'
    | 'outboxDir'
    | 'crmWebhookSecret'
    | 'publicBaseUrl'
    | 'mailFrom'
    | 'senderPostalAddress'
    | 'senderContact'
    | 'appSecret'
    | 'mailgunWebhookSigningKey'
    | 'sendgridWebhookPublicKey'
    | 'rateLimitPerMinute'
    | 'authFailuresPerMinute'
    | 'zohoWebhookToken'
    | 'zohoNotificationToken'
    | 'zohoNotificationChannelId'
    | 'zoho'
    | 'hubspotClientSecret'
    | 'smtpUrl'
    | 'dkim'
    | 'importMaxBytes'
    | 'metricsToken'
    | 'consentRequired'
    | 'consentDefaults'
    | 'replyAddress'
  >;
  /** A pool, not a client: some routes run transactions. */
  db: pg.Pool;
  temporal: { client: Client; connection: Connection };
}
