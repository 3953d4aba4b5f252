import { describe, expect, it } from 'vitest';
import { cadenceProblems, isTimeZone } from '../../../domain/cadence.ts';
import { DEFAULT_CADENCE } from '../../../domain/default-cadence.ts';

/** The cadence example of DESIGN section 4, which must be valid. */
const DESIGN_EXAMPLE = {
  key: 'default',
  name: 'Monthly nurture',
  nurture: {
    steps: [
      { after: 'P1M', channel: 'email', template: 'nurture-1' },
      { after: 'P1M', channel: 'dm', template: 'dm-catalog' },
    ],
    repeat: true,
  },
  scoring: {
    points: {
      email_open: 1,
      email_click: 5,
      web_visit: 3,
      form_submit: 20,
      reply: 30,
      dm_response: 20,
      meeting_request: 50,
    },
    threshold: 50,
    halfLife: 'P30D',
  },
  deal: { stalledAfter: 'P14D' },
  lostDeal: { returnToNurtureAfter: 'P3M' },
  upsell: { steps: [{ after: 'P1M', channel: 'email', template: 'upsell-checkin' }], repeat: true },
  reactivation: {
    eligibleReasons: ['budget', 'timing', 'reorganization'],
    waitAfterEnd: 'P6M',
    steps: [{ after: 'P1D', channel: 'email', template: 'reactivation' }],
  },
  frequencyCap: { max: 2, per: 'P30D' },
  sendWindow: { timezone: 'Asia/Tokyo', businessDays: true, from: '09:00', to: '18:00' },
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests reach into the copy to break one field at a time
type Mutable = any;

/** Problems of a copy of the DESIGN example changed by `change`. */
function problemsAfter(change: (cadence: Mutable) => void): ReturnType<typeof cadenceProblems> {
  const copy = structuredClone(DESIGN_EXAMPLE) as Mutable;
  change(copy);
  return cadenceProblems(copy);
}

const paths = (problems: ReturnType<typeof cadenceProblems>): string[] => problems.map((p) => p.path);

describe('cadenceProblems', () => {
  describe('valid cadences', () => {
    it('finds nothing wrong with the DESIGN example', () => {
      expect(cadenceProblems(DESIGN_EXAMPLE)).toEqual([]);
    });

    it('accepts a cadence with only a name and a nurture sequence', () => {
      expect(
        cadenceProblems({
          name: 'Minimal',
          nurture: { steps: [{ after: 'P14D', channel: 'email', template: 'welcome' }] },
        }),
      ).toEqual([]);
    });

    it('accepts escalation reminders in business hours, and refuses days or nonsense with the field named', () => {
      expect(problemsAfter((c) => (c.escalation = { remindAfter: 'PT4H' }))).toEqual([]);
      expect(paths(problemsAfter((c) => (c.escalation = { remindAfter: 'P1D' })))).toEqual(['/escalation/remindAfter']);
      expect(paths(problemsAfter((c) => (c.escalation = { remindAfter: 'PTXH' })))).toEqual([
        '/escalation/remindAfter',
      ]);
      expect(paths(problemsAfter((c) => (c.escalation = { remindAfter: 'PT4H', every: 'PT1H' })))).toEqual([
        '/escalation/every',
      ]);
    });

    it('accepts a task step without a template', () => {
      expect(
        problemsAfter((c) => (c.nurture.steps[0] = { after: 'P1D', channel: 'task', title: 'Call the lead' })),
      ).toEqual([]);
    });

    it('accepts a null send window', () => {
      expect(problemsAfter((c) => (c.sendWindow = null))).toEqual([]);
    });

    it('accepts a reactivation with no steps', () => {
      expect(problemsAfter((c) => (c.reactivation.steps = []))).toEqual([]);
    });

    it('accepts a send window of 00:00 to 23:59 in UTC', () => {
      expect(
        problemsAfter((c) => (c.sendWindow = { timezone: 'UTC', businessDays: false, from: '00:00', to: '23:59' })),
      ).toEqual([]);
    });
  });

  describe('shape', () => {
    it('names an unknown top-level field', () => {
      expect(problemsAfter((c) => (c.colour = 'red'))).toEqual([{ path: '/colour', message: 'is not a known field' }]);
    });

    it('names an unknown field inside a step', () => {
      expect(problemsAfter((c) => (c.nurture.steps[0].subject = 'Hello'))).toContainEqual({
        path: '/nurture/steps/0/subject',
        message: 'is not a known field',
      });
    });

    it('reports an unknown step field once, at the field itself and not also at the step', () => {
      expect(paths(problemsAfter((c) => (c.nurture.steps[0].subject = 'Hello')))).toEqual(['/nurture/steps/0/subject']);
    });

    it('names a step channel that is not email, dm or task', () => {
      const problems = problemsAfter((c) => (c.nurture.steps[1].channel = 'sms'));
      expect(paths(problems)).toEqual(['/nurture/steps/1/channel']);
    });

    it('names an empty nurture step list', () => {
      expect(paths(problemsAfter((c) => (c.nurture.steps = [])))).toEqual(['/nurture/steps']);
    });

    it('names an empty upsell step list', () => {
      expect(paths(problemsAfter((c) => (c.upsell.steps = [])))).toEqual(['/upsell/steps']);
    });

    it('names a missing name and a missing nurture sequence', () => {
      expect(problemsAfter((c) => delete c.name)[0]?.message).toMatch(/name/);
      expect(problemsAfter((c) => delete c.nurture)[0]?.message).toMatch(/nurture/);
    });

    it('names a duration that does not even start with P', () => {
      expect(paths(problemsAfter((c) => (c.deal.stalledAfter = '14 days')))).toEqual(['/deal/stalledAfter']);
    });

    it('names each bad field when several are wrong at once', () => {
      const problems = problemsAfter((c) => {
        c.colour = 'red';
        c.nurture.steps[1].channel = 'sms';
      });
      expect(paths(problems)).toEqual(expect.arrayContaining(['/colour', '/nurture/steps/1/channel']));
    });

    it('names a malformed send-window time', () => {
      expect(paths(problemsAfter((c) => (c.sendWindow.from = '9:00')))).toContain('/sendWindow/from');
      expect(paths(problemsAfter((c) => (c.sendWindow.to = '24:00')))).toContain('/sendWindow/to');
    });

    it('reports a malformed send-window time only at that time, without saying the window must be null', () => {
      expect(problemsAfter((c) => (c.sendWindow.from = '9:00'))).toEqual([
        { path: '/sendWindow/from', message: expect.any(String) },
      ]);
    });

    it('names a threshold that is not positive', () => {
      expect(paths(problemsAfter((c) => (c.scoring.threshold = 0)))).toEqual(['/scoring/threshold']);
    });

    it('names a frequency cap that is not a whole number', () => {
      expect(paths(problemsAfter((c) => (c.frequencyCap.max = 1.5)))).toEqual(['/frequencyCap/max']);
    });

    it.each([null, 'cadence', 42, []])('rejects %j as not a cadence at all', (value) => {
      const problems = cadenceProblems(value);
      expect(problems.length).toBeGreaterThan(0);
      expect(problems[0]?.path).toBe('/');
    });
  });

  describe('meaning', () => {
    const DURATION_FIELDS: [string, (c: Mutable, text: string) => void][] = [
      ['/nurture/steps/0/after', (c, t) => (c.nurture.steps[0].after = t)],
      ['/nurture/steps/1/after', (c, t) => (c.nurture.steps[1].after = t)],
      ['/upsell/steps/0/after', (c, t) => (c.upsell.steps[0].after = t)],
      ['/reactivation/steps/0/after', (c, t) => (c.reactivation.steps[0].after = t)],
      ['/scoring/halfLife', (c, t) => (c.scoring.halfLife = t)],
      ['/deal/stalledAfter', (c, t) => (c.deal.stalledAfter = t)],
      ['/lostDeal/returnToNurtureAfter', (c, t) => (c.lostDeal.returnToNurtureAfter = t)],
      ['/reactivation/waitAfterEnd', (c, t) => (c.reactivation.waitAfterEnd = t)],
      ['/frequencyCap/per', (c, t) => (c.frequencyCap.per = t)],
    ];

    it.each(DURATION_FIELDS)('names %s when it is not a valid duration', (path, set) => {
      for (const bad of ['P1X', 'PT', 'P0D', 'P1.5M']) {
        const problems = problemsAfter((c) => set(c, bad));
        expect(problems).toHaveLength(1);
        expect(problems[0]?.path).toBe(path);
        expect(problems[0]?.message).toContain(`"${bad}"`);
      }
    });

    it('names every bad duration field when all of them are bad at once', () => {
      const problems = problemsAfter((c) => DURATION_FIELDS.forEach(([, set]) => set(c, 'P0D')));
      expect(paths(problems).sort()).toEqual(DURATION_FIELDS.map(([path]) => path).sort());
    });

    it('says a zero duration is zero', () => {
      expect(problemsAfter((c) => (c.deal.stalledAfter = 'P0D'))[0]?.message).toMatch(/zero/);
    });

    it('names an email step without a template', () => {
      expect(problemsAfter((c) => delete c.nurture.steps[0].template)).toEqual([
        { path: '/nurture/steps/0/template', message: 'an email step needs a template' },
      ]);
    });

    it('names a DM step without a template', () => {
      expect(problemsAfter((c) => delete c.nurture.steps[1].template)).toEqual([
        { path: '/nurture/steps/1/template', message: 'a DM step needs a template' },
      ]);
    });

    it('names template-less steps in the upsell and reactivation sequences too', () => {
      const problems = problemsAfter((c) => {
        delete c.upsell.steps[0].template;
        delete c.reactivation.steps[0].template;
      });
      expect(paths(problems)).toEqual(['/upsell/steps/0/template', '/reactivation/steps/0/template']);
    });

    it('names a send window whose end equals its start', () => {
      expect(problemsAfter((c) => (c.sendWindow.to = '09:00'))).toEqual([
        { path: '/sendWindow/to', message: 'must be later than "from"' },
      ]);
    });

    it('names a send window that ends before it starts', () => {
      expect(
        paths(
          problemsAfter((c) => {
            Object.assign(c.sendWindow, { from: '18:00', to: '09:00' });
          }),
        ),
      ).toEqual(['/sendWindow/to']);
    });

    it('names an unknown time zone and quotes it', () => {
      const problems = problemsAfter((c) => (c.sendWindow.timezone = 'Mars/Olympus_Mons'));
      expect(paths(problems)).toEqual(['/sendWindow/timezone']);
      expect(problems[0]?.message).toContain('"Mars/Olympus_Mons"');
    });

    it('reports every meaning problem at once, not just the first', () => {
      const problems = problemsAfter((c) => {
        c.nurture.steps[0].after = 'P0D';
        delete c.nurture.steps[1].template;
        c.frequencyCap.per = 'PT';
        c.sendWindow.timezone = 'Nowhere/Land';
        c.sendWindow.to = '08:00';
      });
      expect(paths(problems).sort()).toEqual(
        [
          '/frequencyCap/per',
          '/nurture/steps/0/after',
          '/nurture/steps/1/template',
          '/sendWindow/timezone',
          '/sendWindow/to',
        ].sort(),
      );
    });
  });
});

describe('isTimeZone', () => {
  it.each(['Asia/Tokyo', 'America/New_York', 'Europe/London', 'UTC'])('knows %s', (zone) => {
    expect(isTimeZone(zone)).toBe(true);
  });

  it.each(['Mars/Olympus_Mons', 'Tokyo', '', 'Asia/Tokio'])('does not know %j', (zone) => {
    expect(isTimeZone(zone)).toBe(false);
  });
});

describe('cadenceProblems: guarantee, fallback, repeatFrom and minGap', () => {
  it('finds nothing wrong with the default cadence, which has the guarantee on and a week’s minimum gap', () => {
    expect(cadenceProblems(DEFAULT_CADENCE)).toEqual([]);
    expect(DEFAULT_CADENCE.guarantee?.fallback).toMatchObject({ channel: 'email', template: 'monthly-checkin' });
    expect(DEFAULT_CADENCE.minGap).toBe('P7D');
  });

  it('accepts a step fallback, a fallbackTemplate, a repeatFrom inside the steps and a minGap', () => {
    expect(
      problemsAfter((c) => {
        c.nurture.steps[1].fallback = { channel: 'email', template: 'nurture-1' };
        c.nurture.steps[1].fallbackTemplate = 'nurture-1';
        c.nurture.repeatFrom = 1;
        c.minGap = 'P7D';
      }),
    ).toEqual([]);
  });

  it('names a repeatFrom past the last step, an email fallback without a template and a bad minGap', () => {
    const problems = problemsAfter((c) => {
      c.nurture.repeatFrom = 2;
      c.nurture.steps[0].fallback = { channel: 'email' };
      c.minGap = 'P0D';
    });
    expect(paths(problems).sort()).toEqual(['/minGap', '/nurture/repeatFrom', '/nurture/steps/0/fallback/template']);
  });

  it('refuses a guarantee that would be a task, since a task does not reach the lead', () => {
    expect(
      paths(
        problemsAfter((c) => {
          c.guarantee = { every: 'month', fallback: { channel: 'task', template: 'x' } };
        }),
      ),
    ).toEqual(['/guarantee/fallback/channel']);
    expect(
      paths(
        problemsAfter((c) => {
          c.guarantee = { every: 'week', fallback: { channel: 'email', template: 'x' } };
        }),
      ),
    ).toEqual(['/guarantee/every']);
  });
});
