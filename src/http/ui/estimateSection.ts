/**
 * The estimated-performance part of a performance run's page: each metric
 * estimated from the scores alone, its band and floor, and the realised value
 * beside it once labels have arrived. Reads `summary.estimated` as the
 * performance check writes it (checks/performanceEstimate.ts).
 */
import type { RunView } from '../../core/run.js';
import { formatNumber } from './format.js';
import { html, type SafeHtml } from './html.js';
import { statusBadge } from './layout.js';

interface MetricView {
  estimate: number | null;
  lower: number | null;
  upper: number | null;
  realised: number | null;
  floor: number | null;
}

const NOT_ESTIMATED: Record<string, string> = {
  disabled: 'Estimation is turned off for this model (checks.performance.estimate.enabled).',
  not_a_classifier: 'Estimation applies to binary classifiers only.',
  no_labelled_reference:
    'No estimate: the reference has no score and label columns to calibrate on. Upload it with both to estimate performance before labels arrive.',
};

const METRIC_WORDS: Record<string, string> = {
  accuracy: 'accuracy',
  precision: 'precision',
  recall: 'recall',
  f1: 'F1',
  roc_auc: 'ROC AUC',
};

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function metricView(value: unknown): MetricView {
  const object = (value ?? {}) as Record<string, unknown>;
  return {
    estimate: numberOrNull(object.estimate),
    lower: numberOrNull(object.lower),
    upper: numberOrNull(object.upper),
    realised: numberOrNull(object.realised),
    floor: numberOrNull(object.floor),
  };
}

/** Whether the realised value, once known, lies outside the estimate's band. */
function outsideBand(m: MetricView): boolean {
  return (
    m.realised !== null &&
    m.lower !== null &&
    m.upper !== null &&
    (m.realised < m.lower || m.realised > m.upper)
  );
}

function verdict(m: MetricView, below: boolean, off: boolean): SafeHtml | string {
  if (below) return statusBadge('degraded', 'band below floor');
  if (off) return statusBadge('drift', 'realised outside band');
  return m.floor === null ? '' : statusBadge('ok', 'ok');
}

/** Per segment: rows, the estimated ROC AUC and accuracy with their bands, the realised beside. */
function segmentsTable(value: unknown): SafeHtml {
  if (!Array.isArray(value) || value.length === 0) return html``;
  const segments = value as Record<string, unknown>[];
  // The band under the estimate, so that the table stays narrow enough for a laptop.
  const cell = (m: MetricView): SafeHtml =>
    html`${formatNumber(m.estimate)}${m.lower === null || m.upper === null ? '' : html`<br /><span class="muted">${formatNumber(m.lower)} – ${formatNumber(m.upper)}</span>`}`;
  return html`<h2>Estimated performance per segment</h2>
    <div class="table-wrap">
      <table>
        <caption class="visually-hidden">
          Estimated ROC AUC and accuracy per segment, with the realised values
        </caption>
        <thead>
          <tr>
            <th scope="col">Segment</th>
            <th scope="col" class="num">Rows</th>
            <th scope="col" class="num">ROC AUC estimated, band</th>
            <th scope="col" class="num">realised</th>
            <th scope="col" class="num">Accuracy estimated, band</th>
            <th scope="col" class="num">realised</th>
            <th scope="col">Verdict</th>
          </tr>
        </thead>
        <tbody>
          ${segments.map((segment) => {
            const metrics = (segment.metrics ?? {}) as Record<string, unknown>;
            const auc = metricView(metrics.roc_auc);
            const accuracy = metricView(metrics.accuracy);
            const status =
              typeof segment.status === 'string' ? segment.status : 'insufficient_data';
            const off = outsideBand(auc) || outsideBand(accuracy);
            return html`<tr${status === 'degraded' || off ? html` class="drifted"` : ''}>
              <th scope="row">${typeof segment.segment === 'string' ? segment.segment : ''}</th>
              <td class="num">${formatNumber(numberOrNull(segment.rows))}</td>
              <td class="num">${cell(auc)}</td>
              <td class="num">${formatNumber(auc.realised)}</td>
              <td class="num">${cell(accuracy)}</td>
              <td class="num">${formatNumber(accuracy.realised)}</td>
              <td>${off ? statusBadge('drift', 'outside band') : statusBadge(status, status === 'degraded' ? 'below floor' : status === 'ok' ? 'ok' : 'too few rows')}</td>
            </tr>`;
          })}
        </tbody>
      </table>
    </div>`;
}

