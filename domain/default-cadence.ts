import type { Cadence } from './cadence.ts';

/**
 * The cadence every lead gets unless told otherwise, in the numbers of the method the
 * product automates (shared/seed): a touch a month, alternating email and paper DM,
 * never more than twice in 30 days, only on Japanese business days in office hours; hand
 * the lead to sales at 50 points (and remind the rep after four business hours without an
 * acknowledgement, then hand it on); keep customers in touch (check-in, a referral request to
 * other departments, an adjacent-needs survey); come back six months after a contract
 * ended for budget, timing or a reorganisation. The contact guarantee keeps the promise of
 * a touch every calendar month, and a week's minimum gap keeps touches from bunching.
 */
export const DEFAULT_CADENCE: Cadence = {
  key: 'default',
  name: '月次ナーチャリング (標準)',
  nurture: {
    steps: [
      { after: 'P1D', channel: 'email', template: 'nurture-intro' },
      { after: 'P1M', channel: 'dm', template: 'dm-catalog' },
      { after: 'P1M', channel: 'email', template: 'nurture-case-study' },
      { after: 'P1M', channel: 'email', template: 'nurture-seminar' },
      { after: 'P1M', channel: 'dm', template: 'dm-catalog' },
      { after: 'P1M', channel: 'email', template: 'nurture-useful-info' },
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
  upsell: {
    steps: [
      { after: 'P1M', channel: 'email', template: 'upsell-checkin' },
      { after: 'P2M', channel: 'email', template: 'referral-request' },
      { after: 'P2M', channel: 'email', template: 'needs-survey' },
      { after: 'P1M', channel: 'task', title: '担当者との定例面談を設定する' },
    ],
    repeat: true,
  },
  reactivation: {
    eligibleReasons: ['budget', 'timing', 'reorganization'],
    waitAfterEnd: 'P6M',
    steps: [
      { after: 'P1D', channel: 'email', template: 'reactivation' },
      { after: 'P1M', channel: 'dm', template: 'dm-reactivation' },
    ],
  },
  escalation: { remindAfter: 'PT4H' },
  // A month never passes without a touch that reached the lead: a short check-in email in
  // the month's last business days, or the catalog letter when email is suppressed.
  guarantee: {
    every: 'month',
    fallback: { channel: 'email', template: 'monthly-checkin', fallback: { channel: 'dm', template: 'dm-catalog' } },
  },
  minGap: 'P7D',
  frequencyCap: { max: 2, per: 'P30D' },
  sendWindow: { timezone: 'Asia/Tokyo', businessDays: true, from: '09:00', to: '18:00' },
};
