import { describe, expect, it } from 'vitest';
import { withComplianceFooter } from '../../../mail/compliance.ts';
import { compileTemplate, renderEmail } from '../../../mail/render.ts';
import { signToken, verifyToken } from '../../../mail/tokens.ts';
import { addTracking } from '../../../mail/tracking-links.ts';

const SECRET = 'unit-test-secret-0123456789-abcdefghij';
const BASE = 'https://leads.example.com';
const LEAD = '0b9f3c52-6f5e-4f7b-9a51-6d0c2b1e8a11';
const DELIVERY = `lead-${LEAD}/nurturing/3`;
const OPTS = { baseUrl: BASE, secret: SECRET, leadId: LEAD, deliveryKey: DELIVERY };

/** The tracked href the rewrite must produce for `url` (tokens are deterministic). */
const clickHref = (url: string) =>
  `href="${BASE}/t/c/${signToken(SECRET, { p: 'click', l: LEAD, d: DELIVERY, u: url })}"`;
const PIXEL = `<img src="${BASE}/t/o/${signToken(SECRET, { p: 'open', l: LEAD, d: DELIVERY })}" width="1" height="1" alt="" style="display:none">`;

/** The destination URL of every tracked link in `html`, in order, read back from its token. */
function trackedUrls(html: string): string[] {
  return [...html.matchAll(/href="https:\/\/leads\.example\.com\/t\/c\/([^"]+)"/g)].map(
    (m) => verifyToken(SECRET, m[1]!, 'click')?.u ?? 'INVALID',
  );
}

