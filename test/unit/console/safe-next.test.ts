import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { safeNext } from '../../../console/pages/sign-in.ts';

const SITE = 'https://leads.example';

/** Where a browser goes with `location` as the Location header of a page on SITE. */
const landing = (location: string) => new URL(location, SITE);

// Each was seen to leave the site somewhere: browsers drop tabs and line breaks from URLs,
// read `\` as `/`, and resolve dot segments before looking at the host.
const EVIL = [
  '//evil.example',
  '//evil.example/x',
  '///evil.example',
  '/\\evil.example',
  '\\/evil.example',
  '/\\/evil.example',
  '\\\\evil.example',
  '/\t/evil.example',
  '/\n/evil.example',
  '/\r\n/evil.example',
  '/\x0b/evil.example',
  '\t//evil.example',
  ' //evil.example',
  'https://evil.example',
  'http:evil.example',
  'javascript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'evil.example',
  '/..//evil.example',
  '/a/..//evil.example',
  '/./\\evil.example',
  '//evil.example@leads.example',
  '/%2F%2Fevil.example',
  '/%09/evil.example',
  '/%5Cevil.example',
  '/\u3000/evil.example',
];

describe('safeNext', () => {
  it.each(EVIL)('keeps the reader on the site for %j', (next) => {
    const target = landing(safeNext(next));
    expect(target.origin).toBe(SITE);
    expect(safeNext(next)).not.toMatch(/^\/\/|^\/\\|[\s\\]/);
  });

  it('keeps a path on the site as it was, with its query', () => {
    expect(safeNext('/leads')).toBe('/leads');
    expect(safeNext('/leads?stage=nurture&q=a%20b')).toBe('/leads?stage=nurture&q=a%20b');
    expect(safeNext('/templates/welcome/edit')).toBe('/templates/welcome/edit');
    expect(safeNext(undefined)).toBe('/');
    expect(safeNext('')).toBe('/');
  });

  it('never answers a Location that a browser resolves to another origin, whatever the input', () => {
    const piece = fc.constantFrom(
      '/',
      '\\',
      '\t',
      '\n',
      '\r',
      '.',
      '..',
      '%2F',
      '%5C',
      '%09',
      ':',
      '@',
      'evil.example',
      'https:',
      ' ',
      '\x00',
      '#',
      '?',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), (pieces) => {
        const answer = safeNext(pieces.join(''));
        expect(landing(answer).origin).toBe(SITE);
        expect(answer).toMatch(/^\/(?![/\\])/);
        expect([...answer].some((c) => c <= ' ' || c === '\\')).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });
});
