import type { Cadence, Step } from '../../domain/cadence.ts';
import { parseDuration } from '../../domain/duration.ts';
import { EVENT_TYPES, type EventType } from '../../domain/scoring.ts';
import type { Lang } from '../i18n.ts';

/** The step sequences a cadence has, each edited as a list of steps. */
export const SEQUENCES = ['nurture', 'upsell', 'reactivation'] as const;

/** One of {@link SEQUENCES}. */
export type SequenceName = (typeof SEQUENCES)[number];

/** A step as typed into the form: text, kept as typed so a refused save shows it again. */
export interface StepForm {
  after: string;
  channel: string;
  template: string;
  title: string;
}

/**
 * The cadence editor's fields as the reader typed them. Field names in the HTML are the
 * JSON pointers of the cadence with dots (`nurture.steps.0.after` for `/nurture/steps/0/after`),
 * so the API's 422 paths find their field without a table.
 */
export interface CadenceForm {
  /** Cadence-wide fields the form has no inputs for yet (guarantee, minGap), carried through as JSON so a save keeps them. */
  extras: string;
  key: string;
  name: string;
  steps: Record<SequenceName, StepForm[]>;
  repeat: { nurture: boolean; upsell: boolean };
  points: Record<EventType, string>;
  threshold: string;
  halfLife: string;
  stalledAfter: string;
  returnToNurtureAfter: string;
  /** `escalation.remindAfter`: business hours before an unacknowledged escalation reminds its rep. */
  remindAfter: string;
  eligibleReasons: string;
  waitAfterEnd: string;
  capMax: string;
  capPer: string;
  windowOn: boolean;
  timezone: string;
  businessDays: boolean;
  from: string;
  to: string;
}

/** A problem with one field, by the cadence's JSON pointer (as the API reports them). */
export interface FieldProblem {
  path: string;
  message: string;
}

