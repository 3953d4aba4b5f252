import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runChaos, type ChaosReport } from './run.ts';

// `npm run chaos`: the long run. Sizes come from the environment so the same command
// can be scaled down on a small machine; the figures are printed and written as JSON.

const number = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new Error(`${name} must be a whole number, got "${raw}"`);
  return Number(raw);
};

const log = (line: string) => process.stdout.write(`${line}\n`);
const out = path.resolve(process.env.CHAOS_REPORT ?? path.join('.data', 'chaos', 'report.json'));

const report = await runChaos({
  leads: number('CHAOS_LEADS', 2000),
  workers: number('CHAOS_WORKERS', 3),
  workerKills: number('CHAOS_KILLS', 6),
  restartTemporal: true,
  restartPostgres: true,
  bounceEvery: number('CHAOS_BOUNCE_EVERY', 50),
  stepAfter: process.env.CHAOS_STEP_AFTER ?? 'PT60S',
  faultWindowS: number('CHAOS_FAULT_WINDOW_S', 120),
  rates: { tempFail: 0.05, dropMidData: 0.03, slow: 0.05, slowMs: 3000 },
  seed: number('CHAOS_SEED', 13),
  settleTimeoutS: number('CHAOS_SETTLE_TIMEOUT_S', 1200),
  log,
});
await mkdir(path.dirname(out), { recursive: true });
await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
print(report);
log(`report: ${out}`);
process.exit(report.passed ? 0 : 1);

function print(r: ChaosReport): void {
  const l = r.ledger;
  log('');
  log(`leads ${r.leads} (${r.bounceLeads} with an address the sink refuses with 550)`);
  log(
    `touches due ${r.touchesDue}, delivered ${l.delivered}, lost ${l.lost} (in doubt: ${l.lostInDoubt}), duplicates ${l.duplicatesByMessageId} by Message-ID / ${l.duplicatesByLeadStep} by lead+step, unexpected ${l.unexpected}`,
  );
  log(
    `in-doubt touches the sink had accepted: ${l.inDoubtDelivered}; deliveries by status ${JSON.stringify(r.deliveriesByStatus)}`,
  );
  log(
    `550s on the timeline ${r.permanentFailuresOnTimeline}/${r.bounceLeads}; workflows running ${r.workflowsRunning}/${r.leads}`,
  );
  log(
    `SMTP faults: ${r.smtpFaults.tempFail} x 421, ${r.smtpFaults.dropMidData} cut mid-DATA, ${r.smtpFaults.slow} slow, ${r.smtpFaults.refused550} x 550`,
  );
  log(`worker kills ${r.kills}, Temporal restarts ${r.restarts.temporal}, PostgreSQL restarts ${r.restarts.postgres}`);
  for (const f of r.faults)
    log(
      `  ${f.kind.padEnd(17)} at ${String(f.atS).padStart(6)} s  down ${String(f.downS).padStart(5)} s  first delivery after ${f.recoveredS ?? 'none'} s`,
    );
  log(`leads created in ${r.durationS.createLeads} s; whole run ${r.durationS.total} s`);
  log(r.passed ? 'PASSED' : 'FAILED');
}
