import { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { trimToLastCompletedTask } from '../../support/replay.ts';

const History = temporal.api.history.v1.History;

// A running workflow's history as Temporal holds it: started, one completed task that
// started a timer and ran a local activity, then the timer fired and a new task began.
const started = { eventId: 1, workflowExecutionStartedEventAttributes: { workflowType: { name: 'leadLifecycle' } } };
const task = [
  { eventId: 2, workflowTaskScheduledEventAttributes: {} },
  { eventId: 3, workflowTaskStartedEventAttributes: { scheduledEventId: 2 } },
  { eventId: 4, workflowTaskCompletedEventAttributes: { scheduledEventId: 2, startedEventId: 3 } },
  { eventId: 5, markerRecordedEventAttributes: { markerName: 'core_local_activity', workflowTaskCompletedEventId: 4 } },
  { eventId: 6, timerStartedEventAttributes: { timerId: '1', workflowTaskCompletedEventId: 4 } },
];
const ids = (history: temporal.api.history.v1.IHistory) => (history.events ?? []).map((e) => Number(e.eventId));

describe('trimming a history to its last completed workflow task', () => {
  it('cuts a task still under way, with the events that arrived for it, and keeps the commands of the completed one', () => {
    const history = History.fromObject({
      events: [
        started,
        ...task,
        { eventId: 7, timerFiredEventAttributes: { timerId: '1', startedEventId: 6 } },
        { eventId: 8, workflowTaskScheduledEventAttributes: {} },
        { eventId: 9, workflowTaskStartedEventAttributes: { scheduledEventId: 8 } },
      ],
    });
    expect(ids(trimToLastCompletedTask(history))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('leaves a history that ends on a completed task, or has none, as it is', () => {
    const waiting = History.fromObject({ events: [started, ...task] });
    expect(trimToLastCompletedTask(waiting)).toBe(waiting);
    const first = History.fromObject({
      events: [started, { eventId: 2, workflowTaskScheduledEventAttributes: {} }],
    });
    expect(trimToLastCompletedTask(first)).toBe(first);
  });
});