export function estimateSection(run: RunView): SafeHtml {
  const estimated = run.summary.estimated as Record<string, unknown> | undefined;
  if (estimated === undefined) return html``;
  if (estimated.status === 'not_estimated') {
    const reason = typeof estimated.reason === 'string' ? estimated.reason : '';
    return html`<h2>Estimated performance</h2>
      <p class="note">${NOT_ESTIMATED[reason] ?? 'No estimate for this run.'}</p>`;
  }
  if (estimated.status === 'insufficient_data') {
    return html`<h2>Estimated performance</h2>
      <p class="note">Too few scored rows in the window for an estimate.</p>`;
  }
  const metrics = (estimated.metrics ?? {}) as Record<string, unknown>;
  const calibration = (estimated.calibration ?? {}) as Record<string, unknown>;
  const decidedBy = run.summary.decidedBy;
  const outside = Object.keys(METRIC_WORDS).filter((name) =>
    outsideBand(metricView(metrics[name])),
  );
  return html`<h2>Estimated performance</h2>
    <p class="note">
      Estimated from the scores of ${String(numberOrNull(estimated.rows) ?? 0)} rows, calibrated on
      ${String(numberOrNull(calibration.rows) ?? 0)} labelled reference rows (expected calibration
      error of the raw scores ${formatNumber(numberOrNull(calibration.expectedCalibrationError))}).
      The band is ±${formatNumber(numberOrNull(estimated.bandSigmas))} sampling errors.
      ${decidedBy === 'estimate' ? 'Too few labels yet: the estimate decides this run.' : decidedBy === 'labels' ? 'The labels decide this run; the estimate stands beside them.' : ''}
    </p>
    ${
      outside.length > 0
        ? html`<p class="note alarm">
            Realised outside the band: ${outside.map((name) => METRIC_WORDS[name]).join(', ')}. The
            scores no longer mean what they meant on the reference — P(label | score) moved: concept
            drift, or scores computed wrongly (see the parity runs).
          </p>`
        : ''
    }
    <div class="table-wrap">
      <table>
        <caption class="visually-hidden">
          Estimated metrics with their band, floor and realised value
        </caption>
        <thead>
          <tr>
            <th scope="col">Metric</th>
            <th scope="col" class="num">Estimated</th>
            <th scope="col" class="num">Band</th>
            <th scope="col" class="num">Realised</th>
            <th scope="col" class="num">Floor</th>
            <th scope="col">Verdict</th>
          </tr>
        </thead>
        <tbody>
          ${Object.entries(METRIC_WORDS).map(([name, words]) => {
            const m = metricView(metrics[name]);
            const below = m.floor !== null && m.upper !== null && m.upper < m.floor;
            const off = outsideBand(m);
            const band =
              m.lower === null || m.upper === null
                ? '–'
                : `${formatNumber(m.lower)} – ${formatNumber(m.upper)}`;
            return html`<tr${below || off ? html` class="drifted"` : ''}>
              <th scope="row">${words}</th>
              <td class="num">${formatNumber(m.estimate)}</td>
              <td class="num">${band}</td>
              <td class="num">${m.realised === null ? 'no labels yet' : formatNumber(m.realised)}</td>
              <td class="num">${formatNumber(m.floor)}</td>
              <td>${verdict(m, below, off)}</td>
            </tr>`;
          })}
        </tbody>
      </table>
    </div>
    ${segmentsTable(estimated.segments)}`;
}
