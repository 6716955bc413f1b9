/**
 * `/runs/:id` (and `driftwatch report`): one run. Drift runs get the
 * per-feature table and each feature's reference and current distributions;
 * parity runs their figures, worst rows and diagnosis; performance runs their
 * metrics against the floors. Every run lists all its result rows at the end.
 */
import type { RunResultView, RunView } from '../../core/run.js';
import { categoryChart, histogramChart } from './charts.js';
import { estimateSection } from './estimateSection.js';
import {
  featureLabel,
  formatNumber,
  formatPercent,
  formatTime,
  STATUS_WORDS,
  versionPath,
} from './format.js';
import { html, type SafeHtml } from './html.js';
import { page, statusBadge, type RenderContext } from './layout.js';
import { snapshotsOf } from './snapshotGuard.js';

/** A summary field as text: strings and numbers as they are, anything else empty. */
function text(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}

const DECISIVE_TESTS = new Set(['ks', 'chi_square']);
const QUALITY_WORDS: Record<string, string> = {
  missing_rate: 'missing rate changed',
  out_of_range: 'values out of the reference range',
  unseen_categories: 'unseen categories',
};

interface FeatureRow {
  feature: string;
  decisive: RunResultView | undefined;
  psi: RunResultView | undefined;
  quality: string[];
}

function featureRows(results: RunResultView[]): FeatureRow[] {
  const byFeature = new Map<string, FeatureRow>();
  for (const result of results) {
    const row = byFeature.get(result.feature) ?? {
      feature: result.feature,
      decisive: undefined,
      psi: undefined,
      quality: [],
    };
    if (DECISIVE_TESTS.has(result.test)) row.decisive = result;
    else if (result.test === 'psi') row.psi = result;
    else if (result.drifted && QUALITY_WORDS[result.test])
      row.quality.push(QUALITY_WORDS[result.test]!);
    byFeature.set(result.feature, row);
  }
  return [...byFeature.values()];
}

function verdictOf(row: FeatureRow): { status: string; words: string } {
  if (!row.decisive || row.decisive.status === 'insufficient_data')
    return { status: 'insufficient_data', words: 'insufficient data' };
  return row.decisive.drifted
    ? { status: 'drift', words: 'drifted' }
    : { status: 'ok', words: 'no drift' };
}

function facts(run: RunView): SafeHtml {
  return html`<dl class="facts">
    <dt>Window</dt>
    <dd>${formatTime(run.window.start)} to ${formatTime(run.window.end)}</dd>
    <dt>Rows</dt>
    <dd>${run.rows ?? '—'}${run.path ? ` (${run.path} path)` : ''}</dd>
    <dt>Trigger</dt>
    <dd>${run.trigger}</dd>
    <dt>Finished</dt>
    <dd>${formatTime(run.finished_at)} in ${run.duration_ms} ms</dd>
  </dl>`;
}

interface SegmentLine {
  by: string;
  value: string;
  rows: number | null;
  /** `slice`, `whole`, or empty for runs stored before segments said it. */
  reference: string;
  status: string;
  driftedFeatures: string[];
}

/** `summary.segments` of a drift run, read defensively (stored JSON). */
function segmentLines(summary: Record<string, unknown>): SegmentLine[] {
  if (!Array.isArray(summary.segments)) return [];
  return (summary.segments as unknown[]).flatMap((entry): SegmentLine[] => {
    if (entry === null || typeof entry !== 'object') return [];
    const e = entry as Record<string, unknown>;
    return [
      {
        by: text(e.by),
        value: text(e.value),
        rows: typeof e.rows === 'number' ? e.rows : null,
        reference: e.reference === 'slice' || e.reference === 'whole' ? e.reference : '',
        status: text(e.status),
        driftedFeatures: Array.isArray(e.driftedFeatures) ? e.driftedFeatures.map(String) : [],
      },
    ];
  });
}

