import { type Html, html } from './html.js';

/**
 * Requests over time by decision, as an inline SVG stacked bar chart (no script, no library):
 * one bar per time bucket, allowed at the bottom, shadow denials and denials above, each bar
 * titled with its counts, and the same numbers as a table for screen readers and copying.
 */

/** The outcomes drawn, bottom to top. */
export const CHART_OUTCOMES = ['allowed', 'shadow_denied', 'denied'] as const;
export type ChartOutcome = (typeof CHART_OUTCOMES)[number];

/** One time bucket's counts. */
export interface Bucket {
  /** Start, in ms since the epoch. */
  readonly start: number;
  readonly end: number;
  readonly counts: Record<ChartOutcome, number>;
}

/**
 * Splits `[since, until)` into `count` buckets and counts each decision into its bucket.
 * @example
 * bucketize(decisions.map((d) => ({ time: Date.parse(d.time), outcome: d.outcome })), since, until, 24)
 */
export function bucketize(
  points: Iterable<{ readonly time: number; readonly outcome: ChartOutcome }>,
  since: number,
  until: number,
  count: number,
): Bucket[] {
  const width = Math.max(1, (until - since) / count);
  const buckets: Bucket[] = Array.from({ length: count }, (_, i) => ({
    start: since + i * width,
    end: since + (i + 1) * width,
    counts: { allowed: 0, shadow_denied: 0, denied: 0 },
  }));
  for (const point of points) {
    if (point.time < since || point.time >= until) continue;
    const index = Math.min(count - 1, Math.floor((point.time - since) / width));
    buckets[index]!.counts[point.outcome] += 1;
  }
  return buckets;
}

const LABEL: Record<ChartOutcome, string> = {
  allowed: 'Allowed',
  shadow_denied: 'Shadow denied',
  denied: 'Denied',
};

function niceMax(value: number): number {
  if (value <= 4) return 4;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

function timeLabel(ms: number, spanMs: number): string {
  const iso = new Date(ms).toISOString();
  return spanMs <= 2 * 86_400_000 ? iso.slice(11, 16) : iso.slice(5, 10);
}

/** The chart, its legend and its data table. */
export function requestsChart(buckets: readonly Bucket[], caption: string): Html {
  const W = 720;
  const H = 220;
  const left = 44;
  const right = 8;
  const top = 10;
  const bottom = 28;
  const plotW = W - left - right;
  const plotH = H - top - bottom;
  const totals = buckets.map((b) => b.counts.allowed + b.counts.shadow_denied + b.counts.denied);
  const max = niceMax(Math.max(0, ...totals));
  const slot = plotW / Math.max(1, buckets.length);
  const barW = Math.max(2, slot * 0.72);
  const span = (buckets.at(-1)?.end ?? 0) - (buckets[0]?.start ?? 0);
  const labelEvery = Math.max(1, Math.ceil(buckets.length / 8));
  const y = (v: number) => top + plotH - (v / max) * plotH;
  const grid = [0, max / 2, max].map(
    (v) =>
      html`<line class="grid" x1="${left}" x2="${W - right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}"/><text x="${left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${Number.isInteger(v) ? v : v.toFixed(1)}</text>`,
  );
  const bars = buckets.map((bucket, i) => {
    const x = left + i * slot + (slot - barW) / 2;
    let base = 0;
    const parts = CHART_OUTCOMES.map((outcome) => {
      const n = bucket.counts[outcome];
      if (n === 0) return html``;
      const y0 = y(base);
      base += n;
      const y1 = y(base);
      return html`<rect class="${outcome}" x="${x.toFixed(1)}" y="${y1.toFixed(1)}" width="${barW.toFixed(1)}" height="${Math.max(0.5, y0 - y1).toFixed(1)}"/>`;
    });
    const title = `${timeLabel(bucket.start, span)}–${timeLabel(bucket.end, span)} UTC: ${CHART_OUTCOMES.map((o) => `${bucket.counts[o]} ${LABEL[o].toLowerCase()}`).join(', ')}`;
    const label =
      i % labelEvery === 0
        ? html`<text x="${(left + i * slot + slot / 2).toFixed(1)}" y="${H - 8}" text-anchor="middle">${timeLabel(bucket.start, span)}</text>`
        : html``;
    return html`<g><title>${title}</title>${parts}</g>${label}`;
  });
  const total = totals.reduce((a, b) => a + b, 0);
  return html`<figure class="card" aria-labelledby="chart-caption">
  <figcaption id="chart-caption"><strong>Requests over time by decision</strong> <span class="small muted">${caption} · ${total} request${total === 1 ? '' : 's'}</span></figcaption>
  <svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="chart-caption chart-desc" preserveAspectRatio="xMidYMid meet">
    <desc id="chart-desc">${CHART_OUTCOMES.map((o) => `${buckets.reduce((a, b) => a + b.counts[o], 0)} ${LABEL[o].toLowerCase()}`).join(', ')}</desc>
    ${grid}${bars}
  </svg>
  <ul class="legend">${CHART_OUTCOMES.map((o) => html`<li><span class="${o}"></span>${LABEL[o]}</li>`)}</ul>
  <details><summary>Show the numbers</summary>
    <div class="table-wrap"><table>
      <thead><tr><th scope="col">From (UTC)</th>${CHART_OUTCOMES.map((o) => html`<th scope="col">${LABEL[o]}</th>`)}</tr></thead>
      <tbody>${buckets.map(
        (b) =>
          html`<tr><td>${new Date(b.start).toISOString().slice(0, 16).replace('T', ' ')}</td>${CHART_OUTCOMES.map((o) => html`<td>${b.counts[o]}</td>`)}</tr>`,
      )}</tbody>
    </table></div>
  </details>
</figure>`;
}
