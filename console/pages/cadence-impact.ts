import Type from 'typebox';
import type { CadenceImpact } from '../../domain/cadence-impact.ts';
import type { SequenceStage } from '../../domain/sequence-plan.ts';
import { html, type Html } from '../html.ts';
import { formatNumber, messages, type Lang } from '../i18n.ts';

const text = messages({
  ja: {
    heading: 'この保存で動くリード',
    running: '実行中のリード（育成・顧客・再活性化）',
    at: '現在のステップ',
    stage: 'ステージ',
    step: 'ステップ',
    leads: 'リード数',
    pastEndAlready: '終了済み',
    moving: '別のステップに移るリード',
    pastEnd: 'シーケンスの終わりを過ぎるリード',
    covered:
      '月次の接触保証が引き続き毎月接触するため、放置されることはありません（再活性化のリードは育成に戻ります）。',
    notCovered: '接触保証がオフのため、イベントがあるまで接触されません。保証をオンにすることをお勧めします。',
    unknown: 'ステップがまだ記録されていないリード（次の接触の計画時に記録されます）',
    nurturing: '育成',
    customer: '顧客',
    reactivation: '再活性化',
  },
  en: {
    heading: 'Leads this save affects',
    running: 'Running leads (nurturing, customer, reactivation)',
    at: 'Where they are now',
    stage: 'Stage',
    step: 'Step',
    leads: 'Leads',
    pastEndAlready: 'past the end',
    moving: 'Leads that move to another step',
    pastEnd: 'Leads that fall past the end of the sequence',
    covered:
      'The monthly contact guarantee keeps touching them every month, so none is stranded (reactivation leads go back to nurturing).',
    notCovered:
      'The contact guarantee is off: they are not touched until an event comes. Consider turning the guarantee on.',
    unknown: 'Leads whose step is not recorded yet (their next planned touch records it)',
    nurturing: 'Nurturing',
    customer: 'Customer',
    reactivation: 'Reactivation',
  },
});

const STAGE_LETTER: Record<SequenceStage, string> = { nurturing: 'n', customer: 'c', reactivation: 'r' };
const LETTER_STAGE: Record<string, SequenceStage> = { n: 'nurturing', c: 'customer', r: 'reactivation' };

/** The editor's redirect carries the save's impact to the cadence page in these two query values. */
export const ImpactQuery = {
  impact: Type.Optional(
    Type.String({
      maxLength: 60,
      pattern: '^\\d{1,9}(\\.\\d{1,9}){3}\\.[01]$',
      description: 'running.moving.pastEnd.unknown.covered',
    }),
  ),
  at: Type.Optional(
    Type.String({
      maxLength: 2000,
      pattern: '^[ncr](\\d{1,3}|-)~\\d{1,9}(,[ncr](\\d{1,3}|-)~\\d{1,9})*$',
      description: 'stage letter, step, leads',
    }),
  ),
};

/** The query string that carries `impact` through the redirect after saving. */
export function impactQuery(impact: CadenceImpact): string {
  const numbers = [
    impact.running,
    impact.moving,
    impact.pastEnd,
    impact.stepUnknown,
    impact.pastEndCovered ? 1 : 0,
  ].join('.');
  const at = impact.byStep.map((s) => `${STAGE_LETTER[s.stage]}${s.step ?? '-'}~${s.leads}`).join(',');
  return `impact=${numbers}${at === '' ? '' : `&at=${encodeURIComponent(at)}`}`;
}

/** The impact back from the query values, or undefined when there is none. */
export function impactFromQuery(query: {
  impact?: string | undefined;
  at?: string | undefined;
}): CadenceImpact | undefined {
  if (query.impact === undefined) return undefined;
  const [running = 0, moving = 0, pastEnd = 0, stepUnknown = 0, covered = 0] = query.impact.split('.').map(Number);
  const byStep = (query.at ?? '')
    .split(',')
    .filter((x) => x !== '')
    .map((item) => {
      const [where = '', leads = '0'] = item.split('~');
      const step = where.slice(1);
      return {
        stage: LETTER_STAGE[where[0] ?? 'n'] ?? 'nurturing',
        step: step === '-' ? null : Number(step),
        leads: Number(leads),
      };
    });
  return { running, moving, pastEnd, stepUnknown, pastEndCovered: covered === 1, byStep };
}

/** What saving did to the running leads: where they are, how many move, how many fall past the end. */
export function impactSection(lang: Lang, impact: CadenceImpact): Html {
  const t = text(lang);
  const n = (value: number) => formatNumber(lang, value);
  return html`<section class="card" data-impact aria-labelledby="impact-heading"><h2 id="impact-heading">${t.heading}</h2>
<dl><dt>${t.running}</dt><dd data-impact-running>${n(impact.running)}</dd>
<dt>${t.moving}</dt><dd data-impact-moving>${n(impact.moving)}</dd>
<dt>${t.pastEnd}</dt><dd data-impact-past-end>${n(impact.pastEnd)}</dd>
${impact.stepUnknown > 0 ? html`<dt>${t.unknown}</dt><dd>${n(impact.stepUnknown)}</dd>` : ''}</dl>
${impact.pastEnd > 0 ? html`<p>${impact.pastEndCovered ? t.covered : t.notCovered}</p>` : ''}
${
  impact.byStep.length === 0
    ? ''
    : html`<div class="table-wrap"><table><caption>${t.at}</caption><thead><tr><th scope="col">${t.stage}</th><th scope="col" class="num">${t.step}</th><th scope="col" class="num">${t.leads}</th></tr></thead>
<tbody>${impact.byStep.map((s) => html`<tr><td>${t[s.stage]}</td><td class="num">${s.step === null ? t.pastEndAlready : String(s.step + 1)}</td><td class="num">${n(s.leads)}</td></tr>`)}</tbody></table></div>`
}
</section>`;
}
