// Prints the default cadence's nurture touches for two years from one start date as a
// Markdown table, from the same planner the workflow runs: `npm run timeline -- 2027-01-04`.
// docs/cadences.md holds its output.
import { Temporal } from 'temporal-polyfill/implementation';
import { DEFAULT_CADENCE } from '../domain/default-cadence.ts';
import { planCadenceOf } from '../domain/sequence-plan.ts';
import { reasonMessage } from '../domain/touch-reasons.ts';
import { simulateTouches } from '../domain/touch-simulation.ts';

const date = process.argv[2] ?? '2027-01-04';
const hasPostalAddress = !process.argv.includes('--no-address');
const timeZone = 'Asia/Tokyo';
const start = Temporal.PlainDate.from(date).toZonedDateTime({ timeZone, plainTime: '10:00' });
const plan = planCadenceOf(DEFAULT_CADENCE, 'nurturing');
if (!plan) throw new Error('the default cadence has no nurture sequence');
const touches = simulateTouches({
  cadence: plan,
  timeZone,
  startMs: start.epochMilliseconds,
  untilMs: start.add({ years: 2 }).epochMilliseconds,
  lead: { hasPostalAddress, emailSuppressed: false, doNotContact: false },
});

const format = (ms: number) =>
  new Intl.DateTimeFormat('en-GB', {
    timeZone,
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
  }).format(new Date(ms));

const lines = [
  `Default cadence, nurturing, lead created ${format(start.epochMilliseconds)} (${timeZone})${hasPostalAddress ? '' : ', no postal address'}:`,
  '',
  '| # | Goes out | Due | What | Channel | Template | Why then / why this |',
  '|---|---|---|---|---|---|---|',
  ...touches.map((t, i) => {
    const what = t.kind === 'guarantee' ? 'guarantee' : `step ${(t.step ?? 0) + 1}`;
    const why = t.reasons.map((r) => reasonMessage(r, 'en')).join('; ') || '—';
    return `| ${i + 1} | ${format(t.atMs as number)} | ${format(t.dueAtMs)} | ${what} | ${t.channel} | ${t.template ?? t.title ?? '—'} | ${why} |`;
  }),
];
process.stdout.write(`${lines.join('\n')}\n`);
