import { describe, expect, it } from 'vitest';
import { cadenceProblems } from '../../../domain/cadence.ts';
import { DEFAULT_CADENCE } from '../../../domain/default-cadence.ts';
import {
  applyStepAction,
  blankForm,
  cadenceFromForm,
  durationInWords,
  fieldName,
  formFromBody,
  formFromCadence,
  parseStepAction,
  type FormBody,
} from '../../../console/pages/cadence-form.ts';

/** The urlencoded body a browser would post for `form`'s fields, as the editor names them. */
function bodyOf(entries: Record<string, string>): FormBody {
  return { _csrf: 'x', action: 'save', ...entries };
}

describe('cadence form <-> JSON', () => {
  it('round-trips the default cadence through the form unchanged', () => {
    const { key: _key, ...expected } = DEFAULT_CADENCE;
    const { cadence, problems } = cadenceFromForm(formFromCadence('default', DEFAULT_CADENCE));
    expect(problems).toEqual([]);
    expect(cadence).toEqual(expected);
    expect(cadenceProblems(cadence)).toEqual([]);
  });

  it('reads posted fields named after JSON pointers, leaving empty optional sections out', () => {
    const form = formFromBody(
      bodyOf({
        key: 'spring',
        name: ' Spring ',
        'nurture.steps.1.after': 'P1M',
        'nurture.steps.1.channel': 'dm',
        'nurture.steps.1.template': 'dm-catalog',
        'nurture.steps.0.after': 'P1D',
        'nurture.steps.0.channel': 'email',
        'nurture.steps.0.template': 'nurture-intro',
        'nurture.repeat': 'on',
        'scoring.points.reply': '30',
        'scoring.threshold': '40',
        'scoring.halfLife': 'P30D',
        'sendWindow.mode': 'none',
        'sendWindow.timezone': 'Asia/Tokyo',
      }),
    );
    expect(form.key).toBe('spring');
    const { cadence, problems } = cadenceFromForm(form);
    expect(problems).toEqual([]);
    expect(cadence).toEqual({
      name: 'Spring',
      nurture: {
        steps: [
          { after: 'P1D', channel: 'email', template: 'nurture-intro' },
          { after: 'P1M', channel: 'dm', template: 'dm-catalog' },
        ],
        repeat: true,
      },
      scoring: { points: { reply: 30 }, threshold: 40, halfLife: 'P30D' },
      sendWindow: null,
    });
  });

  it('keeps what was typed and names the field of a number that is not one', () => {
    const form = formFromBody(
      bodyOf({
        name: 'x',
        'nurture.steps.0.after': 'P1X',
        'nurture.steps.0.channel': 'email',
        'scoring.threshold': 'fifty',
        'frequencyCap.max': '1.5',
        'frequencyCap.per': 'P30D',
        'sendWindow.mode': 'window',
        'sendWindow.from': '09:00',
        'sendWindow.to': '18:00',
        'sendWindow.timezone': 'Asia/Tokyo',
        'sendWindow.businessDays': 'on',
      }),
    );
    expect(form.steps.nurture[0]?.after).toBe('P1X');
    expect(form.threshold).toBe('fifty');
    const { cadence, problems } = cadenceFromForm(form);
    expect(problems).toEqual([
      { path: '/scoring/threshold', message: 'must be a number' },
      { path: '/frequencyCap/max', message: 'must be a whole number' },
    ]);
    expect(cadence.sendWindow).toEqual({ timezone: 'Asia/Tokyo', businessDays: true, from: '09:00', to: '18:00' });
    // The API, not the form, judges the duration, and names the field the form renders.
    const fixed = cadenceFromForm({ ...form, threshold: '50', halfLife: 'P30D', capMax: '2' });
    expect(fixed.problems).toEqual([]);
    expect(cadenceProblems(fixed.cadence).map((p) => fieldName(p.path))).toEqual([
      'nurture.steps.0.after',
      'nurture.steps.0.template',
    ]);
  });

  it('adds, moves and removes steps from button values, ignoring forged ones', () => {
    let form = formFromCadence('default', DEFAULT_CADENCE);
    const first = form.steps.nurture[0];
    form = applyStepAction(form, parseStepAction('down-step:nurture:0') ?? expect.fail('parsed'));
    expect(form.steps.nurture[1]).toEqual(first);
    form = applyStepAction(form, parseStepAction('up-step:nurture:1') ?? expect.fail('parsed'));
    expect(form.steps.nurture[0]).toEqual(first);
    form = applyStepAction(form, parseStepAction('add-step:reactivation') ?? expect.fail('parsed'));
    expect(form.steps.reactivation).toHaveLength(
      DEFAULT_CADENCE.reactivation?.steps.length === undefined ? 1 : DEFAULT_CADENCE.reactivation.steps.length + 1,
    );
    form = applyStepAction(form, parseStepAction('remove-step:nurture:5') ?? expect.fail('parsed'));
    expect(form.steps.nurture).toHaveLength(5);
    expect(applyStepAction(form, { kind: 'remove', sequence: 'upsell', index: 99 })).toEqual(form);
    expect(applyStepAction(form, { kind: 'up', sequence: 'nurture', index: 0 })).toEqual(form);
    expect(parseStepAction('add-step:nurture:1')).toBeUndefined();
    expect(parseStepAction('remove-step:nurture')).toBeUndefined();
    expect(parseStepAction('drop-table:nurture')).toBeUndefined();
  });

  it('starts a new cadence with one step and the office-hours window', () => {
    const { cadence } = cadenceFromForm({
      ...blankForm(),
      name: 'n',
      steps: {
        nurture: [{ after: 'P1D', channel: 'task', template: '', title: 'Call' }],
        upsell: [],
        reactivation: [],
      },
    });
    expect(cadenceProblems(cadence)).toEqual([]);
  });

  it('says a duration in words', () => {
    expect(durationInWords('en', 'P1M')).toBe('1 month');
    expect(durationInWords('en', 'P2W3D')).toBe('2 weeks 3 days');
    expect(durationInWords('ja', 'P1M')).toBe('1か月');
    expect(durationInWords('ja', 'PT2S')).toBe('2秒');
    expect(durationInWords('en', 'P1X')).toBeUndefined();
  });
});
