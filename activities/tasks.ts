import { ApplicationFailure } from '@temporalio/activity';
import { findLead } from '../db/repositories/leads.ts';
import { createTaskOnce } from '../db/repositories/tasks.ts';
import { appendTimeline } from '../db/repositories/timeline.ts';
import type { ActivityDependencies } from './dependencies.ts';

/** A `dm` or `task` step to turn into work for a person. */
export interface CreateTaskInput {
  leadId: string;
  kind: 'dm' | 'todo';
  templateKey?: string | undefined;
  title?: string | undefined;
  atMs: number;
  idempotencyKey: string;
}

/** DM tasks (postal mail) and owner to-dos, once per step. */
export function createTaskActivities({ db }: Pick<ActivityDependencies, 'db'>) {
  return {
    /**
     * Creates the task once. A DM needs a postal address: a lead without one gets no task
     * and a timeline entry saying why.
     */
    async createTask(input: CreateTaskInput): Promise<{ status: 'created' | 'no_address'; taskId?: string }> {
      const lead = await findLead(db, input.leadId);
      if (!lead) throw ApplicationFailure.nonRetryable(`lead ${input.leadId} does not exist`, 'LeadNotFound');
      const at = new Date(input.atMs);
      if (input.kind === 'dm' && !lead.postalAddress) {
        await appendTimeline(db, { leadId: lead.id, at, kind: 'dm_skipped', detail: { template: input.templateKey, reason: 'no postal address' }, dedupeKey: `${input.idempotencyKey}/skipped` });
        return { status: 'no_address' };
      }
      const { task } = await createTaskOnce(db, {
        idempotencyKey: input.idempotencyKey,
        leadId: lead.id,
        kind: input.kind,
        templateKey: input.templateKey,
        title: input.title,
        postalAddress: input.kind === 'dm' ? lead.postalAddress : undefined,
        ownerEmail: lead.deal?.ownerEmail ?? lead.ownerEmail,
      });
      await appendTimeline(db, { leadId: lead.id, at, kind: input.kind === 'dm' ? 'dm_task_created' : 'task_created', detail: { taskId: task.id, template: input.templateKey, title: input.title }, dedupeKey: input.idempotencyKey });
      return { status: 'created', taskId: task.id };
    },
  };
}
