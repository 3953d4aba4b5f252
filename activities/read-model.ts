import { setNextTouchAt } from '../db/repositories/leads.ts';
import type { ActivityDependencies } from './dependencies.ts';

/** Writes of the PostgreSQL read model, so the API answers without asking Temporal. */
export function createReadModelActivities({ db }: Pick<ActivityDependencies, 'db'>) {
  return {
    /** Records when the lead's next touch is due; `null` when none is scheduled. */
    async recordNextTouch(input: { leadId: string; at: string | null }): Promise<void> {
      await setNextTouchAt(db, input.leadId, input.at === null ? null : new Date(input.at));
    },
  };
}
