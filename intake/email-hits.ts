import type pg from 'pg';
import { classifyHit, deliveryEngagement, type HitKind } from '../domain/machine-engagement.ts';
import {
  emailKnown,
  insertEmailHit,
  listEmailHits,
  lockEmailForHit,
  markHitsMachine,
  MAX_HITS_PER_EMAIL,
  setEmailEngagement,
} from '../db/repositories/email-stats.ts';
import { withTransaction } from '../db/transaction.ts';

/** One request to an email's open pixel or click redirect, as the tracking route saw it. */
export interface EmailHit {
  deliveryKey: string;
  kind: HitKind;
  method: string;
  userAgent: string | undefined;
  at: Date;
  url?: string | undefined;
}

/**
 * Records a tracking hit for the email report (issue 15), a person's or a machine's (see
 * domain/machine-engagement.ts), and updates the email's unique opens and clicks. The
 * email's row is locked for the transaction, so hits of one email are classified in turn
 * and a burst of clicks is seen whole. An email the report does not know (a notice, or
 * sent before the report existed) records nothing. Independent of the engagement score,
 * which counts through acceptEngagement.
 */
export async function recordEmailHit(
  db: pg.Pool,
  hit: EmailHit,
): Promise<{ machineReason: string | null } | undefined> {
  // One plain read first: a hit on an email the report does not know takes no transaction.
  if (!(await emailKnown(db, hit.deliveryKey))) return undefined;
  return withTransaction(db, async (tx) => {
    const email = await lockEmailForHit(tx, hit.deliveryKey);
    if (!email) return undefined;
    const prior = await listEmailHits(tx, hit.deliveryKey);
    if (prior.length >= MAX_HITS_PER_EMAIL) return undefined;
    const { reason, alsoMachine } = classifyHit(
      { kind: hit.kind, method: hit.method, userAgent: hit.userAgent, atMs: hit.at.getTime(), url: hit.url },
      email.sentAtMs,
      prior,
    );
    await insertEmailHit(tx, {
      deliveryKey: hit.deliveryKey,
      templateKey: email.templateKey,
      kind: hit.kind,
      url: hit.url ?? null,
      at: hit.at,
      machineReason: reason,
      userAgent: hit.userAgent,
    });
    await markHitsMachine(tx, alsoMachine, 'all_links_at_once');
    const taken = new Set(alsoMachine);
    const all = [
      ...prior.map((p) => ({
        kind: p.kind,
        machineReason: taken.has(p.id) ? ('all_links_at_once' as const) : p.machineReason,
      })),
      { kind: hit.kind, machineReason: reason },
    ];
    await setEmailEngagement(tx, hit.deliveryKey, deliveryEngagement(all));
    return { machineReason: reason };
  });
}