describe('addTracking', () => {
  it('replaces only the href of each link and adds the pixel before </body>, leaving every other byte as it was', () => {
    const html = `<!doctype html><html><head><title>T &amp; C</title></head><body>
<p>Hello &amp; welcome, <b>山田様</b></p>
<a class="btn" href="https://example.com/seminar?a=1&amp;b=2" target="_blank" style="color:#fff">Seminar</a>
</body></html>`;
    const expected = html
      .replace('href="https://example.com/seminar?a=1&amp;b=2"', clickHref('https://example.com/seminar?a=1&b=2'))
      .replace('</body>', `${PIXEL}</body>`);
    expect(addTracking(html, OPTS)).toBe(expected);
  });

  it('signs the URL the reader would have followed: entities decoded, surrounding whitespace dropped', () => {
    const html = `<body><a href=" https://example.com/?q=a&amp;r=&quot;b&quot;&#38;s=1 ">x</a></body>`;
    expect(trackedUrls(addTracking(html, OPTS))).toEqual(['https://example.com/?q=a&r="b"&s=1']);
  });

  it('signs lead, delivery and purpose into the click and open tokens', () => {
    const out = addTracking('<body><a href="http://example.com/">x</a></body>', OPTS);
    const click = /\/t\/c\/([^"]+)"/.exec(out)![1]!;
    expect(verifyToken(SECRET, click, 'click')).toEqual({ p: 'click', l: LEAD, d: DELIVERY, u: 'http://example.com/' });
    expect(verifyToken(SECRET, click, 'open')).toBeUndefined();
    const open = /\/t\/o\/([^"]+)"/.exec(out)![1]!;
    expect(verifyToken(SECRET, open, 'open')).toEqual({ p: 'open', l: LEAD, d: DELIVERY });
  });

  it('rewrites quoted, single-quoted, unquoted, upper-case and spaced href attributes alike', () => {
    const html = `<body><a href='https://a.example/1'>1</a><A HREF=https://a.example/2>2</A><a id=x href = "https://a.example/3" >3</a><area shape="rect" href="HTTPS://a.example/4"><a href="https://a.example/5"/></body>`;
    const out = addTracking(html, OPTS);
    expect(trackedUrls(out)).toEqual([
      'https://a.example/1',
      'https://a.example/2',
      'https://a.example/3',
      'HTTPS://a.example/4',
      'https://a.example/5',
    ]);
    expect(out).toContain('<a id=x href="');
    expect(out).toContain('" >3</a>');
    expect(out).toContain('<area shape="rect" href="');
  });

  it('leaves mailto:, tel:, fragments, relative links, empty hrefs and other schemes alone', () => {
    const links = [
      'mailto:sales@example.com?subject=Hi',
      'tel:+81-3-0000-0000',
      '#top',
      '/relative/path',
      'example.com/no-scheme',
      '',
      'javascript:alert(1)',
      'ftp://files.example.com/',
    ];
    const html = `<body>${links.map((l) => `<a href="${l}">x</a>`).join('')}<a href>bare</a></body>`;
    expect(addTracking(html, OPTS)).toBe(html.replace('</body>', `${PIXEL}</body>`));
  });

  it('leaves the unsubscribe link and links already tracked alone, so tracking twice adds only a pixel', () => {
    const unsubscribe = `${BASE}/u/${signToken(SECRET, { p: 'unsubscribe', l: LEAD })}`;
    const html = `<body><a href="https://example.com/">x</a><a href="${unsubscribe}">配信停止</a></body>`;
    const once = addTracking(html, OPTS);
    expect(once).toContain(`href="${unsubscribe}"`);
    expect(trackedUrls(once)).toEqual(['https://example.com/']);
    const twice = addTracking(once, OPTS);
    expect(trackedUrls(twice)).toEqual(['https://example.com/']);
    expect(twice.split('/t/o/').length - 1).toBe(2);
  });

  it('does not treat <link>, <base> or <img> URLs as links, nor text, comments, scripts and styles that look like attributes', () => {
    const html = `<html><head><base href="https://example.com/"><link href="https://fonts.example.com/css?family=Noto" rel="stylesheet">
<style>a[href="https://in.style/"]{color:red}</style><script>var s = '<a href="https://in.script/">';</script></head>
<body><!--[if mso]><a href="https://in.comment/">c</a><![endif]--><p>Write href="https://in.text/" to link</p>
<img src="https://cdn.example.com/logo.png" alt="logo"><textarea><a href="https://in.textarea/"></a></textarea></body></html>`;
    expect(addTracking(html, OPTS)).toBe(html.replace('</body>', `${PIXEL}</body>`));
  });

  it('appends the pixel at the end when there is no </body>, and uses the base URL without its trailing slash', () => {
    const out = addTracking('<p><a href="https://example.com/">x</a></p>', { ...OPTS, baseUrl: `${BASE}/` });
    expect(out).toBe(`<p><a ${clickHref('https://example.com/')}>x</a></p>${PIXEL}`);
  });

  it('tracks the links of a real MJML email and keeps its compliance footer unsubscribe link', async () => {
    const compiled = await compileTemplate({
      subject: 'Hello',
      locale: 'ja',
      mjml: `<mjml><mj-body><mj-section><mj-column>
        <mj-text>{{lead.name}} 様 <a href="https://example.com/case?id=7&amp;ref=mail">事例</a></mj-text>
        <mj-button href="https://example.com/book">予約する</mj-button>
        <mj-image src="https://cdn.example.com/banner.png" href="https://example.com/banner" alt="banner" />
      </mj-column></mj-section></mj-body></mjml>`,
    });
    const unsubscribeUrl = `${BASE}/u/${signToken(SECRET, { p: 'unsubscribe', l: LEAD })}`;
    const rendered = withComplianceFooter(
      renderEmail(compiled, { lead: { name: '<script>x</script>' }, unsubscribeUrl }),
      {
        sender: { name: 'Example Co.', postalAddress: '東京都千代田区千代田1-1', contact: '03-0000-0000' },
        unsubscribeUrl,
        locale: 'ja',
      },
    );
    const out = addTracking(rendered.html, OPTS);
    expect(trackedUrls(out)).toEqual([
      'https://example.com/case?id=7&ref=mail',
      'https://example.com/book',
      'https://example.com/banner',
    ]);
    expect(out).toContain(`href="${unsubscribeUrl}"`);
    expect(out).toContain('src="https://cdn.example.com/banner.png"');
    expect(out).toContain('&lt;script&gt;x&lt;/script&gt; 様');
    expect(out).toMatch(new RegExp(`${PIXEL.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\s*</body>`));
  });
});
