import { describe, expect, it } from 'vitest';
import { runChaos } from '../../chaos/run.ts';

// The short chaos run (`npm run chaos` is the long one): the cluster topology with three
// workers against a flaky SMTP sink, two workers killed with SIGKILL and the Temporal
// server restarted while the touches fall due; then the ledger.

describe('the short chaos run', () => {
  it(
    'delivers every due touch exactly once through worker kills, a Temporal restart and a flaky SMTP server',
    { timeout: 1_200_000 },
    async () => {
      const report = await runChaos({
        leads: 200,
        workers: 3,
        workerKills: 2,
        restartTemporal: true,
        restartPostgres: false,
        bounceEvery: 25,
        stepAfter: 'PT15S',
        faultWindowS: 30,
        rates: { tempFail: 0.05, dropMidData: 0.03, slow: 0.05, slowMs: 2000 },
        seed: 13,
        settleTimeoutS: 600,
        log: (line) => process.stdout.write(`[chaos] ${line}\n`),
      });
      process.stdout.write(`[chaos] ${JSON.stringify(report)}\n`);
      expect(report.kills).toBe(2);
      expect(report.restarts.temporal).toBe(1);
      expect(report.smtpFaults.tempFail + report.smtpFaults.dropMidData).toBeGreaterThan(0);
      expect(report.ledger.duplicatesByMessageId).toBe(0);
      expect(report.ledger.duplicatesByLeadStep).toBe(0);
      expect(report.ledger.unexpected).toBe(0);
      expect(report.ledger.messageIdMismatches).toBe(0);
      // A touch whose worker died inside the SMTP call is not resent (it might have arrived):
      // the only way a touch may go missing, and it must be marked so.
      expect(report.ledger.lost).toBe(report.ledger.lostInDoubt);
      expect(report.ledger.delivered + report.ledger.lost).toBe(report.touchesDue);
      expect(report.permanentFailuresOnTimeline).toBe(report.bounceLeads);
      expect(report.workflowsNotRunning).toEqual([]);
      expect(report.passed).toBe(true);
    },
  );
});
