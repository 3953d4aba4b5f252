import type { Client } from '@temporalio/client';
import type pg from 'pg';
import type { ConsentBasis, ConsentSourceName } from '../domain/consent.ts';

/** What intake needs, from the API or from an activity: the read model and a Temporal client. */
export interface IntakeDependencies {
  /** A pool, not a client: events are recorded in transactions. */
  db: pg.Pool;
  temporal: Client;
  /** The task queue lifecycles started here run on. */
  taskQueue: string;
  /** CONSENT_DEFAULTS: the basis a lead gets from a CRM that names none; absent or empty, none. */
  consentDefaults?: Partial<Record<ConsentSourceName, ConsentBasis>> | undefined;
}