/** The segments table of a drift run: one line per segment, drifted ones marked. */
function segmentsSection(run: RunView): SafeHtml {
  const lines = segmentLines(run.summary);
  if (lines.length === 0) return html``;
  const family = text(run.summary.segmentFamilySize);
  const source = text(run.summary.segmentRows);
  return html`<h2>Segments</h2>
    <p class="muted">
      A feature's segment is tested against the reference rows with the same value when the
      reference has them ("same value"), else, like a tag's segment, against the whole reference;
      one ${text((run.summary.policy as Record<string, unknown> | undefined)?.correction)}
      correction covers the whole window's features and all ${family} (feature, segment) tests of
      the run. Segments were read from
      ${source === 'sample' ? 'the raw sample of the window' : 'every raw row of the window'}.
    </p>
    <div class="table-wrap">
      <table class="segments">
        <thead>
          <tr>
            <th scope="col">By</th>
            <th scope="col">Value</th>
            <th scope="col" class="num">Rows</th>
            <th scope="col">Reference</th>
            <th scope="col">Status</th>
            <th scope="col">Drifted features</th>
          </tr>
        </thead>
        <tbody>
          ${lines.map(
            (line) =>
              html`<tr${line.status === 'drift' ? html` class="drifted"` : ''}><th scope="row">${line.by}</th><td>${line.value}</td><td class="num">${line.rows ?? '—'}</td><td>${line.reference === 'slice' ? 'same value' : line.reference === 'whole' ? 'whole' : '—'}</td><td>${statusBadge(line.status, line.status === 'insufficient_data' ? 'insufficient data' : line.status === 'drift' ? 'drifted' : 'no drift')}</td><td>${line.driftedFeatures.map(featureLabel).join(', ')}</td></tr>`,
          )}
        </tbody>
      </table>
    </div>`;
}

function driftSection(context: RenderContext, run: RunView): SafeHtml {
  // The whole window's rows only: segment rows are in the segments table and in all rows.
  // A run served before segments existed has no `segment` at all: whole window.
  const rows = featureRows(
    (run.results ?? []).filter((r) => r.segment === null || r.segment === undefined),
  );
  const dataset = (run.summary.dataset ?? {}) as Record<string, unknown>;
  const share = typeof dataset.share === 'number' ? dataset.share : null;
  const drifted = rows.filter((row) => row.decisive?.drifted);
  const snapshots = snapshotsOf(run.summary);
  const tableRows = rows.map((row) => {
    const verdict = verdictOf(row);
    const d = row.decisive;
    return html`<tr${d?.drifted ? html` class="drifted"` : ''}>
<th scope="row">${featureLabel(row.feature)}</th><td class="hide-narrow">${d?.test ?? '—'}</td>
<td class="num hide-narrow">${formatNumber(d?.statistic)}</td><td class="num">${formatNumber(d?.adjusted_p_value)}</td>
<td class="num hide-narrow">${formatNumber(d?.effect_size)}</td><td class="num">${formatNumber(row.psi?.statistic)}</td>
<td>${statusBadge(verdict.status, verdict.words)}${row.quality.length > 0 ? html`<br /><span class="muted">also: ${row.quality.join(', ')}</span>` : ''}</td>
<td class="num hide-narrow">${d?.n_current ?? '—'}</td></tr>`;
  });
  const pictures = snapshots
    ? rows.map((row) => {
        const snapshot = snapshots.get(row.feature);
        const verdict = verdictOf(row);
        const label = featureLabel(row.feature);
        const chart = !snapshot
          ? html`<p class="muted">No picture stored for this feature.</p>`
          : snapshot.kind === 'numeric'
            ? histogramChart(snapshot, label)
            : categoryChart(snapshot, label);
        return html`<figure
          class="card feature-chart${row.decisive?.drifted ? ' drifted' : ''}"
          data-feature="${row.feature}"
        >
          <h3>${label} ${statusBadge(verdict.status, verdict.words)}</h3>
          ${chart}
          <ul class="legend">
            <li><span class="swatch ref"></span>reference</li>
            <li><span class="swatch cur"></span>current window</li>
          </ul>
        </figure>`;
      })
    : [];
  return html`<p class="note${drifted.length > 0 ? ' alarm' : ''}">
      ${
        share === null
          ? 'No dataset verdict.'
          : html`${drifted.length} of ${text(dataset.testedFeatures ?? rows.length)} tested features
              drifted (share ${formatPercent(share)}; dataset drift at
              ${formatPercent(typeof dataset.threshold === 'number' ? dataset.threshold : null)}):
              dataset drift <strong>${dataset.drifted === true ? 'yes' : 'no'}</strong>.`
      }${drifted.length > 0 ? html` Drifted: ${drifted.map((row) => featureLabel(row.feature)).join(', ')}.` : ''}
    </p>
    <h2>Features</h2>
    <div class="table-wrap">
      <table class="features">
        <caption class="visually-hidden">
          Decisive test of each feature, with PSI and verdict; drifted rows are marked
        </caption>
        <thead>
          <tr>
            <th scope="col">Feature</th>
            <th scope="col" class="hide-narrow">Test</th>
            <th scope="col" class="num hide-narrow">Statistic</th>
            <th scope="col" class="num">Adjusted p</th>
            <th scope="col" class="num hide-narrow">Effect size</th>
            <th scope="col" class="num">PSI</th>
            <th scope="col">Verdict</th>
            <th scope="col" class="num hide-narrow">Current n</th>
          </tr>
        </thead>
        <tbody>
          ${tableRows}
        </tbody>
      </table>
    </div>
    <h2>Distributions</h2>
    ${
      snapshots
        ? html`<div class="cards">${pictures}</div>`
        : html`<p class="note">
            The picture is not available: this run stored no distribution snapshot (it ran before
            snapshots were kept, or on a path that does not record them).
          </p>`
    } `;
}

