import { html, raw, type Html } from './html.ts';
import { escapeHtml } from '../domain/html.ts';

/** One bar of a chart. */
export interface Bar {
  label: string;
  value: number;
}

const COLOURS = ['#0b57d0', '#1a7f37', '#9a6700', '#cf222e', '#8250df', '#57606a'];

/**
 * A horizontal bar chart as inline SVG: drawn on the server (no chart library, no
 * script), with the figures written beside the bars and an accessible name, so it reads
 * the same to a screen reader as to the eye.
 */
export function barChart(title: string, bars: readonly Bar[]): Html {
  // Sized for a dashboard chart card (two columns wide, or a phone's width): drawn at its own pixel size and only ever
  // scaled down, so the labels stay at a readable 12px instead of shrinking to a few.
  const rowHeight = 24;
  const labelWidth = 120;
  const width = 320;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const height = bars.length * rowHeight + 4;
  const rows = bars
    .map((bar, i) => {
      const y = i * rowHeight + 2;
      const w = Math.round(((width - labelWidth - 50) * bar.value) / max);
      return (
        `<text x="${labelWidth - 6}" y="${y + 16}" text-anchor="end">${escapeHtml(bar.label)}</text>` +
        `<rect x="${labelWidth}" y="${y + 4}" width="${Math.max(w, bar.value > 0 ? 2 : 0)}" height="${rowHeight - 8}" rx="3" fill="${COLOURS[i % COLOURS.length] ?? '#0b57d0'}"></rect>` +
        `<text x="${labelWidth + w + 6}" y="${y + 16}">${bar.value}</text>`
      );
    })
    .join('');
  const summary = bars.map((b) => `${b.label} ${b.value}`).join(', ');
  return html`<figure class="chart-figure">${raw(`<svg class="chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(`${title}: ${summary}`)}">${rows}</svg>`)}<figcaption class="muted">${title}</figcaption></figure>`;
}

/** A series of points in time for a line chart. */
export interface Point {
  at: number;
  value: number;
}

/**
 * A line chart of values over time (a lead's score), with an optional horizontal line
 * (the escalation threshold); inline SVG like {@link barChart}.
 */
export function lineChart(
  title: string,
  points: readonly Point[],
  options: { threshold?: number; formatTime: (ms: number) => string },
): Html {
  const width = 560;
  const height = 180;
  const pad = { left: 36, right: 12, top: 10, bottom: 24 };
  if (points.length === 0) return html`<p class="muted">${title}: —</p>`;
  const minT = Math.min(...points.map((p) => p.at));
  const maxT = Math.max(minT + 1, ...points.map((p) => p.at));
  const maxV = Math.max(1, options.threshold ?? 0, ...points.map((p) => p.value)) * 1.1;
  const x = (t: number) => pad.left + ((t - minT) / (maxT - minT)) * (width - pad.left - pad.right);
  const y = (v: number) => height - pad.bottom - (v / maxV) * (height - pad.top - pad.bottom);
  const path = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.at).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
  const threshold =
    options.threshold === undefined
      ? ''
      : `<line x1="${pad.left}" x2="${width - pad.right}" y1="${y(options.threshold).toFixed(1)}" y2="${y(options.threshold).toFixed(1)}" stroke="#cf222e" stroke-dasharray="4 3"></line><text x="${width - pad.right}" y="${(y(options.threshold) - 4).toFixed(1)}" text-anchor="end">${options.threshold}</text>`;
  const axis =
    `<line x1="${pad.left}" x2="${width - pad.right}" y1="${height - pad.bottom}" y2="${height - pad.bottom}" stroke="#d0d7de"></line>` +
    `<text x="${pad.left}" y="${height - 6}">${escapeHtml(options.formatTime(minT))}</text><text x="${width - pad.right}" y="${height - 6}" text-anchor="end">${escapeHtml(options.formatTime(maxT))}</text>` +
    `<text x="4" y="${y(0).toFixed(1)}">0</text>`;
  const last = points[points.length - 1];
  const label = `${title}: ${points.length} points, latest ${last ? Math.round(last.value * 10) / 10 : 0}${options.threshold === undefined ? '' : `, threshold ${options.threshold}`}`;
  return html`<figure class="chart-figure">${raw(
    `<svg class="chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(label)}">${axis}${threshold}<path d="${path}" fill="none" stroke="#0b57d0" stroke-width="2"></path>${points
      .map((p) => `<circle cx="${x(p.at).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="2.5" fill="#0b57d0"></circle>`)
      .join('')}</svg>`,
  )}<figcaption class="muted">${title}</figcaption></figure>`;
}
