/** The performance run page: the floors table and the estimated-performance section. */
import { describe, expect, it } from 'vitest';
import type { RunView } from '../../../../src/core/run.js';
import { SERVED } from '../../../../src/http/ui/layout.js';
import { renderRunPage } from '../../../../src/http/ui/runPage.js';

function performanceRun(summary: Record<string, unknown>): RunView {
  return {
    id: 3,
    model: 'churn',
    model_version: '1',
    kind: 'performance',
    trigger: 'manual',
    status: 'ok',
    window: { start: '2026-01-02T10:00:00.000Z', end: '2026-01-02T11:00:00.000Z' },
    path: null,
    rows: 600,
    started_at: '2026-01-02T11:00:00.000Z',
    finished_at: '2026-01-02T11:00:01.000Z',
    duration_ms: 1000,
    error: null,
    summary,
    results: [],
    links: { self: '/v1/runs/3', page: '/runs/3' },
  };
}

const metric = (
  estimate: number,
  lower: number,
  upper: number,
  realised: number | null,
  floor: number | null,
) => ({
  estimate,
  samplingError: (upper - lower) / 4,
  lower,
  upper,
  realised,
  floor,
});

/** The text of the table row whose header cell reads `name`. */
function row(page: string, name: string): string {
  const match = new RegExp(`<tr[^>]*>\\s*<th scope="row">${name}</th>([\\s\\S]*?)</tr>`).exec(page);
  return match?.[0] ?? '';
}

describe('performance run page', () => {
  it('marks the metric a breach line names as below its floor', () => {
    const page = renderRunPage(
      SERVED,
      performanceRun({
        labelledRows: 600,
        metrics: { auc: 0.7788, accuracy: 0.795 },
        floors: { auc: 0.85 },
        breaches: ['auc 0.7788 < floor 0.85'],
      }),
    );
    expect(row(page, 'auc')).toContain('class="drifted"');
    expect(row(page, 'auc')).toContain('below floor');
    expect(row(page, 'accuracy')).not.toContain('drifted');
  });

  it('sets each estimate, its band and the realised value side by side, and flags a realised value outside the band', () => {
    const page = renderRunPage(
      SERVED,
      performanceRun({
        decidedBy: 'labels',
        labelledRows: 600,
        metrics: { auc: 0.7788 },
        floors: { auc: 0.85 },
        breaches: [],
        estimated: {
          status: 'ok',
          rows: 600,
          bandSigmas: 2,
          calibration: { rows: 5000, positives: 1200, expectedCalibrationError: 0.0079 },
          metrics: {
            accuracy: metric(0.868, 0.8376, 0.8985, 0.86, null),
            precision: metric(0.87, 0.77, 0.97, 0.9, null),
            recall: metric(0.53, 0.44, 0.61, 0.5, null),
            f1: metric(0.66, 0.57, 0.74, 0.65, null),
            roc_auc: metric(0.899, 0.8608, 0.9371, 0.7788, 0.85),
          },
        },
      }),
    );
    expect(page).toContain('Estimated performance');
    expect(page).toContain('calibrated on\n      5000 labelled reference rows');
    const auc = row(page, 'ROC AUC');
    expect(auc).toContain('0.899');
    expect(auc).toContain('0.8608 – 0.9371');
    expect(auc).toContain('0.7788');
    expect(auc).toContain('realised outside band');
    expect(row(page, 'accuracy')).not.toContain('outside');
    expect(page).toMatch(/Realised outside the band: ROC AUC\./);
  });

  it('says the band is below the floor when the estimate decides', () => {
    const page = renderRunPage(
      SERVED,
      performanceRun({
        decidedBy: 'estimate',
        labelledRows: 0,
        metrics: {},
        floors: { auc: 0.85 },
        breaches: [],
        estimated: {
          status: 'degraded',
          rows: 600,
          bandSigmas: 2,
          calibration: { rows: 5000, positives: 1200, expectedCalibrationError: null },
          metrics: { roc_auc: metric(0.79, 0.77, 0.81, null, 0.85) },
        },
      }),
    );
    const auc = row(page, 'ROC AUC');
    expect(auc).toContain('band below floor');
    expect(auc).toContain('no labels yet');
    expect(page).toContain('Too few labels yet: the estimate decides this run.');
  });

  it('lists the estimate of each segment, its name escaped, a realised value outside its band flagged', () => {
    const page = renderRunPage(
      SERVED,
      performanceRun({
        decidedBy: 'labels',
        estimated: {
          status: 'ok',
          rows: 600,
          bandSigmas: 2,
          calibration: { rows: 5000, positives: 1200, expectedCalibrationError: 0.01 },
          metrics: { roc_auc: metric(0.82, 0.8, 0.84, 0.81, 0.7) },
          segments: [
            {
              segment: 'tag:pod=<script>x</script>',
              rows: 570,
              status: 'ok',
              metrics: {
                roc_auc: metric(0.82, 0.8, 0.84, 0.83, 0.7),
                accuracy: metric(0.8, 0.78, 0.82, 0.79, null),
              },
            },
            {
              segment: 'tag:pod=pod-c',
              rows: 30,
              status: 'ok',
              metrics: {
                roc_auc: metric(0.8, 0.7, 0.9, 0.55, 0.7),
                accuracy: metric(0.8, 0.7, 0.9, 0.75, null),
              },
            },
          ],
        },
      }),
    );
    expect(page).toContain('Estimated performance per segment');
    expect(page).not.toContain('<script>x</script>');
    expect(page).toContain('tag:pod=&lt;script&gt;x&lt;/script&gt;');
    expect(row(page, 'tag:pod=pod-c')).toContain('outside band');
    expect(row(page, 'tag:pod=pod-c')).toContain('0.8<br /><span class="muted">0.7 – 0.9</span>');
  });

  it('explains why a run has no estimate', () => {
    const page = renderRunPage(
      SERVED,
      performanceRun({ estimated: { status: 'not_estimated', reason: 'no_labelled_reference' } }),
    );
    expect(page).toContain('the reference has no score and label columns');
  });
});