/** The form field named after a JSON pointer: `/nurture/steps/0/after` → `nurture.steps.0.after`. */
export const fieldName = (path: string): string => path.replace(/^\//, '').replaceAll('/', '.');

const emptyStep = (): StepForm => ({ after: 'P1M', channel: 'email', template: '', title: '' });

/** The form of a cadence nobody has written yet: one nurture step, the seed's send window. */
export function blankForm(): CadenceForm {
  return {
    extras: '',
    key: '',
    name: '',
    steps: { nurture: [emptyStep()], upsell: [], reactivation: [] },
    repeat: { nurture: false, upsell: false },
    points: Object.fromEntries(EVENT_TYPES.map((t) => [t, ''])) as Record<EventType, string>,
    threshold: '',
    halfLife: '',
    stalledAfter: '',
    returnToNurtureAfter: '',
    remindAfter: '',
    eligibleReasons: '',
    waitAfterEnd: '',
    capMax: '',
    capPer: '',
    windowOn: true,
    timezone: 'Asia/Tokyo',
    businessDays: true,
    from: '09:00',
    to: '18:00',
  };
}

const stepForm = (s: Step): StepForm => ({
  after: s.after,
  channel: s.channel,
  template: s.template ?? '',
  title: s.title ?? '',
});
const numberText = (n: number | undefined): string => (n === undefined ? '' : String(n));

/** The form showing a stored cadence. */
export function formFromCadence(key: string, cadence: Cadence): CadenceForm {
  const window = cadence.sendWindow;
  const blank = blankForm();
  const extras = {
    ...(cadence.guarantee ? { guarantee: cadence.guarantee } : {}),
    ...(cadence.minGap === undefined ? {} : { minGap: cadence.minGap }),
    // The per-reason waits have no fields of their own yet; carried so a save keeps them.
    ...(cadence.reactivation?.waitByReason ? { waitByReason: cadence.reactivation.waitByReason } : {}),
  };
  return {
    extras: Object.keys(extras).length > 0 ? JSON.stringify(extras) : '',
    key,
    name: cadence.name,
    steps: {
      nurture: cadence.nurture.steps.map(stepForm),
      upsell: (cadence.upsell?.steps ?? []).map(stepForm),
      reactivation: (cadence.reactivation?.steps ?? []).map(stepForm),
    },
    repeat: { nurture: cadence.nurture.repeat ?? false, upsell: cadence.upsell?.repeat ?? false },
    points: Object.fromEntries(EVENT_TYPES.map((t) => [t, numberText(cadence.scoring?.points[t])])) as Record<
      EventType,
      string
    >,
    threshold: numberText(cadence.scoring?.threshold),
    halfLife: cadence.scoring?.halfLife ?? '',
    stalledAfter: cadence.deal?.stalledAfter ?? '',
    returnToNurtureAfter: cadence.lostDeal?.returnToNurtureAfter ?? '',
    remindAfter: cadence.escalation?.remindAfter ?? '',
    eligibleReasons: (cadence.reactivation?.eligibleReasons ?? []).join(', '),
    waitAfterEnd: cadence.reactivation?.waitAfterEnd ?? '',
    capMax: numberText(cadence.frequencyCap?.max),
    capPer: cadence.frequencyCap?.per ?? '',
    // A cadence without a window sends any time; the fields keep the seed's hours to switch back to.
    windowOn: window !== null && window !== undefined,
    timezone: window?.timezone ?? blank.timezone,
    businessDays: window?.businessDays ?? blank.businessDays,
    from: window?.from ?? blank.from,
    to: window?.to ?? blank.to,
  };
}

/** A posted form body: urlencoded fields, a repeated name as a list. */
export type FormBody = Record<string, string | string[] | undefined>;

const STEP_FIELD = /^(nurture|upsell|reactivation)\.steps\.(\d{1,3})\.(after|channel|template|title)$/;

/** The form as posted: every field the editor renders, read back as typed (trimmed). */
export function formFromBody(body: FormBody): CadenceForm {
  const get = (name: string): string => {
    const value = body[name];
    return (Array.isArray(value) ? (value[0] ?? '') : (value ?? '')).trim();
  };
  const on = (name: string) => get(name) !== '';
  const steps: Record<SequenceName, StepForm[]> = { nurture: [], upsell: [], reactivation: [] };
  for (const name of Object.keys(body)) {
    const match = STEP_FIELD.exec(name);
    if (!match) continue;
    const [, sequence, index, field] = match as unknown as [string, SequenceName, string, keyof StepForm];
    const list = steps[sequence];
    const i = Number(index);
    // Indexes come from the page; a forged gap is closed below rather than trusted.
    while (list.length <= i) list.push({ after: '', channel: '', template: '', title: '' });
    (list[i] as StepForm)[field] = get(name);
  }
  for (const sequence of SEQUENCES)
    steps[sequence] = steps[sequence].filter((s) => s.after || s.channel || s.template || s.title);
  return {
    extras: get('extras'),
    key: get('key'),
    name: get('name'),
    steps,
    repeat: { nurture: on('nurture.repeat'), upsell: on('upsell.repeat') },
    points: Object.fromEntries(EVENT_TYPES.map((t) => [t, get(`scoring.points.${t}`)])) as Record<EventType, string>,
    threshold: get('scoring.threshold'),
    halfLife: get('scoring.halfLife'),
    stalledAfter: get('deal.stalledAfter'),
    returnToNurtureAfter: get('lostDeal.returnToNurtureAfter'),
    remindAfter: get('escalation.remindAfter'),
    eligibleReasons: get('reactivation.eligibleReasons'),
    waitAfterEnd: get('reactivation.waitAfterEnd'),
    capMax: get('frequencyCap.max'),
    capPer: get('frequencyCap.per'),
    windowOn: get('sendWindow.mode') !== 'none',
    timezone: get('sendWindow.timezone'),
    businessDays: on('sendWindow.businessDays'),
    from: get('sendWindow.from'),
    to: get('sendWindow.to'),
  };
}

/**
 * The cadence JSON the API expects for `form`, and the problems the form alone can tell
 * (a number that is not one). Everything else, durations included, is the API's to judge:
 * the console shows its 422 beside the fields rather than keeping a second set of rules.
 * An optional section whose fields are all empty is left out.
 */
export function cadenceFromForm(form: CadenceForm): { cadence: Record<string, unknown>; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const number = (path: string, text: string, integer = false): number | undefined => {
    if (text === '') return undefined;
    const n = Number(text);
    if (!Number.isFinite(n) || (integer && !Number.isInteger(n))) {
      problems.push({ path, message: integer ? 'must be a whole number' : 'must be a number' });
      return undefined;
    }
    return n;
  };
  const step = (s: StepForm): Record<string, string> => ({
    after: s.after,
    channel: s.channel,
    ...(s.template === '' ? {} : { template: s.template }),
    ...(s.title === '' ? {} : { title: s.title }),
  });
  const cadence: Record<string, unknown> = {
    name: form.name,
    nurture: { steps: form.steps.nurture.map(step), repeat: form.repeat.nurture },
  };
  const points: Record<string, number> = {};
  for (const t of EVENT_TYPES) {
    const n = number(`/scoring/points/${t}`, form.points[t]);
    if (n !== undefined) points[t] = n;
  }
  const threshold = number('/scoring/threshold', form.threshold);
  if (threshold !== undefined || form.halfLife !== '' || Object.keys(points).length > 0) {
    cadence.scoring = {
      points,
      ...(threshold === undefined ? {} : { threshold }),
      ...(form.halfLife === '' ? {} : { halfLife: form.halfLife }),
    };
  }
  if (form.stalledAfter !== '') cadence.deal = { stalledAfter: form.stalledAfter };
  if (form.returnToNurtureAfter !== '') cadence.lostDeal = { returnToNurtureAfter: form.returnToNurtureAfter };
  if (form.remindAfter !== '') cadence.escalation = { remindAfter: form.remindAfter };
  if (form.steps.upsell.length > 0) cadence.upsell = { steps: form.steps.upsell.map(step), repeat: form.repeat.upsell };
  const reasons = form.eligibleReasons
    .split(/[,、\n]/)
    .map((r) => r.trim())
    .filter((r) => r !== '');
  if (reasons.length > 0 || form.waitAfterEnd !== '' || form.steps.reactivation.length > 0) {
    cadence.reactivation = {
      eligibleReasons: reasons,
      ...(form.waitAfterEnd === '' ? {} : { waitAfterEnd: form.waitAfterEnd }),
      steps: form.steps.reactivation.map(step),
    };
  }
  const max = number('/frequencyCap/max', form.capMax, true);
  if (max !== undefined || form.capPer !== '')
    cadence.frequencyCap = {
      ...(max === undefined ? {} : { max }),
      ...(form.capPer === '' ? {} : { per: form.capPer }),
    };
  cadence.sendWindow = form.windowOn
    ? { timezone: form.timezone, businessDays: form.businessDays, from: form.from, to: form.to }
    : null;
  if (form.extras !== '') {
    try {
      const extras = JSON.parse(form.extras) as Record<string, unknown>;
      for (const field of ['guarantee', 'minGap']) if (extras[field] !== undefined) cadence[field] = extras[field];
      const reactivation = cadence.reactivation as Record<string, unknown> | undefined;
      if (reactivation && extras.waitByReason !== undefined) reactivation.waitByReason = extras.waitByReason;
    } catch {
      problems.push({
        path: '/',
        message: 'the carried guarantee and minGap fields are not valid JSON; reload the editor',
      });
    }
  }
  return { cadence, problems };
}

/** What a step button asks for: `add-step:nurture`, `remove-step:upsell:2`, `up-step:…`, `down-step:…`. */
export type StepAction =
  { kind: 'add'; sequence: SequenceName } | { kind: 'remove' | 'up' | 'down'; sequence: SequenceName; index: number };

/** The step action a button's value names, if it names one. */
export function parseStepAction(value: string): StepAction | undefined {
  const match = /^(add|remove|up|down)-step:(nurture|upsell|reactivation)(?::(\d{1,3}))?$/.exec(value);
  if (!match) return undefined;
  const [, kind, sequence, index] = match as unknown as [string, StepAction['kind'], SequenceName, string | undefined];
  if (kind === 'add') return index === undefined ? { kind, sequence } : undefined;
  return index === undefined ? undefined : { kind, sequence, index: Number(index) };
}

/** `form` with a step added, removed or moved; an index outside the list changes nothing. */
export function applyStepAction(form: CadenceForm, action: StepAction): CadenceForm {
  const list = [...form.steps[action.sequence]];
  if (action.kind === 'add') {
    list.push({ ...emptyStep(), after: list.at(-1)?.after || 'P1M' });
  } else if (action.index < list.length) {
    const target = action.kind === 'up' ? action.index - 1 : action.index + 1;
    if (action.kind === 'remove') list.splice(action.index, 1);
    else if (target >= 0 && target < list.length)
      [list[action.index], list[target]] = [list[target] as StepForm, list[action.index] as StepForm];
  }
  return { ...form, steps: { ...form.steps, [action.sequence]: list } };
}

const UNITS = {
  ja: { years: '年', months: 'か月', weeks: '週間', days: '日', hours: '時間', minutes: '分', seconds: '秒' },
  en: {
    years: 'year',
    months: 'month',
    weeks: 'week',
    days: 'day',
    hours: 'hour',
    minutes: 'minute',
    seconds: 'second',
  },
} as const;

/** An ISO 8601 duration in words ("1 month", "2週間3日"), or undefined when it does not parse. */
export function durationInWords(lang: Lang, text: string): string | undefined {
  let duration;
  try {
    duration = parseDuration(text);
  } catch {
    return undefined;
  }
  const parts = (Object.keys(UNITS.en) as (keyof typeof UNITS.en)[]).flatMap((unit) => {
    const n = duration[unit];
    if (n === 0) return [];
    return [lang === 'ja' ? `${n}${UNITS.ja[unit]}` : `${n} ${UNITS.en[unit]}${n === 1 ? '' : 's'}`];
  });
  return parts.join(lang === 'ja' ? '' : ' ');
}
