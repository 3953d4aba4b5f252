import { describe, expect, it } from 'vitest';
import { loadRecordedHistories, replay } from '../support/replay.ts';

// Histories kept in test/replay/histories/: the top folder from the lifecycle tests of an
// early version, each sub-folder from one released version (RECORD_HISTORIES=1, see
// docs/testing.md). Replaying them against today's workflow code fails when a change is
// not deterministic for workflows an older version left running: such a change needs
// patched() (see docs/lifecycle.md, "Changing workflow code").

type Recorded = Awaited<ReturnType<typeof loadRecordedHistories>>[number];

/** What a history covers: its workflow type and the kinds of `leadEvent` signals in it. */
function coverage(recorded: Recorded): { workflowType: string; signalKinds: string[] } {
  const events = recorded.history.events ?? [];
  const workflowType = events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? '';
  const signalKinds = events.flatMap((e) => {
    const data = e.workflowExecutionSignaledEventAttributes?.input?.payloads?.[0]?.data;
    return data ? [(JSON.parse(Buffer.from(data).toString('utf8')) as { kind?: string }).kind ?? ''] : [];
  });
  return { workflowType, signalKinds };
}

describe('recorded histories', () => {
  it('include, from a released version, the signals and workflows most likely to change', async () => {
    const released = (await loadRecordedHistories()).filter((h) => h.workflowId.includes('/')).map(coverage);
    const signalKinds = new Set(released.flatMap((c) => c.signalKinds));
    const workflowTypes = new Set(released.map((c) => c.workflowType));
    for (const kind of [
      'stage_moved',
      'email_bounced',
      'do_not_contact',
      'unsubscribed',
      'engagement',
      'pause',
      'resume',
    ])
      expect(signalKinds, kind).toContain(kind);
    for (const type of ['leadLifecycle', 'crmFetchZoho', 'crmFetchHubspot'])
      expect(workflowTypes, type).toContain(type);
  });

  it('replay against the current workflow code without a nondeterminism error', async () => {
    const histories = await loadRecordedHistories();
    expect(await replay(histories)).toEqual([]);
  });
});
