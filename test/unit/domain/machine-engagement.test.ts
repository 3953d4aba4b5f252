import { describe, expect, it } from 'vitest';
import {
  BURST_WINDOW_MS,
  classifyHit,
  CLICK_SCAN_WINDOW_MS,
  deliveryEngagement,
  OPEN_PREFETCH_WINDOW_MS,
  type PriorHit,
  type TrackingHit,
} from '../../../domain/machine-engagement.ts';

const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const SENT = Date.parse('2026-12-01T01:00:00Z');
const MINUTE = 60_000;

const hit = (over: Partial<TrackingHit>): TrackingHit => ({
  kind: 'click',
  method: 'GET',
  userAgent: CHROME,
  atMs: SENT + 10 * MINUTE,
  url: 'https://example.jp/a',
  ...over,
});
const click = (id: string, url: string, atMs: number, machineReason: PriorHit['machineReason'] = null): PriorHit => ({
  id,
  kind: 'click',
  url,
  atMs,
  machineReason,
});

describe('classifyHit', () => {
  it('counts a browser click ten minutes after the send as a person', () => {
    expect(classifyHit(hit({}), SENT, [])).toEqual({ reason: null, alsoMachine: [] });
  });

  it('counts a HEAD request as a link checker', () => {
    expect(classifyHit(hit({ method: 'HEAD' }), SENT, []).reason).toBe('head_request');
  });

  it('counts a hit without a User-Agent as a machine', () => {
    expect(classifyHit(hit({ userAgent: undefined }), SENT, []).reason).toBe('no_user_agent');
    expect(classifyHit(hit({ userAgent: '  ' }), SENT, []).reason).toBe('no_user_agent');
  });

  it.each([
    'Mimecast Safe Links',
    'Microsoft SafeLinks',
    'python-requests/2.31',
    'Barracuda Sentinel',
    'Slackbot-LinkExpanding',
  ])('counts the scanner "%s" as a machine', (userAgent) => {
    expect(classifyHit(hit({ userAgent }), SENT, []).reason).toBe('scanner_user_agent');
  });

  it("counts Gmail's image proxy as the reader on an open but as a machine on a click", () => {
    const proxy = 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)';
    expect(classifyHit(hit({ kind: 'open', url: undefined, userAgent: proxy }), SENT, []).reason).toBeNull();
    expect(classifyHit(hit({ userAgent: proxy }), SENT, []).reason).toBe('image_proxy_click');
  });

  it("counts Apple Mail Privacy Protection's bare Mozilla/5.0 open as a prefetch", () => {
    expect(classifyHit(hit({ kind: 'open', url: undefined, userAgent: 'Mozilla/5.0' }), SENT, []).reason).toBe(
      'privacy_prefetch',
    );
  });

  it('counts an open within the prefetch window of the send as a machine, and one after it as a person', () => {
    const open = (atMs: number) => classifyHit(hit({ kind: 'open', url: undefined, atMs }), SENT, []).reason;
    expect(open(SENT + OPEN_PREFETCH_WINDOW_MS - 1)).toBe('too_soon_after_delivery');
    expect(open(SENT + OPEN_PREFETCH_WINDOW_MS)).toBeNull();
  });

  it('counts a click within the scan window of the send as a scanner, and one after it as a person', () => {
    expect(classifyHit(hit({ atMs: SENT + CLICK_SCAN_WINDOW_MS - 1 }), SENT, []).reason).toBe(
      'too_soon_after_delivery',
    );
    expect(classifyHit(hit({ atMs: SENT + CLICK_SCAN_WINDOW_MS }), SENT, []).reason).toBeNull();
  });

  it('applies no timing rule when the send time is not known', () => {
    expect(classifyHit(hit({ atMs: SENT }), null, []).reason).toBeNull();
  });

  it('counts the third different link within seconds as a scanner and takes back the first two', () => {
    const at = SENT + 10 * MINUTE;
    const prior = [click('1', 'https://example.jp/a', at), click('2', 'https://example.jp/b', at + 1000)];
    expect(classifyHit(hit({ url: 'https://example.jp/c', atMs: at + 2000 }), SENT, prior)).toEqual({
      reason: 'all_links_at_once',
      alsoMachine: ['1', '2'],
    });
  });

  it('counts three links clicked further apart than the burst window as a person', () => {
    const at = SENT + 10 * MINUTE;
    const prior = [
      click('1', 'https://example.jp/a', at),
      click('2', 'https://example.jp/b', at + BURST_WINDOW_MS + 1),
    ];
    expect(
      classifyHit(hit({ url: 'https://example.jp/c', atMs: at + 2 * BURST_WINDOW_MS + 2 }), SENT, prior).reason,
    ).toBeNull();
  });

  it('counts the same link clicked three times quickly as a person (a double click is no scan)', () => {
    const at = SENT + 10 * MINUTE;
    const prior = [click('1', 'https://example.jp/a', at), click('2', 'https://example.jp/a', at + 500)];
    expect(classifyHit(hit({ atMs: at + 900 }), SENT, prior).reason).toBeNull();
  });
});

describe('deliveryEngagement', () => {
  it('counts an email only machines opened apart from one a person opened', () => {
    expect(deliveryEngagement([{ kind: 'open', machineReason: 'privacy_prefetch' }])).toEqual({
      opened: false,
      machineOpened: true,
      clicked: false,
      machineClicked: false,
    });
    expect(
      deliveryEngagement([
        { kind: 'open', machineReason: 'privacy_prefetch' },
        { kind: 'open', machineReason: null },
      ]),
    ).toMatchObject({ opened: true, machineOpened: false });
  });

  it("counts a person's click as an open even when the pixel was blocked", () => {
    expect(deliveryEngagement([{ kind: 'click', machineReason: null }])).toEqual({
      opened: true,
      machineOpened: false,
      clicked: true,
      machineClicked: false,
    });
  });

  it('counts a scanner-only click apart, and no open from it', () => {
    expect(deliveryEngagement([{ kind: 'click', machineReason: 'scanner_user_agent' }])).toEqual({
      opened: false,
      machineOpened: false,
      clicked: false,
      machineClicked: true,
    });
  });
});
