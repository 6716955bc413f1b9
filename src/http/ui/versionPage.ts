/**
 * `/models/:model/versions/:version`: the run history of one version —
 * dataset drift share, parity mismatch ratio and performance metrics over
 * time as charts, then the latest runs as a table.
 */
import type { RunView } from '../../core/run.js';
import { timeSeriesChart, type SeriesPoint } from './charts.js';
import { formatNumber, formatPercent, formatTime, runPath, STATUS_WORDS } from './format.js';
import { html, type SafeHtml } from './html.js';
import { page, statusBadge, type RenderContext } from './layout.js';

export interface VersionPageData {
  model: string;
  version: string;
  task: string;
  features: number;
  createdAt: string;
  /** Reference rows, or null without a reference. */
  referenceRows: number | null;
  /** Newest first, without results. */
  runs: RunView[];
}

const TABLE_RUNS = 50;

function numberAt(value: unknown, ...path: string[]): number | null {
  let node: unknown = value;
  for (const key of path) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) return null;
    node = (node as Record<string, unknown>)[key];
  }
  return typeof node === 'number' && Number.isFinite(node) ? node : null;
}

function series(
  context: RenderContext,
  runs: RunView[],
  value: (run: RunView) => number | null,
  marked: (run: RunView) => boolean,
  format: (v: number) => string,
): SeriesPoint[] {
  return runs.flatMap((run) => {
    const v = run.status === 'error' ? null : value(run);
    if (v === null) return [];
    return [
      {
        timeMs: Date.parse(run.window.end),
        value: v,
        href: `${context.linkBase}${runPath(run.id)}`,
        label: `run ${run.id}, ${formatTime(run.window.end)}: ${format(v)} (${STATUS_WORDS[run.status] ?? run.status})`,
        marked: marked(run),
      },
    ];
  });
}

function chartFigure(heading: string, chart: SafeHtml, legend: SafeHtml): SafeHtml {
  return html`<figure class="card">
    <h3>${heading}</h3>
    ${chart}
    <ul class="legend">
      ${legend}
    </ul>
  </figure>`;
}

function headline(run: RunView): string {
  const s = run.summary;
  if (run.kind === 'drift') {
    const share = numberAt(s, 'dataset', 'share');
    const drifted = Array.isArray(s.driftedFeatures) ? s.driftedFeatures.length : null;
    return share === null
      ? ''
      : `drift share ${formatPercent(share)}${drifted ? `, ${drifted} drifted` : ''}`;
  }
  if (run.kind === 'parity') {
    const ratio = numberAt(s, 'mismatchRatio');
    return ratio === null ? '' : `mismatch ratio ${formatPercent(ratio)}`;
  }
  if (run.kind === 'performance' && typeof s.metrics === 'object' && s.metrics !== null) {
    return Object.entries(s.metrics as Record<string, unknown>)
      .filter(([, v]) => typeof v === 'number')
      .slice(0, 3)
      .map(([name, v]) => `${name} ${formatNumber(v as number)}`)
      .join(', ');
  }
  return '';
}

function performanceCharts(context: RenderContext, runs: RunView[]): SafeHtml[] {
  const latest = runs.find((run) => typeof run.summary.metrics === 'object');
  if (!latest) return [];
  const floors = (latest.summary.floors ?? {}) as Record<string, unknown>;
  const metrics = Object.keys(latest.summary.metrics as Record<string, unknown>);
  const floored = metrics.filter((name) => typeof floors[name] === 'number');
  return (floored.length > 0 ? floored : metrics).slice(0, 4).map((name) => {
    const floor = typeof floors[name] === 'number' ? floors[name] : undefined;
    const points = series(
      context,
      runs,
      (run) => numberAt(run.summary, 'metrics', name),
      (run) => run.status === 'degraded',
      formatNumber,
    );
    return chartFigure(
      `Performance: ${name}`,
      timeSeriesChart({
        title: `${name} per performance run`,
        points,
        format: formatNumber,
        limit:
          floor === undefined ? undefined : { value: floor, label: `floor ${formatNumber(floor)}` },
      }),
      html`<li><span class="swatch marked"></span>below its floor</li>
        ${floor === undefined ? '' : html`<li><span class="swatch limit"></span>floor</li>`}`,
    );
  });
}

