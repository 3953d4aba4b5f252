import { ApplicationFailure, log } from '@temporalio/activity';
import { taskDueAt } from '../domain/task-due.ts';
import { nextRep } from '../db/repositories/escalations.ts';
import { findLead, type Lead } from '../db/repositories/leads.ts';
import { createTaskOnce, findTaskByIdempotencyKey, type Letter, type Task } from '../db/repositories/tasks.ts';
import { renderFollowUpNotice } from '../mail/follow-up-notices.ts';
import { resolveTemplate } from '../mail/template-source.ts';
import { appendTimeline } from '../db/repositories/timeline.ts';
import { InvalidTemplateError, renderEmail } from '../mail/render.ts';
import { touches } from '../observability/metrics.ts';
import { deliverOnce } from './deliver-once.ts';
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
export function createTaskActivities(
  deps: Pick<ActivityDependencies, 'db' | 'templates' | 'mailer' | 'mailFrom' | 'salesReps' | 'publicBaseUrl'>,
) {
  const { db, templates, salesReps, publicBaseUrl } = deps;
  /**
   * The DM's letter: the template's newest version rendered for the lead, as an email is
   * (lead data HTML-escaped). A DM without its letter is of no use to the print vendor,
   * so a missing or invalid template fails the touch for good (the workflow records
   * `touch_failed` and goes on with the cadence), as it does for an email.
   */
  const renderLetter = async (templateKey: string, lead: Lead): Promise<Letter> => {
    try {
      const resolved = await resolveTemplate(db, templateKey, lead.locale);
      if (!resolved)
        throw ApplicationFailure.nonRetryable(`template "${templateKey}" does not exist`, 'TemplateNotFound');
      const compiled = await templates.get(resolved.cacheKey, resolved.template.version, resolved.content);
      const { subject, html } = renderEmail(compiled, { lead });
      return { subject, html, templateVersion: resolved.template.version };
    } catch (error) {
      if (error instanceof InvalidTemplateError)
        throw ApplicationFailure.nonRetryable(error.message, 'InvalidTemplate');
      throw error;
    }
  };

  /**
   * Emails the task's owner once (the exactly-once path, keyed by the task's own key). A
   * mail server that refuses the notice for good does not undo the task: the lead's
   * timeline says the notice failed, and the task waits in the owner's list.
   */
  const noticeOwner = async (lead: Lead, task: Task, idempotencyKey: string, at: Date): Promise<void> => {
    if (task.ownerEmail === null) return;
    const owner = task.ownerEmail;
    try {
      await deliverOnce(deps, {
        idempotencyKey: `${idempotencyKey}/notice`,
        leadId: lead.id,
        kind: 'notification',
        templateKey: 'notice-task-created',
        to: owner,
        render: () =>
          Promise.resolve(
            renderFollowUpNotice({
              kind: 'task_created',
              lead,
              title: task.title ?? '',
              dueAt: task.dueAt ?? undefined,
              actionUrl: `${publicBaseUrl}/tasks?owner=${encodeURIComponent(owner)}`,
              leadUrl: `${publicBaseUrl}/leads/${lead.id}`,
            }),
          ),
      });
    } catch (error) {
      if (!(error instanceof ApplicationFailure) || !error.nonRetryable) throw error;
      await appendTimeline(db, {
        leadId: lead.id,
        at,
        kind: 'task_notice_failed',
        detail: { taskId: task.id, owner, error: error.message },
        dedupeKey: `${idempotencyKey}/notice-failed`,
      });
    }
  };

  return {
    /**
     * Creates the task once. A DM needs a postal address: a lead without one gets no task
     * and a timeline entry saying why. A DM with a template carries its rendered letter.
     * A to-do goes to the lead's deal owner, else its owner, else the next rep of the
     * round-robin (as escalations pick one), is due in two business days, and its owner
     * gets an email notice once.
     */
    async createTask(input: CreateTaskInput): Promise<{ status: 'created' | 'no_address'; taskId?: string }> {
      const lead = await findLead(db, input.leadId);
      if (!lead) throw ApplicationFailure.nonRetryable(`lead ${input.leadId} does not exist`, 'LeadNotFound');
      const at = new Date(input.atMs);
      if (input.kind === 'dm' && !lead.postalAddress) {
        await appendTimeline(db, {
          leadId: lead.id,
          at,
          kind: 'dm_skipped',
          detail: { template: input.templateKey, reason: 'no postal address' },
          dedupeKey: `${input.idempotencyKey}/skipped`,
        });
        return { status: 'no_address' };
      }
      // A retry after the task was stored keeps that task and its letter: rendering again
      // could meet a template edited or broken since, and fail a touch that succeeded.
      const task =
        (await findTaskByIdempotencyKey(db, input.idempotencyKey)) ??
        (
          await createTaskOnce(db, {
            idempotencyKey: input.idempotencyKey,
            leadId: lead.id,
            kind: input.kind,
            templateKey: input.templateKey,
            title: input.title,
            postalAddress: input.kind === 'dm' ? lead.postalAddress : undefined,
            ownerEmail:
              lead.deal?.ownerEmail ??
              lead.ownerEmail ??
              (input.kind === 'todo' ? await nextRep(db, salesReps) : undefined),
            letter:
              input.kind === 'dm' && input.templateKey !== undefined
                ? await renderLetter(input.templateKey, lead)
                : undefined,
            dueAt: input.kind === 'todo' ? new Date(taskDueAt(input.atMs, lead.timezone)) : undefined,
          })
        ).task;
      const detail =
        input.kind === 'dm'
          ? { taskId: task.id, template: input.templateKey, title: input.title }
          : { taskId: task.id, title: input.title, owner: task.ownerEmail, dueAt: task.dueAt?.toISOString() ?? null };
      // Counted with its timeline entry, which is written once however often this is retried.
      if (
        await appendTimeline(db, {
          leadId: lead.id,
          at,
          kind: input.kind === 'dm' ? 'dm_task_created' : 'task_created',
          detail,
          dedupeKey: input.idempotencyKey,
        })
      ) {
        touches.inc({ channel: input.kind === 'dm' ? 'dm' : 'task' });
        log.info(input.kind === 'dm' ? 'DM task created' : 'task created', {
          taskId: task.id,
          templateKey: input.templateKey,
        });
      }
      if (input.kind === 'todo') await noticeOwner(lead, task, input.idempotencyKey, at);
      return { status: 'created', taskId: task.id };
    },
  };
}
