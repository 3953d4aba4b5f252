import { htmlToText } from 'html-to-text';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import type { HeaderMap } from '../domain/replies.ts';

/** An incoming email, whatever brought it (an inbound webhook, the IMAP mailbox). */
export interface InboundMessage {
  /** Headers by lower-case name, each with every value it had (decoded). */
  headers: HeaderMap;
  /** The Message-ID without angle brackets, when the message has one. */
  messageId: string | undefined;
  from: string | undefined;
  /** Every recipient address: To, Cc, Delivered-To, X-Original-To and the envelope's. */
  recipients: string[];
  subject: string;
  /** The plain text: the text part, else the HTML part turned into text. */
  text: string;
  date: Date | undefined;
}

// The largest message read: a reply is text; anything larger is an attachment carrier
// whose text part, if any, still fits well within.
/** The most bytes of one raw message parsed. */
export const INBOUND_MESSAGE_MAX_BYTES = 10 * 1024 * 1024;

const addressesOf = (field: AddressObject | AddressObject[] | undefined): string[] =>
  (Array.isArray(field) ? field : field ? [field] : [])
    .flatMap((group) => group.value)
    .flatMap((a) => (a.address ? [a.address] : (a.group ?? []).flatMap((g) => (g.address ? [g.address] : []))));

/** The text of a parsed message: its text part, else its HTML as text. */
function textOf(parsed: Pick<ParsedMail, 'text' | 'html'>): string {
  if (parsed.text !== undefined && parsed.text.trim() !== '') return parsed.text;
  if (typeof parsed.html === 'string') return htmlToText(parsed.html, { wordwrap: false });
  return '';
}

/** Every header of a parsed message by name, decoded, as the list of its values. */
function headerMapOf(parsed: ParsedMail): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const { key, line } of parsed.headerLines) {
    const value = line.slice(line.indexOf(':') + 1).trim();
    map.set(key, [...(map.get(key) ?? []), value]);
  }
  return map;
}

const bareId = (id: string | undefined): string | undefined => id?.trim().replace(/^<|>$/g, '') || undefined;

/**
 * Parses a raw RFC 5322 message (any MIME structure and charset, ISO-2022-JP included)
 * with mailparser. `extra` adds recipients known from outside the message (an envelope).
 */
export async function parseInboundMessage(
  raw: Buffer | string,
  extra: { recipients?: string[] } = {},
): Promise<InboundMessage> {
  const parsed = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true });
  const headers = headerMapOf(parsed);
  const headerAddresses = ['delivered-to', 'x-original-to', 'envelope-to']
    .flatMap((name) => headers.get(name) ?? [])
    .flatMap((value) => [...value.matchAll(/[^\s<>,;"]+@[^\s<>,;"]+/g)].map((m) => m[0]));
  return {
    headers,
    messageId: bareId(parsed.messageId),
    from: addressesOf(parsed.from)[0],
    recipients: [
      ...new Set([
        ...addressesOf(parsed.to),
        ...addressesOf(parsed.cc),
        ...headerAddresses,
        ...(extra.recipients ?? []),
      ]),
    ],
    subject: parsed.subject ?? '',
    text: textOf(parsed),
    date: parsed.date,
  };
}

/**
 * A message a provider already took apart (SendGrid's default Inbound Parse, Mailgun's
 * parsed route fields): its raw header block, parsed as a message without a body, with
 * the text (or HTML) the provider decoded.
 */
export async function inboundFromParts(parts: {
  headerBlock: string;
  text: string | undefined;
  html: string | undefined;
  recipients?: string[];
}): Promise<InboundMessage> {
  const message = await parseInboundMessage(`${parts.headerBlock.replace(/\r?\n$/, '')}\r\n\r\n`, {
    recipients: parts.recipients ?? [],
  });
  return { ...message, text: textOf({ text: parts.text, html: parts.html ?? false }) };
}
