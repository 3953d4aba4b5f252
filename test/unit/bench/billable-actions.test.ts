import { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { billableActions, eventTypeName } from '../../../bench/billable-actions.ts';

const T = temporal.api.enums.v1.EventType;
type Event = temporal.api.history.v1.IHistoryEvent;
const event = (eventType: temporal.api.enums.v1.EventType, more: Partial<Event> = {}): Event => ({
  eventType,
  ...more,
});
const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

describe('billableActions', () => {
  it('counts a start, each activity, each retry beyond the first attempt, each timer and each signal', () => {
    const counts = billableActions([
      event(T.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED),
      event(T.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED),
      event(T.EVENT_TYPE_WORKFLOW_TASK_STARTED),
      event(T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED),
      event(T.EVENT_TYPE_TIMER_STARTED),
      event(T.EVENT_TYPE_TIMER_FIRED),
      event(T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED),
      event(T.EVENT_TYPE_ACTIVITY_TASK_STARTED, { activityTaskStartedEventAttributes: { attempt: 3 } }),
      event(T.EVENT_TYPE_ACTIVITY_TASK_COMPLETED),
      event(T.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED),
      event(T.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW),
    ]);
    expect(counts).toEqual({ 'workflow started': 1, timer: 1, activity: 1, 'activity retry': 2, signal: 1 });
  });

  it('counts a signal-with-start that started the run once, and a later signal again', () => {
    const counts = billableActions([
      event(T.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED),
      event(T.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED),
      event(T.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED),
      event(T.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED),
    ]);
    expect(counts).toEqual({ 'workflow started': 1, signal: 1 });
  });

  it('counts the local activity markers of one workflow task as one Action, and ignores patch markers and version-only upserts', () => {
    const marker = (name: string, task: number): Event =>
      event(T.EVENT_TYPE_MARKER_RECORDED, {
        // The SDK decodes event ids as Long; a number reads the same for this count.
        markerRecordedEventAttributes: {
          markerName: name,
          workflowTaskCompletedEventId: task,
        } as unknown as temporal.api.history.v1.IMarkerRecordedEventAttributes,
      });
    const counts = billableActions([
      marker('core_local_activity', 4),
      marker('core_local_activity', 4),
      marker('core_local_activity', 9),
      marker('core_patch', 9),
      event(T.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES, {
        upsertWorkflowSearchAttributesEventAttributes: {
          searchAttributes: { indexedFields: { TemporalChangeVersion: {} } },
        },
      }),
      event(T.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED),
    ]);
    expect(counts).toEqual({ 'local activities': 2, 'child workflow started': 2 });
    expect(total(counts)).toBe(4);
  });

  it('names event types without their prefix', () => {
    expect(eventTypeName(event(T.EVENT_TYPE_TIMER_STARTED))).toBe('TIMER_STARTED');
  });
});
