import { decayedScore } from '../domain/scoring.ts';

/** The score now: stored as of its last event, it decays with the cadence's half-life. Rounded to 2 decimals. */
export function scoreNow(lead: { score: number; scoreAt: Date | null; scoreHalfLifeMs: number | null }, nowMs: number): number {
  if (lead.scoreAt === null || lead.scoreHalfLifeMs === null) return lead.score;
  return Math.round(decayedScore({ value: lead.score, atMs: lead.scoreAt.getTime() }, nowMs, lead.scoreHalfLifeMs) * 100) / 100;
}
