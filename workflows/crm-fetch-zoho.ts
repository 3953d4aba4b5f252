import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import type { ZohoModule } from '../crm/zoho/records.ts';
import { crmCalls } from './activities.ts';

/** A Zoho Notification API callback, as the API received it. */
export interface CrmFetchZohoInput {
  module: ZohoModule;
  operation: 'insert' | 'update';
  ids: string[];
}

/**
 * Fetches each record a Zoho notification named (the callback carries only ids) and
 * applies it to its lead, one activity per record so one bad record does not hold up the
 * others. Fails, naming the records, when any could not be applied.
 */
export async function crmFetchZoho(input: CrmFetchZohoInput): Promise<{ applied: number; gone: number }> {
  let applied = 0;
  let gone = 0;
  const failed: { id: string; reason: string }[] = [];
  for (const id of input.ids) {
    try {
      const result = await crmCalls.applyZohoRecord({ module: input.module, id });
      if (result.gone) gone++;
      else applied++;
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      failed.push({ id, reason: error.cause?.message ?? error.message });
    }
  }
  if (failed.length > 0)
    throw ApplicationFailure.nonRetryable(
      `${failed.length} of ${input.ids.length} Zoho ${input.module} records were not applied`,
      'ZohoRecordsNotApplied',
      failed,
    );
  return { applied, gone };
}
