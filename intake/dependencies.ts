import type { Client } from '@temporalio/client';
import type pg from 'pg';

/** What intake needs, from the API or from an activity: the read model and a Temporal client. */
export interface IntakeDependencies {
  /** A pool, not a client: events are recorded in transactions. */
  db: pg.Pool;
  temporal: Client;
  /** The task queue lifecycles started here run on. */
  taskQueue: string;
}
