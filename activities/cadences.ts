import { ApplicationFailure } from '@temporalio/activity';
import type { Cadence } from '../domain/cadence.ts';
import { findCadence } from '../db/repositories/cadences.ts';
import type { ActivityDependencies } from './dependencies.ts';

/** The cadence version a workflow acts on for its next step. */
export interface LoadedCadence {
  key: string;
  version: number;
  definition: Cadence;
}

/** Cadence reads: a workflow loads the newest version before each step. */
export function createCadenceActivities({ db }: Pick<ActivityDependencies, 'db'>) {
  return {
    /** The newest version of the cadence; a missing cadence is permanent, not retried. */
    async loadCadence(key: string): Promise<LoadedCadence> {
      const cadence = await findCadence(db, key);
      if (!cadence) {
        throw ApplicationFailure.nonRetryable(`cadence "${key}" does not exist`, 'CadenceNotFound');
      }
      return { key: cadence.key, version: cadence.version, definition: cadence.definition };
    },
  };
}
