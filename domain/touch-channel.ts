/** The channels a touch can use. */
export type TouchChannel = 'email' | 'dm' | 'task';

/** Another channel a step uses when its own cannot reach the lead. */
export interface ChannelFallback {
  channel: TouchChannel;
  template?: string | undefined;
  title?: string | undefined;
}

/** What of a step decides its channel: the step's own channel and its fallback. */
export interface ChannelStep {
  channel: TouchChannel;
  template?: string | undefined;
  title?: string | undefined;
  fallback?: ChannelFallback | undefined;
  fallbackTemplate?: string | undefined;
}

/** What the planner knows of the lead's reachability. */
export interface LeadReach {
  hasPostalAddress: boolean;
  /** Email suppressed: unsubscribed from email or hard bounced. Paper mail still reaches. */
  emailSuppressed: boolean;
  /** Do-not-contact stops every channel. */
  doNotContact: boolean;
}

/** Why a touch went to another channel, or why it cannot go out at all. */
export type ChannelIssue = 'no_postal_address' | 'email_suppressed' | 'do_not_contact';

/** The channel a step really uses for this lead. */
export interface ResolvedChannel {
  channel: TouchChannel;
  template: string | null;
  title: string | null;
  /** Whether the touch reaches the lead when it goes out (a task reaches it only when completed). */
  reaches: boolean;
  /** Set when the step's own channel could not be used; with `skip`, nothing goes out. */
  issue: ChannelIssue | null;
  /** The step's own channel when a fallback replaced it. */
  fallbackFrom: TouchChannel | null;
  skip: boolean;
}

/** The owner task a DM step without a fallback becomes for a lead without a postal address. */
export const ADDRESS_CHECK_TASK = { ja: '住所を確認する', en: 'Confirm the postal address' } as const;

function direct(step: ChannelFallback, reaches: boolean): ResolvedChannel {
  return {
    channel: step.channel,
    template: step.template ?? null,
    title: step.title ?? null,
    reaches,
    issue: null,
    fallbackFrom: null,
    skip: false,
  };
}

function usable(channel: TouchChannel, lead: LeadReach): boolean {
  if (channel === 'email') return !lead.emailSuppressed;
  if (channel === 'dm') return lead.hasPostalAddress;
  return true;
}

/**
 * The channel `step` uses for `lead`: its own when it can reach the lead, else its
 * `fallback`. A DM step for a lead without an address falls back, when it names no
 * fallback, to email with `fallbackTemplate`, else to a task for the owner to confirm the
 * address; an email step for a suppressed address goes to its fallback (paper mail is
 * not covered by an email opt-out) or is skipped; do-not-contact skips everything.
 */
export function resolveChannel(step: ChannelStep, lead: LeadReach): ResolvedChannel {
  const skipped = (issue: ChannelIssue): ResolvedChannel => ({ ...direct(step, false), issue, skip: true });
  if (lead.doNotContact) return skipped('do_not_contact');
  if (usable(step.channel, lead)) return direct(step, step.channel !== 'task');
  const issue: ChannelIssue = step.channel === 'dm' ? 'no_postal_address' : 'email_suppressed';
  let fallback = step.fallback;
  if (!fallback && step.channel === 'dm') {
    fallback =
      step.fallbackTemplate !== undefined && !lead.emailSuppressed
        ? { channel: 'email', template: step.fallbackTemplate }
        : { channel: 'task', title: ADDRESS_CHECK_TASK.ja };
  }
  if (!fallback || !usable(fallback.channel, lead)) return skipped(issue);
  return { ...direct(fallback, fallback.channel !== 'task'), issue, fallbackFrom: step.channel };
}