export function renderVersionPage(context: RenderContext, data: VersionPageData): string {
  const oldestFirst = [...data.runs].reverse();
  const drift = oldestFirst.filter((run) => run.kind === 'drift');
  const parity = oldestFirst.filter((run) => run.kind === 'parity');
  const threshold = drift
    .map((run) => numberAt(run.summary, 'dataset', 'threshold'))
    .findLast((v) => v !== null);
  const parityLimit = parity
    .map((run) => numberAt(run.summary, 'maxMismatchRatio'))
    .findLast((v) => v !== null);
  const charts: SafeHtml[] = [];
  if (drift.length > 0) {
    charts.push(
      chartFigure(
        'Drift: share of drifted features',
        timeSeriesChart({
          title: 'Share of drifted features per drift run',
          points: series(
            context,
            drift,
            (run) => numberAt(run.summary, 'dataset', 'share'),
            (run) => run.status === 'drift',
            formatPercent,
          ),
          format: formatPercent,
          yMin: 0,
          yMax: 1,
          limit:
            threshold == null
              ? undefined
              : { value: threshold, label: `dataset drift at ${formatPercent(threshold)}` },
        }),
        html`<li><span class="swatch marked"></span>run with drift</li>
          <li><span class="swatch limit"></span>dataset drift threshold</li>`,
      ),
    );
  }
  if (parity.length > 0) {
    charts.push(
      chartFigure(
        'Parity: mismatch ratio',
        timeSeriesChart({
          title: 'Share of re-scored rows whose logged score mismatches, per parity run',
          points: series(
            context,
            parity,
            (run) => numberAt(run.summary, 'mismatchRatio'),
            (run) => run.status === 'degraded',
            formatPercent,
          ),
          format: formatPercent,
          yMin: 0,
          limit:
            parityLimit == null
              ? undefined
              : { value: parityLimit, label: `degraded above ${formatPercent(parityLimit)}` },
        }),
        html`<li><span class="swatch marked"></span>degraded run</li>
          <li><span class="swatch limit"></span>allowed mismatch ratio</li>`,
      ),
    );
  }
  charts.push(...performanceCharts(context, oldestFirst));
  const rows = data.runs.slice(0, TABLE_RUNS).map(
    (
      run,
    ) => html`<tr${run.status === 'drift' || run.status === 'degraded' || run.status === 'error' ? html` class="drifted"` : ''}>
<th scope="row"><a href="${context.linkBase}${runPath(run.id)}">${run.id}</a></th><td>${run.kind}</td><td>${statusBadge(run.status, STATUS_WORDS[run.status])}</td>
<td>${formatTime(run.window.end)}</td><td class="num hide-narrow">${run.rows ?? '—'}</td><td class="hide-narrow">${run.trigger}</td><td>${headline(run)}</td></tr>`,
  );
  const body = html`<p class="crumbs"><a href="${context.linkBase}/">Models</a> › ${data.model}</p>
    <h1>${data.model} · version ${data.version}</h1>
    <dl class="facts">
      <dt>Task</dt>
      <dd>${data.task}</dd>
      <dt>Features</dt>
      <dd>${data.features}</dd>
      <dt>Reference</dt>
      <dd>${data.referenceRows === null ? 'none imported' : `${data.referenceRows} rows`}</dd>
      <dt>Registered</dt>
      <dd>${formatTime(data.createdAt)}</dd>
    </dl>
    <h2>History</h2>
    ${charts.length > 0 ? html`<div class="cards">${charts}</div>` : html`<p class="note">No run of this version yet.</p>`}
    <h2>Latest runs</h2>
    ${
      data.runs.length === 0
        ? html`<p class="muted">None.</p>`
        : html`<div class="table-wrap">
            <table>
              <caption class="visually-hidden">
                The ${Math.min(TABLE_RUNS, data.runs.length)} latest runs, newest first
              </caption>
              <thead>
                <tr>
                  <th scope="col">Run</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Status</th>
                  <th scope="col">Window end</th>
                  <th scope="col" class="num hide-narrow">Rows</th>
                  <th scope="col" class="hide-narrow">Trigger</th>
                  <th scope="col">Figures</th>
                </tr>
              </thead>
              <tbody>
                ${rows}
              </tbody>
            </table>
          </div>`
    }`;
  return page(context, `${data.model} version ${data.version}`, body);
}
