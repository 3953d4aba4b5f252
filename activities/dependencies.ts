import type pg from 'pg';
import type { ImapConfig } from '../config/env.ts';
import type { ConsentBasis, ConsentSourceName } from '../domain/consent.ts';
import type { CrmConnections } from '../crm/providers.ts';
import type { TemplateCache } from '../mail/render.ts';
import type { SenderIdentity } from '../mail/compliance.ts';
import type { Mailer } from '../mail/transport.ts';

/** What activities need from the outside world; the worker builds it once. */
export interface ActivityDependencies {
  /** A pool, not a client: applying CRM events runs transactions. */
  db: pg.Pool;
  mailer: Mailer;
  templates: TemplateCache;
  mailFrom: string;
  /** Reps who take escalations round-robin when a lead has no owner. */
  salesReps: readonly string[];
  /** Takes an unacknowledged escalation when no other rep can (SALES_MANAGER_EMAIL). */
  salesManagerEmail?: string | undefined;
  salesWebhookUrl: string | undefined;
  /** Base of links in emails (unsubscribe, tracking) and notifications (the lead's page). */
  publicBaseUrl: string;
  /** Signs unsubscribe and tracking tokens. */
  appSecret: string;
  sender: SenderIdentity;
  unsubscribeMailto: string;
  /** The connected CRMs; absent or empty when none is configured. */
  crm?: CrmConnections | undefined;
  /** The mailbox replies are read from (IMAP_URL); absent: no polling. */
  imap?: ImapConfig | undefined;
  /** The Reply-To address that carries a signed token (REPLY_ADDRESS); absent: none is set. */
  replyAddress?: string | undefined;
  /** CONSENT_REQUIRED: a lead without a consent basis gets no email. */
  consentRequired?: boolean | undefined;
  /** CONSENT_DEFAULTS: the basis a lead from a CRM gets when the CRM names none. */
  consentDefaults?: Partial<Record<ConsentSourceName, ConsentBasis>> | undefined;
}
