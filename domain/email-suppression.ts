import type { ReasonLocale } from './touch-reasons.ts';

/** Why email to a lead is suppressed, as a code with few values (the list keeps free text). */
export type SuppressionCause =
  'unsubscribed' | 'unsubscribed_crm' | 'complaint' | 'hard_bounce' | 'do_not_contact' | 'other';

/**
 * The suppression list's reason as a cause: `unsubscribed` (the link in an email or its
 * one-click header), `unsubscribed via <crm>`, `complaint`, `hard bounce`, `do not contact`.
 */
export function suppressionCause(reason: string): SuppressionCause {
  if (reason === 'unsubscribed') return 'unsubscribed';
  if (reason.startsWith('unsubscribed via ')) return 'unsubscribed_crm';
  if (reason === 'complaint') return 'complaint';
  if (reason === 'hard bounce') return 'hard_bounce';
  if (reason === 'do not contact') return 'do_not_contact';
  return 'other';
}

const CRM_NAMES: Record<string, string> = { zoho: 'Zoho CRM', hubspot: 'HubSpot' };

const WHY = {
  ja: {
    unsubscribed: 'メールの配信停止リンクから配信停止',
    unsubscribed_crm: '{crm} で配信停止',
    complaint: '迷惑メールとして報告',
    hard_bounce: 'アドレスに届かない (ハードバウンス)',
    do_not_contact: '連絡禁止',
    other: '配信停止',
  },
  en: {
    unsubscribed: 'unsubscribed with the link in an email',
    unsubscribed_crm: 'unsubscribed in {crm}',
    complaint: 'reported an email as spam',
    hard_bounce: 'the address does not take mail (hard bounce)',
    do_not_contact: 'do not contact',
    other: 'suppressed',
  },
} as const;

/**
 * Why email is suppressed and what still reaches the lead, in `locale`: an opt-out of email
 * (or a complaint, a bounce) leaves paper mail and the owner's tasks; do-not-contact leaves nothing.
 */
export function suppressionMessage(reason: string, locale: ReasonLocale): string {
  const cause = suppressionCause(reason);
  const crm = CRM_NAMES[reason.slice('unsubscribed via '.length)] ?? (locale === 'ja' ? 'CRM' : 'the CRM');
  const why = WHY[locale][cause].replace('{crm}', crm);
  if (locale === 'ja')
    return cause === 'do_not_contact'
      ? `メールもDMも送りません: ${why}`
      : `メールは送りません (${why})。DM とタスクで接触を続けます`;
  return cause === 'do_not_contact'
    ? `No email and no DM: ${why}`
    : `No email (${why}); touches go on by paper DM and tasks`;
}
