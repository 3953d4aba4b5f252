import { continueAsNew, workflowInfo } from '@temporalio/workflow';
import type { BulkActionInput } from '../domain/bulk-actions.ts';
import { bulk } from './activities.ts';

/** Leads per page, unless the input says. */
const DEFAULT_PAGE_SIZE = 100;
/** Pages per run before continuing as new: keeps the history short on a run of 100,000 leads. */
const PAGES_PER_RUN = 200;

/**
 * Runs one bulk action: freezes its selection, then applies pages of leads until none is
 * left or a person cancels it, then records the end. All its state is in PostgreSQL (each
 * lead's outcome, recorded once), so a retried page, a worker restart or a continue-as-new
 * resumes exactly where the last recorded lead ended.
 */
export async function bulkAction(input: BulkActionInput): Promise<void> {
  const { bulkActionId } = input;
  if (input.selected !== true) {
    const taken = await bulk.takeBulkSelection({ bulkActionId });
    if (taken.state !== 'running') {
      await bulk.finishBulkAction({ bulkActionId });
      return;
    }
  }
  for (let pages = 0; ; pages++) {
    const page = await bulk.applyBulkActionPage({ bulkActionId, limit: input.pageSize ?? DEFAULT_PAGE_SIZE });
    if (page.stopped || !page.remaining) break;
    if (pages + 1 >= PAGES_PER_RUN || workflowInfo().continueAsNewSuggested)
      await continueAsNew<typeof bulkAction>({ ...input, selected: true });
  }
  await bulk.finishBulkAction({ bulkActionId });
}
