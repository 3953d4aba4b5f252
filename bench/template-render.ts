import { performance } from 'node:perf_hooks';
import type { TemplateContent } from '../db/repositories/templates.ts';
import type { Lead } from '../db/repositories/leads.ts';
import { compileTemplate, renderEmail, TemplateCache } from '../mail/render.ts';
import { median, round, runSequentially, type BatchResult } from './stats.ts';

/** What the render measurement is asked to do. */
export interface RenderSettings {
  renders: number;
  compiles: number;
  rounds: number;
  log: (line: string) => void;
}

/** One round: cached renders, then compile+render, back to back. */
export interface RenderRound {
  round: number;
  cached: BatchResult;
  compiled: BatchResult;
  /** Cached renders/s ÷ compile+render/s: how many times cheaper a send is with the cache. */
  speedup: number;
}

/** Every round and the medians. */
export interface RenderResult {
  firstCompileMs: number;
  rounds: RenderRound[];
  medianCachedPerSecond: number;
  medianCompiledPerSecond: number;
  medianSpeedup: number;
  subjectSample: string;
  htmlBytes: number;
}

// A typical nurture email: header, greeting with lead data, two paragraphs, a button, an
// image and a footer; Japanese, as most leads are. The send-path bench sends it too.
export const NURTURE_TEMPLATE: TemplateContent = {
  locale: 'ja',
  subject: '{{lead.company}} {{lead.name}} 様へ: 新機能のご案内',
  mjml: `<mjml>
  <mj-head>
    <mj-attributes><mj-all font-family="Helvetica, Arial, sans-serif" /></mj-attributes>
  </mj-head>
  <mj-body background-color="#f4f4f4">
    <mj-section background-color="#ffffff">
      <mj-column>
        <mj-image src="https://cdn.example.com/logo.png" alt="Example Co." width="160px" />
        <mj-text font-size="16px">{{lead.company}} {{lead.department}}<br />{{lead.name}} 様</mj-text>
        <mj-text>いつもお世話になっております。Example Co. の営業担当です。</mj-text>
        <mj-text>先日は資料をご請求いただきありがとうございました。{{lead.title}}のお立場で役立つ新機能をご紹介します。</mj-text>
        <mj-button href="https://leads.example.com/book?lead={{lead.id}}">打ち合わせを予約する</mj-button>
        <mj-divider border-color="#dddddd" />
        <mj-text font-size="11px" color="#888888">配信停止をご希望の方は {{lead.ownerEmail}} までご連絡ください。</mj-text>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>`,
};

/** A full lead for that template; the send-path bench stores leads with its profile. */
export const SAMPLE_LEAD: Lead = {
  id: '6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f',
  email: 'hanako.yamada@example.jp',
  name: '山田 花子',
  company: '山田商事株式会社',
  department: '情報システム部',
  title: '部長',
  phone: '03-1234-5678',
  postalAddress: { postalCode: '100-0001', prefecture: '東京都', city: '千代田区', line1: '千代田1-1' },
  source: 'webinar',
  ownerEmail: 'sales@example.com',
  cadenceKey: 'bench-p1d',
  locale: 'ja',
  timezone: 'Asia/Tokyo',
  stage: 'nurturing',
  stageEnteredAt: new Date('2024-11-29T00:00:00Z'),
  score: 12,
  scoreAt: new Date('2024-11-29T00:00:00Z'),
  scoreHalfLifeMs: 30 * 86_400_000,
  nextTouchAt: null,
  paused: false,
  doNotContact: false,
  deal: null,
  contractEndReason: null,
  createdAt: new Date('2024-11-29T00:00:00Z'),
  updatedAt: new Date('2024-11-29T00:00:00Z'),
};

/**
 * The send path's rendering as the email activity does it (`templates.get` then
 * `renderEmail(compiled, { lead })`), with the template compiled once by the cache,
 * against compiling it every time (`compileTemplate` + `renderEmail`), alternated per round.
 */
export async function benchTemplateRender(settings: RenderSettings): Promise<RenderResult> {
  const cache = new TemplateCache();
  const data = { lead: SAMPLE_LEAD };
  const started = performance.now();
  const first = await cache.get('bench', 1, NURTURE_TEMPLATE);
  const firstCompileMs = performance.now() - started;
  const sample = renderEmail(first, data);

  // Warm-up, not counted.
  for (let i = 0; i < 100; i++) renderEmail(await cache.get('bench', 1, NURTURE_TEMPLATE), data);
  for (let i = 0; i < 3; i++) renderEmail(await compileTemplate(NURTURE_TEMPLATE), data);

  const rounds: RenderRound[] = [];
  for (let n = 1; n <= settings.rounds; n++) {
    const cached = await runSequentially(settings.renders, async () => {
      renderEmail(await cache.get('bench', 1, NURTURE_TEMPLATE), data);
    });
    const compiled = await runSequentially(settings.compiles, async () => {
      renderEmail(await compileTemplate(NURTURE_TEMPLATE), data);
    });
    settings.log(
      `  round ${n}: cached ${cached.perSecond.toFixed(0)} renders/s, compile+render ${compiled.perSecond.toFixed(1)}/s`,
    );
    rounds.push({ round: n, cached, compiled, speedup: cached.perSecond / compiled.perSecond });
  }
  return {
    firstCompileMs: round(firstCompileMs),
    rounds,
    medianCachedPerSecond: round(median(rounds.map((r) => r.cached.perSecond))),
    medianCompiledPerSecond: round(median(rounds.map((r) => r.compiled.perSecond))),
    medianSpeedup: round(median(rounds.map((r) => r.speedup))),
    subjectSample: sample.subject,
    htmlBytes: Buffer.byteLength(sample.html),
  };
}