const HYPOTHESIS_WORDS: Record<string, string> = {
  scaled: 'scaled',
  swapped: 'swapped',
  constant: 'served as a constant',
  remapped: 'categories remapped',
};

/** What the skew search found (or how far it got), beside the diagnosis message. */
function attributionFacts(value: unknown): SafeHtml | string {
  if (typeof value !== 'object' || value === null) return '';
  const a = value as Record<string, unknown>;
  const num = (key: string): number | null => (typeof a[key] === 'number' ? a[key] : null);
  const features = Array.isArray(a.features) ? a.features.map(String) : [];
  const hypothesis = typeof a.hypothesis === 'string' ? a.hypothesis : null;
  const mapping =
    typeof a.mapping === 'object' && a.mapping !== null
      ? Object.entries(a.mapping as Record<string, unknown>)
          .map(([from, to]) => `${from} → ${String(to)}`)
          .join(', ')
      : null;
  return html`<dl class="facts attribution">
    <dt>Skew attribution</dt>
    <dd>
      ${
        hypothesis
          ? `${features.join(' and ')}: ${HYPOTHESIS_WORDS[hypothesis] ?? hypothesis}`
          : 'no hypothesis reproduces the mismatches'
      }
    </dd>
    ${
      typeof a.factor === 'number'
        ? html`<dt>Factor</dt>
            <dd>
              ×${formatNumber(a.factor)}${
                typeof a.recognisedFactor === 'string'
                  ? ` — recognised as ${a.recognisedFactor}`
                  : ''
              }
            </dd>`
        : ''
    }
    ${
      text(a.value) !== ''
        ? html`<dt>Value served</dt>
            <dd>${text(a.value)}</dd>`
        : ''
    }
    ${
      mapping
        ? html`<dt>Mapping</dt>
            <dd>${mapping}</dd>`
        : ''
    }
    <dt>${hypothesis ? 'Reproduces' : 'Best share reproduced'}</dt>
    <dd>
      ${formatPercent(num('share'))} of ${formatNumber(num('sampleRows'))} sampled of
      ${formatNumber(num('mismatchingRows'))} mismatching rows
    </dd>
    <dt>Search</dt>
    <dd>
      ${formatNumber(num('hypothesesTried'))} hypotheses in ${formatNumber(num('elapsedMs'))}
      ms${a.budgetExhausted === true ? ' — stopped: time budget spent' : ''}
    </dd>
  </dl>`;
}

