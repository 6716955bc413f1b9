/**
 * Inline SVG charts, drawn on the server: no script, no external asset. Each
 * chart is an `<svg role="img">` with a `<title>` and a `<desc>` that say in
 * words what it shows; colours come from classes of the stylesheet, and the
 * two series differ in shape too (filled bars vs an outlined step).
 */
import type { CategoricalSnapshot, NumericSnapshot } from '../../drift/index.js';
import { formatNumber, formatPercent } from './format.js';
import { html, raw, type SafeHtml } from './html.js';

const WIDTH = 560;

/** A coordinate with at most 2 decimals: the SVG stays small. */
function c(value: number): string {
  return String(Math.round(value * 100) / 100);
}

/**
 * Ids for aria-labelledby, from the chart's title (unique on a page: one
 * chart per feature or series), so rendering stays a pure function.
 */
function chartId(prefix: string, title: string): string {
  // FNV-1a, 32 bits: short, stable, and any character of the title is fine.
  let hash = 0x811c9dc5;
  for (let i = 0; i < title.length; i++) {
    hash ^= title.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return `${prefix}-${hash.toString(36)}`;
}

function svg(id: string, height: number, title: string, desc: string, shapes: string[]): SafeHtml {
  return html`<svg
    class="chart"
    viewBox="0 0 ${WIDTH} ${height}"
    role="img"
    aria-labelledby="${id}-t ${id}-d"
    preserveAspectRatio="xMidYMid meet"
  >
    <title id="${id}-t">${title}</title>
    <desc id="${id}-d">${desc}</desc>
    ${raw(shapes.join(''))}
  </svg>`;
}

/**
 * Reference (filled bars) and current (step outline) histograms of a numeric
 * feature on the reference's bins; what fell outside the reference's range
 * is drawn as one extra bar on each side, set apart.
 */
export function histogramChart(snapshot: NumericSnapshot, label: string): SafeHtml {
  const id = chartId('hist', label);
  const height = 200;
  const top = 14;
  const bottom = 36;
  const left = 46;
  const right = 10;
  const k = snapshot.reference.length;
  const current = snapshot.current;
  const hasBelow = (current?.below ?? 0) > 0;
  const hasAbove = (current?.above ?? 0) > 0;
  // Slots: [below, gap] k bins [gap, above].
  const slots = k + (hasBelow ? 1.5 : 0) + (hasAbove ? 1.5 : 0);
  const slot = (WIDTH - left - right) / slots;
  const binX = (i: number): number => left + (hasBelow ? 1.5 * slot : 0) + i * slot;
  const all = [
    ...snapshot.reference,
    ...(current?.bins ?? []),
    current?.below ?? 0,
    current?.above ?? 0,
  ];
  const yMax = Math.max(1e-9, ...all) * 1.08;
  const plotHeight = height - top - bottom;
  const y = (fraction: number): number => top + plotHeight * (1 - fraction / yMax);
  const base = top + plotHeight;
  const parts: string[] = [];
  parts.push(
    `<line class="axis" x1="${c(left)}" y1="${c(base)}" x2="${c(WIDTH - right)}" y2="${c(base)}"/>`,
    `<line class="grid" x1="${c(left)}" y1="${c(top)}" x2="${c(WIDTH - right)}" y2="${c(top)}"/>`,
  );
  snapshot.reference.forEach((fraction, i) => {
    if (fraction <= 0) return;
    parts.push(
      `<rect class="ref" x="${c(binX(i) + 0.5)}" y="${c(y(fraction))}" width="${c(Math.max(0.5, slot - 1))}" height="${c(base - y(fraction))}"/>`,
    );
  });
  if (current) {
    let d = `M${c(binX(0))} ${c(base)}`;
    current.bins.forEach((fraction, i) => {
      d += ` L${c(binX(i))} ${c(y(fraction))} L${c(binX(i + 1))} ${c(y(fraction))}`;
    });
    d += ` L${c(binX(k))} ${c(base)}`;
    parts.push(`<path class="cur" d="${d}"/>`);
    const outside = (x: number, fraction: number): void => {
      parts.push(
        `<rect class="cur-out" x="${c(x + 1)}" y="${c(y(fraction))}" width="${c(slot - 2)}" height="${c(base - y(fraction))}"/>`,
      );
    };
    if (hasBelow) outside(left, current.below);
    if (hasAbove) outside(binX(k) + 0.5 * slot, current.above);
  }
  const edges = snapshot.edges;
  const tick = (x: number, text: string, anchor: string): string =>
    `<text class="tick" x="${c(x)}" y="${c(base + 16)}" text-anchor="${anchor}">${escapeSvg(text)}</text>`;
  parts.push(tick(binX(0), formatNumber(edges[0]), hasBelow ? 'middle' : 'start'));
  parts.push(tick(binX(k / 2), formatNumber(edges[Math.floor(k / 2)]), 'middle'));
  parts.push(tick(binX(k), formatNumber(edges[k]), hasAbove ? 'middle' : 'end'));
  if (hasBelow) parts.push(tick(left, '< min', 'start').replace('y="', 'dy="14" y="'));
  if (hasAbove) parts.push(tick(WIDTH - right, '> max', 'end').replace('y="', 'dy="14" y="'));
  parts.push(
    `<text class="tick" x="${c(left - 6)}" y="${c(top + 4)}" text-anchor="end">${escapeSvg(formatPercent(yMax / 1.08))}</text>`,
    `<text class="tick" x="${c(left - 6)}" y="${c(base)}" text-anchor="end">0</text>`,
  );
  const desc = current
    ? `Histogram over ${k} bins from ${formatNumber(edges[0])} to ${formatNumber(edges[k])}, the reference's range. Reference as filled bars, current window as an outlined step. Current share below the reference minimum ${formatPercent(current.below)}, above its maximum ${formatPercent(current.above)}.`
    : `Reference histogram over ${k} bins; the window had no value of this feature.`;
  return svg(id, height, `${label}: reference and current distributions`, desc, parts);
}

/** Grouped horizontal bars: per category, the reference's share above the current's. */
export function categoryChart(snapshot: CategoricalSnapshot, label: string): SafeHtml {
  const id = chartId('cat', label);
  const rows = [...snapshot.categories];
  if (snapshot.other) rows.push(snapshot.other);
  const rowHeight = 26;
  const top = 6;
  const labelWidth = 150;
  const valueWidth = 64;
  const height = top + rows.length * rowHeight + 6;
  const barSpace = WIDTH - labelWidth - valueWidth;
  const max = Math.max(1e-9, ...rows.flatMap((row) => [row.reference, row.current ?? 0]));
  const parts: string[] = [];
  rows.forEach((row, i) => {
    const y0 = top + i * rowHeight;
    const name =
      snapshot.other && i === rows.length - 1
        ? `other (${snapshot.other.count} categories)`
        : row.category;
    const shown = name.length > 20 ? `${name.slice(0, 19)}…` : name;
    parts.push(
      `<text class="cat-label" x="${labelWidth - 8}" y="${c(y0 + 16)}" text-anchor="end"><title>${escapeSvg(name)}</title>${escapeSvg(shown)}</text>`,
    );
    const refWidth = (row.reference / max) * barSpace;
    parts.push(
      `<rect class="ref" x="${labelWidth}" y="${c(y0 + 2)}" width="${c(Math.max(refWidth, 0.5))}" height="10"/>`,
    );
    if (row.current !== null) {
      const curWidth = (row.current / max) * barSpace;
      parts.push(
        `<rect class="cur-bar" x="${labelWidth}" y="${c(y0 + 13)}" width="${c(Math.max(curWidth, 0.5))}" height="10"/>`,
      );
    }
    parts.push(
      `<text class="tick" x="${WIDTH - 4}" y="${c(y0 + 11)}" text-anchor="end">${escapeSvg(formatPercent(row.reference))}</text>`,
      `<text class="tick tick-cur" x="${WIDTH - 4}" y="${c(y0 + 23)}" text-anchor="end">${escapeSvg(formatPercent(row.current))}</text>`,
    );
  });
  const desc = `Share of each category in the reference (upper bar) and the current window (lower bar)${snapshot.other ? `; ${snapshot.other.count} smaller categories summed as other` : ''}.`;
  return svg(id, height, `${label}: reference and current category shares`, desc, parts);
}

export interface SeriesPoint {
  timeMs: number;
  value: number;
  /** Link of the point (its run page). */
  href: string;
  /** Tooltip text. */
  label: string;
  /** Marked points are drawn as an alarm (filled square). */
  marked: boolean;
}

/** A value over time: a line through the runs, a dashed limit line when given. */
export function timeSeriesChart(options: {
  title: string;
  points: SeriesPoint[];
  format: (value: number) => string;
  limit?: { value: number; label: string } | undefined;
  yMin?: number;
  yMax?: number;
}): SafeHtml {
  const id = chartId('series', options.title);
  const height = 180;
  const top = 12;
  const bottom = 28;
  const left = 56;
  const right = 12;
  const points = [...options.points].sort((a, b) => a.timeMs - b.timeMs);
  const values = points.map((p) => p.value);
  const yMin = options.yMin ?? Math.min(0, ...values);
  const yMax = Math.max(
    options.yMax ?? -Infinity,
    ...values,
    options.limit?.value ?? -Infinity,
    yMin + 1e-9,
  );
  const t0 = points[0]?.timeMs ?? 0;
  const t1 = Math.max(points.at(-1)?.timeMs ?? 1, t0 + 1);
  const x = (t: number): number =>
    points.length === 1
      ? (left + WIDTH - right) / 2
      : left + ((t - t0) / (t1 - t0)) * (WIDTH - left - right);
  const y = (v: number): number => top + (height - top - bottom) * (1 - (v - yMin) / (yMax - yMin));
  const parts: string[] = [
    `<line class="axis" x1="${left}" y1="${c(y(yMin))}" x2="${WIDTH - right}" y2="${c(y(yMin))}"/>`,
    `<line class="grid" x1="${left}" y1="${c(y(yMax))}" x2="${WIDTH - right}" y2="${c(y(yMax))}"/>`,
    `<text class="tick" x="${left - 6}" y="${c(y(yMax) + 4)}" text-anchor="end">${escapeSvg(options.format(yMax))}</text>`,
    `<text class="tick" x="${left - 6}" y="${c(y(yMin) + 4)}" text-anchor="end">${escapeSvg(options.format(yMin))}</text>`,
  ];
  if (options.limit) {
    parts.push(
      `<line class="limit" x1="${left}" y1="${c(y(options.limit.value))}" x2="${WIDTH - right}" y2="${c(y(options.limit.value))}"><title>${escapeSvg(options.limit.label)}</title></line>`,
    );
  }
  if (points.length > 1) {
    parts.push(
      `<polyline class="series" points="${points.map((p) => `${c(x(p.timeMs))},${c(y(p.value))}`).join(' ')}"/>`,
    );
  }
  for (const p of points) {
    const shape = p.marked
      ? `<rect class="point marked" x="${c(x(p.timeMs) - 4)}" y="${c(y(p.value) - 4)}" width="8" height="8"/>`
      : `<circle class="point" cx="${c(x(p.timeMs))}" cy="${c(y(p.value))}" r="3.5"/>`;
    parts.push(`<a href="${escapeSvg(p.href)}"><title>${escapeSvg(p.label)}</title>${shape}</a>`);
  }
  if (points.length > 0) {
    const day = (ms: number): string => new Date(ms).toISOString().slice(5, 16).replace('T', ' ');
    parts.push(
      `<text class="tick" x="${left}" y="${height - 8}" text-anchor="start">${escapeSvg(day(t0))}</text>`,
      `<text class="tick" x="${WIDTH - right}" y="${height - 8}" text-anchor="end">${escapeSvg(day(t1))} UTC</text>`,
    );
  }
  const last = points.at(-1);
  const desc = last
    ? `${points.length} runs; latest ${options.format(last.value)}${options.limit ? `; ${options.limit.label}` : ''}. Squares mark runs that raised an alarm.`
    : 'No runs yet.';
  return svg(id, height, options.title, desc, parts);
}

function escapeSvg(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
