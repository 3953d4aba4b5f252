import type { FastifyReply } from 'fastify';
import { escapeHtml } from '../domain/html.ts';

/**
 * An address as a page may show it to whoever holds the link (a forwarded email, say):
 * enough for its owner to recognise, not enough to harvest. `taro@example.jp` → `t***o@example.jp`.
 */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  const local = Array.from(email.slice(0, at));
  const domain = email.slice(at + 1);
  const shown = local.length <= 2 ? `${local[0] ?? ''}***` : `${local[0] ?? ''}***${local[local.length - 1] ?? ''}`;
  return `${shown}@${domain}`;
}

/** What a page says; `body` is HTML the caller built with {@link escapeHtml} around every value. */
export interface PageContent {
  lang: 'ja' | 'en';
  title: string;
  body: string;
}

const STYLE = `
:root{color-scheme:light dark}
*{box-sizing:border-box}
body{margin:0;padding:2rem 1rem;font-family:system-ui,-apple-system,"Segoe UI","Hiragino Kaku Gothic ProN","Hiragino Sans",Meiryo,sans-serif;line-height:1.7;background:#f4f5f7;color:#1f2328}
main{max-width:32rem;margin:0 auto;padding:2rem 1.5rem;background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.12)}
h1{margin:0 0 1rem;font-size:1.4rem;line-height:1.4}
p{margin:0 0 1rem}
.address{font-weight:600;word-break:break-all}
button{font:inherit;font-weight:600;padding:.7rem 1.4rem;border:0;border-radius:6px;background:#0b57d0;color:#fff;cursor:pointer}
button:hover{background:#0842a0}
button:focus-visible{outline:3px solid #f9ab00;outline-offset:2px}
.note{font-size:.9rem;color:#57606a}
@media (prefers-color-scheme:dark){body{background:#0d1117;color:#e6edf3}main{background:#161b22;box-shadow:none}.note{color:#9da7b3}button{background:#4c8df6;color:#0d1117}button:hover{background:#79a9f8}}
`.trim();

/**
 * A whole page: self-contained (inline CSS, no external resource, nothing to track the
 * reader), in the reader's language, readable on a phone.
 */
export function htmlPage(page: PageContent): string {
  return `<!doctype html>
<html lang="${page.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(page.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${page.body}
</main>
</body>
</html>
`;
}

// The pages hold tokens: not cached, not indexed, not framed, no referrer leaving with them,
// and nothing loaded from anywhere (inline CSS only; the form posts back to this origin).
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store, private',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-robots-tag': 'noindex, nofollow',
};

/** Answers an HTML page with the headers every token page carries. */
export function sendPage(
  reply: FastifyReply,
  status: number,
  page: PageContent,
  headers: Record<string, string> = {},
): FastifyReply {
  return reply
    .code(status)
    .headers({ ...PAGE_HEADERS, ...headers })
    .send(htmlPage(page));
}

/**
 * The one answer for a link that is forged, altered, misused or names no lead: the same
 * page whatever the reason, so it tells nothing about which leads exist. Bilingual, since
 * an invalid link does not say whose language to use.
 */
export function invalidLinkPage(): PageContent {
  return {
    lang: 'ja',
    title: 'このリンクは無効です / This link is not valid',
    body: `<h1>このリンクは無効です<br><span lang="en">This link is not valid</span></h1>
<p>メールに記載されたリンクを、途中で切れていないかご確認のうえ、もう一度お試しください。</p>
<p lang="en">Please check that the link from the email was copied completely, and try again.</p>`,
  };
}

/** 503: PostgreSQL or Temporal is down; nothing was decided, the reader may try again. */
export function unavailablePage(): PageContent {
  return {
    lang: 'ja',
    title: 'ただいま処理できません / Temporarily unavailable',
    body: `<h1>ただいま処理できません<br><span lang="en">Temporarily unavailable</span></h1>
<p>しばらくしてから、もう一度お試しください。</p>
<p lang="en">Please try again in a moment.</p>`,
  };
}
