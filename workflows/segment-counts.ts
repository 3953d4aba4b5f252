import { continueAsNew, sleep } from '@temporalio/workflow';
import { nextSegmentCountAt } from '../domain/segment-counts.ts';
import { bulk } from './activities.ts';

// Days per run before continuing as new: a short history (about six events a day).
const DAYS_PER_RUN = 60;

/**
 * Counts every segment once a day, just after midnight in Asia/Tokyo, for the segments'
 * count-over-time charts: a durable timer, so a day is not skipped while workers restart,
 * and one workflow per task queue, so the counts are taken once however many workers run.
 * The first count is taken when the workflow starts (a save counts its segment too).
 */
export async function segmentCounts(): Promise<void> {
  for (let day = 0; day < DAYS_PER_RUN; day++) {
    await bulk.snapshotSegmentCounts();
    await sleep(nextSegmentCountAt(Date.now()) - Date.now());
  }
  await continueAsNew<typeof segmentCounts>();
}
