import { Parser } from 'htmlparser2';
import { escapeHtml } from '../domain/html.ts';
import { signToken } from './tokens.ts';

/** What tracking needs to know about the email: where links go, how to sign, and whose it is. */
export interface TrackingOptions {
  /** PUBLIC_BASE_URL, e.g. `https://leads.example.com` (a trailing slash is ignored). */
  baseUrl: string;
  /** APP_SECRET. */
  secret: string;
  leadId: string;
  /** The delivery's idempotency key: an open or click counts once per email. */
  deliveryKey: string;
}

// Elements whose href a reader follows; <link href> (web fonts, stylesheets) and <base> are not links.
const LINK_ELEMENTS = new Set(['a', 'area']);
// Browsers strip leading and trailing ASCII whitespace from a URL attribute.
const trimUrl = (value: string): string => value.replace(/^[\t\n\f\r ]+|[\t\n\f\r ]+$/g, '');

/**
 * Adds open and click tracking to a rendered email: every `<a href>` / `<area href>` to an
 * http(s) URL becomes `${baseUrl}/t/c/<token>` with the original URL signed into the token
 * (entities such as `&amp;` decoded first, so the reader lands on exactly the URL the
 * template meant), and a 1x1 pixel `${baseUrl}/t/o/<token>` goes before `</body>`.
 * `mailto:`, `tel:`, fragments and relative links stay as they are, and so do links into
 * the engine itself: the unsubscribe link (`${baseUrl}/u/…`, which must work with tracking
 * off and never counts as a click) and links already tracked (so tracking twice changes
 * nothing more).
 *
 * The HTML is tokenised with htmlparser2, not matched with a regex, so text that looks like
 * an attribute, comments, `<script>`/`<style>` content and MSO conditional comments are left
 * alone; and it is edited in place at the parser's offsets, not re-serialised, so every byte
 * outside the rewritten attributes stays as MJML and Handlebars wrote it.
 */
export function addTracking(html: string, opts: TrackingOptions): string {
  const baseUrl = opts.baseUrl.replace(/\/+$/, '');
  const untouched = [`${baseUrl}/u/`, `${baseUrl}/t/`];
  const edits: { start: number; end: number; text: string }[] = [];
  let tag = '';
  let bodyClose: number | undefined;

  const parser: Parser = new Parser(
    {
      onopentagname(name) {
        tag = name;
      },
      onattribute(name, value) {
        if (name !== 'href' || !LINK_ELEMENTS.has(tag)) return;
        const url = trimUrl(value);
        if (!/^https?:\/\//i.test(url) || untouched.some((prefix) => url.startsWith(prefix))) return;
        const token = signToken(opts.secret, { p: 'click', l: opts.leadId, d: opts.deliveryKey, u: url });
        // The parser's span of this attribute: name through its closing quote or last character.
        edits.push({
          start: parser.startIndex,
          end: parser.endIndex,
          text: `href="${escapeHtml(`${baseUrl}/t/c/${token}`)}"`,
        });
      },
      onclosetag(name, isImplied) {
        if (name === 'body' && !isImplied) bodyClose = parser.startIndex;
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.end(html);

  const openToken = signToken(opts.secret, { p: 'open', l: opts.leadId, d: opts.deliveryKey });
  const pixel = `<img src="${escapeHtml(`${baseUrl}/t/o/${openToken}`)}" width="1" height="1" alt="" style="display:none">`;
  edits.push({ start: bodyClose ?? html.length, end: bodyClose ?? html.length, text: pixel });

  // Applied from the end, so earlier offsets stay valid.
  let out = html;
  for (const edit of edits.sort((a, b) => b.start - a.start))
    out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  return out;
}
