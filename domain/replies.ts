/**
 * Replies to engine email: which headers tie a reply to the message it answers, which
 * replies a machine wrote, and the part of a reply worth showing (quoted text trimmed,
 * length bounded). Pure, shared by the inbound webhooks and the mailbox poller.
 */

/** The most characters of a reply's text kept on the timeline. */
export const REPLY_TEXT_MAX = 2000;

/** A message's headers by lower-case name, each with every value it had. */
export type HeaderMap = ReadonlyMap<string, readonly string[]>;

const first = (headers: HeaderMap, name: string): string | undefined => headers.get(name)?.[0]?.trim();

/**
 * The Message-IDs a reply refers to, its direct parent first: `In-Reply-To`, then
 * `References` from the newest, each without angle brackets, no repeats.
 */
export function referencedMessageIds(headers: HeaderMap): string[] {
  const ids: string[] = [];
  const add = (value: string | undefined, newestFirst: boolean) => {
    const found = [...(value ?? '').matchAll(/<([^<>\s]+)>/g)].map((m) => m[1]!);
    for (const id of newestFirst ? found.reverse() : found) if (!ids.includes(id)) ids.push(id);
  };
  for (const value of headers.get('in-reply-to') ?? []) add(value, false);
  for (const value of headers.get('references') ?? []) add(value, true);
  return ids.slice(0, 50);
}

// Subjects mail systems give their automatic answers, in English and Japanese.
const AUTO_SUBJECT =
  /^(?:auto(?:matic)?[ -]?(?:reply|response)|out of (?:the )?office|autoreply|不在|自動返信|自動応答|休暇|外出中)|(?:out of (?:the )?office|自動返信|不在のお知らせ|不在通知)/i;

/**
 * Whether a machine wrote the message rather than a person: RFC 3834's `Auto-Submitted`
 * (anything but `no`), the `X-Autoreply`/`X-Autorespond` headers of common servers,
 * `Precedence: auto_reply|bulk|junk|list`, Microsoft's `X-Auto-Response-Suppress` on its
 * own out-of-office answers, or a subject that says so (in English or Japanese).
 */
export function isAutoReply(headers: HeaderMap, subject: string): boolean {
  const autoSubmitted = first(headers, 'auto-submitted')?.toLowerCase();
  if (autoSubmitted !== undefined && autoSubmitted !== 'no') return true;
  if (headers.has('x-autoreply') || headers.has('x-autorespond') || headers.has('x-autoresponder')) return true;
  const precedence = first(headers, 'precedence')?.toLowerCase();
  if (precedence !== undefined && ['auto_reply', 'bulk', 'junk', 'list'].includes(precedence)) return true;
  if (
    first(headers, 'x-auto-response-suppress') !== undefined &&
    /oof|all/i.test(first(headers, 'x-auto-response-suppress')!)
  )
    return true;
  return AUTO_SUBJECT.test(subject.trim());
}

// Lines that open the quoted original in the replies of common clients: "On <date>, <who>
// wrote:", Outlook's "-----Original Message-----" and "From:" blocks, Japanese clients'
// "<date> <who> <addr>:" and "-----元のメッセージ-----", "差出人:" blocks.
const QUOTE_OPENERS = [
  /^On\b.{0,200}\bwrote:\s*$/i,
  /^-{2,}\s*(?:Original Message|Forwarded message|元のメッセージ|転送されたメッセージ)\s*-{2,}/i,
  /^(?:From|差出人|送信者)\s*[:：].{0,200}$/,
  /^\d{4}[年/-]\d{1,2}[月/-]\d{1,2}.{0,200}(?:<[^<>\s]+@[^<>\s]+>|wrote|書きました).{0,20}[:：]\s*$/,
  /^_{10,}\s*$/,
];

/**
 * The new text of a reply: the quoted original cut off at its first opener line, lines
 * quoted with ">" dropped, the standard signature separator ("-- ") honoured, blank
 * runs collapsed, then bounded to {@link REPLY_TEXT_MAX} characters (with "…").
 */
export function replyText(text: string): string {
  const kept: string[] = [];
  for (const line of text.replace(/\r\n?/g, '\n').split('\n')) {
    const trimmed = line.trim();
    if (line === '-- ' || line === '--') break;
    if (QUOTE_OPENERS.some((opener) => opener.test(trimmed))) break;
    if (/^>/.test(trimmed)) continue;
    kept.push(line.replace(/\s+$/, ''));
  }
  const joined = kept
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  // An empty result (a reply that only quoted) keeps nothing rather than the quote.
  return joined.length > REPLY_TEXT_MAX ? `${joined.slice(0, REPLY_TEXT_MAX - 1)}…` : joined;
}

/** The workflow type that tells a lead's owner about a reply (workflows/reply-notice.ts). */
export const REPLY_NOTICE_WORKFLOW = 'replyNotice';

/**
 * What the reply notice workflow is given: the lead, the reply's key (its event's source
 * id) and what the owner reads. The reply travels in the input rather than being read
 * back, because the workflow starts inside the transaction that records the reply.
 */
export interface ReplyNoticeInput {
  leadId: string;
  replyKey: string;
  from: string | null;
  subject: string;
  /** The reply's text, quote trimmed and bounded ({@link REPLY_TEXT_MAX}). */
  text: string;
}

/** The type callers start the reply notice workflow by. */
export type ReplyNoticeWorkflow = (input: ReplyNoticeInput) => Promise<void>;

/** The workflow type that reads the IMAP mailbox (workflows/mailbox-poll.ts). */
export const MAILBOX_POLL_WORKFLOW = 'mailboxPoll';
/** One poller per task queue: its id is fixed by the queue, so a second worker's start finds it running. */
export const mailboxPollId = (taskQueue: string): string => `mailbox-poll-${taskQueue}`;
