import Handlebars from 'handlebars';
import type { RenderedEmail } from './render.ts';

/** Who sends the marketing email, as Japan's 特定電子メール法 requires it be shown. */
export interface SenderIdentity {
  name: string;
  postalAddress: string;
  contact: string;
}

const FOOTER = Handlebars.create()
  .compile(`<div style="margin:24px auto 0;max-width:600px;padding:16px;border-top:1px solid #dddddd;font-family:'Hiragino Kaku Gothic ProN','Hiragino Sans',Meiryo,sans-serif;font-size:12px;line-height:1.6;color:#666666">
<p style="margin:0 0 8px">{{lines.sender}}: {{sender.name}}<br>{{lines.address}}: {{sender.postalAddress}}<br>{{lines.contact}}: {{sender.contact}}</p>
<p style="margin:0">{{lines.why}} <a href="{{unsubscribeUrl}}" style="color:#666666">{{lines.unsubscribe}}</a></p>
</div>`);

const LINES = {
  ja: {
    sender: '送信者',
    address: '住所',
    contact: 'お問い合わせ',
    why: '今後このようなメールの受信を希望されない場合は、こちらから配信を停止できます:',
    unsubscribe: '配信停止',
  },
  en: {
    sender: 'Sender',
    address: 'Address',
    contact: 'Contact',
    why: 'To stop receiving these emails:',
    unsubscribe: 'Unsubscribe',
  },
} as const;

/**
 * Adds what every marketing email must carry: the sender's name, postal address and
 * contact, and a visible unsubscribe link, to both the HTML and the plain-text part.
 * Inserted by the product, not left to templates, so no template can forget it.
 */
export function withComplianceFooter(
  email: RenderedEmail,
  options: { sender: SenderIdentity; unsubscribeUrl: string; locale: 'ja' | 'en' },
): RenderedEmail {
  const lines = LINES[options.locale];
  const footer = FOOTER({ lines, sender: options.sender, unsubscribeUrl: options.unsubscribeUrl });
  const html = /<\/body>/i.test(email.html)
    ? email.html.replace(/<\/body>/i, `${footer}</body>`)
    : `${email.html}${footer}`;
  const text = [
    email.text.trimEnd(),
    '',
    '--',
    `${lines.sender}: ${options.sender.name}`,
    `${lines.address}: ${options.sender.postalAddress}`,
    `${lines.contact}: ${options.sender.contact}`,
    `${lines.unsubscribe}: ${options.unsubscribeUrl}`,
  ].join('\n');
  return { ...email, html, text };
}

/**
 * RFC 2369 and RFC 8058 headers: an https and a mailto way to unsubscribe, and the
 * one-click POST that Gmail and Yahoo require of bulk senders.
 */
export function listUnsubscribeHeaders(unsubscribeUrl: string, mailto: string, token: string): Record<string, string> {
  return {
    // The token in the subject lets whoever reads that mailbox (or an inbound hook) act on it.
    'List-Unsubscribe': `<${unsubscribeUrl}>, <mailto:${mailto}?subject=unsubscribe%20${token}>`,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  };
}
