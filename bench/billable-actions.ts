// A CommonJS module: Node's ESM loader sees only its default export.
import proto from '@temporalio/proto';

const { temporal } = proto;
type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;
const EventType = temporal.api.enums.v1.EventType;

/**
 * The Temporal Cloud Actions a workflow run's history shows, by kind, counted as Temporal
 * Cloud's "Actions" page defines them (docs/operations.md cites it): a workflow start
 * (client start or continue-as-new; a signal-with-start that started the run counts once),
 * each activity scheduled and each retry (attempt − 1 on its started event), all local
 * activity markers of one workflow task as one, each timer, each signal received, each
 * search-attribute upsert (not one that only sets `TemporalChangeVersion`), each accepted
 * update, each options update, and two for a child workflow start. Queries and activity
 * heartbeats are Actions too but leave no event: the caller adds those.
 */
export function billableActions(events: readonly HistoryEvent[]): Record<string, number> {
  const counts: Record<string, number> = {};
  const add = (kind: string, n = 1) => {
    if (n > 0) counts[kind] = (counts[kind] ?? 0) + n;
  };
  const localActivityTasks = new Set<string>();
  for (const [i, event] of events.entries()) {
    switch (event.eventType) {
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
        add('workflow started');
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED: {
        // Signal-with-start: the started event directly before, one Action for both.
        const previous = events[i - 1];
        if (i === 1 && previous?.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED) break;
        add('signal');
        break;
      }
      case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
        add('activity');
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
        add('activity retry', (event.activityTaskStartedEventAttributes?.attempt ?? 1) - 1);
        break;
      case EventType.EVENT_TYPE_MARKER_RECORDED: {
        const attributes = event.markerRecordedEventAttributes;
        if (attributes?.markerName === 'core_local_activity')
          localActivityTasks.add(String(attributes.workflowTaskCompletedEventId ?? i));
        break;
      }
      case EventType.EVENT_TYPE_TIMER_STARTED:
        add('timer');
        break;
      case EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: {
        const fields = Object.keys(
          event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {},
        );
        if (fields.some((name) => name !== 'TemporalChangeVersion')) add('search attributes upserted');
        break;
      }
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
        add('update');
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_OPTIONS_UPDATED:
        add('options updated');
        break;
      case EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
        add('child workflow started', 2);
        break;
      default:
        break;
    }
  }
  add('local activities', localActivityTasks.size);
  return counts;
}

/** The name of an event type without its prefix (`TIMER_STARTED`), for tables. */
export function eventTypeName(event: HistoryEvent): string {
  return (EventType[event.eventType ?? 0] ?? String(event.eventType)).replace(/^EVENT_TYPE_/, '');
}