function paritySection(run: RunView): SafeHtml {
  const s = run.summary;
  const num = (key: string): number | null => (typeof s[key] === 'number' ? s[key] : null);
  const worst = Array.isArray(s.worst) ? (s.worst as Record<string, unknown>[]) : [];
  const diagnosis = (s.diagnosis ?? null) as Record<string, unknown> | null;
  const reproducedBy = Array.isArray(diagnosis?.reproducedBy)
    ? (diagnosis.reproducedBy as { version: unknown; share: unknown }[])
    : [];
  const tolerance = (s.tolerance ?? {}) as Record<string, unknown>;
  return html`<p class="note${run.status === 'degraded' ? ' alarm' : ''}">
      ${formatNumber(num('mismatches'))} of ${formatNumber(num('rowsChecked'))} re-scored rows
      mismatch the logged score (${formatPercent(num('mismatchRatio'))}; degraded above
      ${formatPercent(num('maxMismatchRatio'))}).
    </p>
    <dl class="facts">
      <dt>Max |diff|</dt>
      <dd>${formatNumber(num('maxAbsDiff'))}</dd>
      <dt>p99 |diff|</dt>
      <dd>${formatNumber(num('p99AbsDiff'))}</dd>
      <dt>Tolerance</dt>
      <dd>
        atol ${formatNumber(tolerance.atol as number)}, rtol
        ${formatNumber(tolerance.rtol as number)}
      </dd>
      <dt>Unscorable rows</dt>
      <dd>${formatNumber(num('unscorableRows'))}</dd>
      <dt>Sampled rows</dt>
      <dd>${formatNumber(num('sampledRows'))}</dd>
    </dl>
    ${
      diagnosis
        ? html`<h2>Diagnosis</h2>
            <p>${text(diagnosis.message)}</p>
            ${attributionFacts(diagnosis.attribution)}
            ${
              reproducedBy.length > 0
                ? html`<div class="table-wrap">
                    <table>
                      <caption class="visually-hidden">
                        Versions that reproduce the mismatches
                      </caption>
                      <thead>
                        <tr>
                          <th scope="col">Version</th>
                          <th scope="col" class="num">Mismatches reproduced</th>
                        </tr>
                      </thead>
                      <tbody>
                        ${reproducedBy.map(
                          (r) =>
                            html`<tr>
                              <th scope="row">${String(r.version)}</th>
                              <td class="num">
                                ${formatPercent(typeof r.share === 'number' ? r.share : null)}
                              </td>
                            </tr>`,
                        )}
                      </tbody>
                    </table>
                  </div>`
                : ''
            }`
        : ''
    }
    <h2>Worst rows</h2>
    ${
      worst.length === 0
        ? html`<p class="muted">No mismatching row.</p>`
        : html`<div class="table-wrap">
            <table class="worst">
              <caption class="visually-hidden">
                Rows with the largest difference between logged and recomputed score
              </caption>
              <thead>
                <tr>
                  <th scope="col">Request id</th>
                  <th scope="col" class="num">Logged score</th>
                  <th scope="col" class="num">Recomputed</th>
                  <th scope="col" class="num">|diff|</th>
                </tr>
              </thead>
              <tbody>
                ${worst.map(
                  (row) =>
                    html`<tr>
                      <th scope="row">${text(row.requestId)}</th>
                      <td class="num">${formatNumber(row.logged as number)}</td>
                      <td class="num">${formatNumber(row.recomputed as number)}</td>
                      <td class="num">${formatNumber(row.absDiff as number)}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`
    }`;
}

function performanceSection(run: RunView): SafeHtml {
  const metrics = (run.summary.metrics ?? {}) as Record<string, unknown>;
  const floors = (run.summary.floors ?? {}) as Record<string, unknown>;
  const breaches = Array.isArray(run.summary.breaches)
    ? (run.summary.breaches as unknown[]).map(String)
    : [];
  return html`<p class="note${breaches.length > 0 ? ' alarm' : ''}">
      ${run.summary.labelledRows === undefined ? '' : `${text(run.summary.labelledRows)} labelled rows. `}${breaches.length > 0 ? `Below the floor: ${breaches.join(', ')}.` : 'No metric below its floor.'}
    </p>
    <h2>Metrics</h2>
    <div class="table-wrap">
      <table>
        <caption class="visually-hidden">
          Metrics of the window and their floors
        </caption>
        <thead>
          <tr>
            <th scope="col">Metric</th>
            <th scope="col" class="num">Value</th>
            <th scope="col" class="num">Floor</th>
            <th scope="col">Verdict</th>
          </tr>
        </thead>
        <tbody>
          ${Object.entries(metrics).map(([name, value]) => {
            // Breach lines read "<metric> <value> < floor <floor>".
            const breached = breaches.some((line) => line.startsWith(`${name} `));
            return html`<tr${breached ? html` class="drifted"` : ''}><th scope="row">${name}</th><td class="num">${formatNumber(value as number)}</td><td class="num">${formatNumber(floors[name] as number)}</td><td>${statusBadge(breached ? 'degraded' : 'ok', breached ? 'below floor' : 'ok')}</td></tr>`;
          })}
        </tbody>
      </table>
    </div>
    ${estimateSection(run)}`;
}

function allResults(results: RunResultView[]): SafeHtml {
  if (results.length === 0) return html``;
  const segmented = results.some((r) => r.segment !== null && r.segment !== undefined);
  return html`<details>
    <summary>All ${results.length} result rows</summary>
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Feature</th>
            ${segmented ? html`<th scope="col">Segment</th>` : ''}
            <th scope="col">Test</th>
            <th scope="col">Status</th>
            <th scope="col" class="num">Statistic</th>
            <th scope="col" class="num">p</th>
            <th scope="col" class="num">Adjusted p</th>
            <th scope="col" class="num">Effect size</th>
            <th scope="col">Fired</th>
          </tr>
        </thead>
        <tbody>
          ${results.map((r) => html`<tr${r.drifted ? html` class="drifted"` : ''}><th scope="row">${featureLabel(r.feature)}</th>${segmented ? html`<td>${r.segment ?? 'whole window'}</td>` : ''}<td>${r.test}</td><td>${r.status}</td><td class="num">${formatNumber(r.statistic)}</td><td class="num">${formatNumber(r.p_value)}</td><td class="num">${formatNumber(r.adjusted_p_value)}</td><td class="num">${formatNumber(r.effect_size)}</td><td>${r.drifted ? 'yes' : 'no'}</td></tr>`)}
        </tbody>
      </table>
    </div>
  </details>`;
}

export function renderRunPage(context: RenderContext, run: RunView): string {
  const kindSection =
    run.kind === 'drift'
      ? driftSection(context, run)
      : run.kind === 'parity'
        ? paritySection(run)
        : run.kind === 'performance'
          ? performanceSection(run)
          : html``;
  const body = html`<p class="crumbs">
      <a href="${context.linkBase}/">Models</a> › ${run.model} ›
      <a href="${context.linkBase}${versionPath(run.model, run.model_version)}"
        >version ${run.model_version}</a
      >
    </p>
    <h1>${run.kind} run ${run.id} ${statusBadge(run.status, STATUS_WORDS[run.status])}</h1>
    ${facts(run)} ${run.error ? html`<p class="note alarm">Error: ${run.error}</p>` : ''}
    ${kindSection} ${run.kind === 'drift' ? segmentsSection(run) : ''}
    ${allResults(run.results ?? [])}
    ${context.standalone ? html`<p class="muted">Written by driftwatch report from run ${run.id} of ${run.model} version ${run.model_version}.</p>` : ''}`;
  return page(context, `${run.kind} run ${run.id} of ${run.model}`, body);
}
