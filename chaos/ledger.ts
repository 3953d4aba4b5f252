import type { AcceptedMessage } from './flaky-smtp.ts';

/** A touch the run expects to reach the sink: one per lead (by recipient) and step. */
export interface ExpectedTouch {
  recipient: string;
  step: number;
}

/** The engine's delivery row of a touch, as the deliveries table holds it. */
export interface DeliveryRow {
  recipient: string;
  step: number;
  messageId: string;
  status: string;
}

/** What the ledger found. `lost` counts expected touches the sink never accepted. */
export interface LedgerFigures {
  expected: number;
  delivered: number;
  duplicatesByMessageId: number;
  duplicatesByLeadStep: number;
  lost: number;
  /** Of `lost`: touches whose worker died during the SMTP call; the engine does not resend those (it cannot know). */
  lostInDoubt: number;
  /** Touches the engine marked in doubt that the sink had in fact accepted. */
  inDoubtDelivered: number;
  /** Messages the sink accepted that match no expected touch (a wrong recipient or step). */
  unexpected: number;
  /** Messages whose Message-ID differs from the one the engine recorded for that lead and step. */
  messageIdMismatches: number;
}

/** The step a chaos touch's subject names ("chaos 2 L17" → 2), or undefined. */
export function stepOfSubject(subject: string): number | undefined {
  const match = /^chaos (\d+) /.exec(subject);
  return match ? Number(match[1]) : undefined;
}

const keyOf = (recipient: string, step: number) => `${recipient.toLowerCase()}#${step}`;

/**
 * Matches what the sink accepted against what was due and what the engine recorded:
 * every due touch accepted exactly once, counted both by Message-ID and by lead and step.
 */
export function checkLedger(
  expected: readonly ExpectedTouch[],
  accepted: readonly AcceptedMessage[],
  deliveries: readonly DeliveryRow[],
): LedgerFigures {
  const byMessageId = new Map<string, number>();
  const byLeadStep = new Map<string, AcceptedMessage[]>();
  for (const message of accepted) {
    byMessageId.set(message.messageId, (byMessageId.get(message.messageId) ?? 0) + 1);
    const step = stepOfSubject(message.subject);
    const key = keyOf(message.recipient, step ?? -1);
    byLeadStep.set(key, [...(byLeadStep.get(key) ?? []), message]);
  }
  const rows = new Map(deliveries.map((row) => [keyOf(row.recipient, row.step), row]));
  const expectedKeys = new Set(expected.map((touch) => keyOf(touch.recipient, touch.step)));
  let delivered = 0;
  let lost = 0;
  let lostInDoubt = 0;
  let messageIdMismatches = 0;
  for (const key of expectedKeys) {
    const got = byLeadStep.get(key) ?? [];
    const row = rows.get(key);
    if (got.length > 0) delivered++;
    else {
      lost++;
      if (row?.status === 'unknown') lostInDoubt++;
    }
    if (row !== undefined) messageIdMismatches += got.filter((message) => message.messageId !== row.messageId).length;
  }
  const sum = (counts: Iterable<number>) => [...counts].reduce((total, count) => total + Math.max(0, count - 1), 0);
  return {
    expected: expectedKeys.size,
    delivered,
    duplicatesByMessageId: sum(byMessageId.values()),
    duplicatesByLeadStep: sum([...byLeadStep.values()].map((list) => list.length)),
    lost,
    lostInDoubt,
    inDoubtDelivered: deliveries.filter(
      (row) => row.status === 'unknown' && (byLeadStep.get(keyOf(row.recipient, row.step))?.length ?? 0) > 0,
    ).length,
    unexpected: [...byLeadStep.entries()]
      .filter(([key]) => !expectedKeys.has(key))
      .reduce((total, [, list]) => total + list.length, 0),
    messageIdMismatches,
  };
}
