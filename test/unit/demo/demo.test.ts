import { describe, expect, it } from 'vitest';
import { modelCheckSettings } from '../../../src/config/schema.js';
import type { RunView } from '../../../src/core/run.js';
import {
  DEMO_MODEL,
  demoConfig,
  phaseAt,
  estimatedAuc,
  segmentOnlyDrift,
  summaryLines,
} from '../../../src/demo/demo.js';

describe('demo phases', () => {
  it('goes normal, drift, then drift with serving skew by thirds of the duration', () => {
    expect(phaseAt(0)).toBe('normal');
    expect(phaseAt(0.33)).toBe('normal');
    expect(phaseAt(0.34)).toBe('drift');
    expect(phaseAt(0.66)).toBe('drift');
    expect(phaseAt(0.67)).toBe('drift+skew');
    expect(phaseAt(1)).toBe('drift+skew');
  });
});

describe('demo configuration', () => {
  it('checks drift and parity of the demo model every 10 seconds on the embedded database', () => {
    const config = demoConfig({
      port: 0,
      dataDir: '/tmp/pg',
      modelsDir: 'models',
      logLevel: 'warn',
    });
    expect(config.database.url).toBeUndefined();
    expect(config.database.dataDir).toBe('/tmp/pg');
    const settings = modelCheckSettings(config, DEMO_MODEL);
    expect(settings.drift.schedule).toBe('*/10 * * * * *');
    expect(settings.parity.schedule).toBe('*/10 * * * * *');
    expect(settings.drift.windowSeconds).toBe(60);
    // Labels arrive late in the demo: performance runs estimate, then compare.
    expect(settings.performance.enabled).toBe(true);
    expect(settings.performance.windowSeconds).toBe(60);
    expect(settings.performance.estimate.enabled).toBe(true);
  });
});

describe('demo summary', () => {
  it('says what went undetected', () => {
    const lines = summaryLines({
      url: 'http://127.0.0.1:1',
      predictionsShipped: 10,
      runCounts: [{ kind: 'drift', status: 'ok', count: 3 }],
      driftDetected: false,
      parityDegraded: true,
      finalDrift: undefined,
      finalParity: undefined,
      finalPerformance: undefined,
      segmentOnlyDrift: null,
    }).join('\n');
    expect(lines).toMatch(/^ {2}drift {8}ok +3$/m);
    expect(lines).toMatch(/drift detected: NO/);
    expect(lines).toMatch(/parity failures detected: yes, degraded/);
    expect(lines).toMatch(/serving skew named: NO — expected monthly_charges ×10/);
    expect(lines).toMatch(/performance before labels: NO estimate/);
    expect(lines).toMatch(/drift only in a segment: NO — expected pod-d's support_calls/);
  });

  it('sets the estimated AUC and its band beside the realised AUC of the final performance run', () => {
    const finalPerformance = {
      id: 9,
      kind: 'performance',
      status: 'ok',
      summary: {
        labelledRows: 3200,
        estimated: {
          metrics: { roc_auc: { estimate: 0.8123, lower: 0.79, upper: 0.8346, realised: 0.805 } },
        },
      },
    } as unknown as RunView;
    const lines = summaryLines({
      url: 'http://127.0.0.1:1',
      predictionsShipped: 10,
      runCounts: [],
      driftDetected: true,
      parityDegraded: false,
      finalDrift: undefined,
      finalParity: undefined,
      finalPerformance,
      segmentOnlyDrift: null,
    }).join('\n');
    expect(lines).toContain(
      'performance before labels: estimated AUC 0.812 (band 0.790–0.835), realised 0.805 on 3200 labels (final performance run 9)',
    );
  });

  it('names the drifts found in a segment and not in the whole window', () => {
    const row = (feature: string, segment: string | null, drifted: boolean) =>
      ({ feature, test: 'ks', segment, drifted }) as NonNullable<RunView['results']>[number];
    const run = {
      results: [
        row('tenure_months', null, true),
        row('support_calls', null, false),
        row('tenure_months', 'tag:pod=pod-d', true),
        row('support_calls', 'tag:pod=pod-d', true),
        row('support_calls', 'tag:pod=pod-a', false),
      ],
    } as unknown as RunView;
    expect(segmentOnlyDrift(run)).toBe('tag:pod=pod-d (support_calls)');
    expect(segmentOnlyDrift({ results: [row('x', null, true)] } as unknown as RunView)).toBeNull();
  });

  it('says when the realised AUC falls outside the band around the estimate', () => {
    const run = {
      id: 3,
      kind: 'performance',
      status: 'ok',
      summary: {
        labelledRows: 3040,
        estimated: {
          metrics: { roc_auc: { estimate: 0.855, lower: 0.84, upper: 0.87, realised: 0.825 } },
        },
      },
    } as unknown as RunView;
    expect(estimatedAuc(run)).toBe(
      'estimated AUC 0.855 (band 0.840–0.870), realised 0.825 on 3040 labels — outside the band: P(label | score) moved (concept drift, or scores computed wrongly)',
    );
  });

  it("names the skew the final parity run's attribution found", () => {
    const finalParity = {
      id: 5,
      kind: 'parity',
      status: 'degraded',
      summary: {
        diagnosis: {
          attribution: {
            hypothesis: 'scaled',
            description:
              'monthly_charges looks served ×10 (reproduces 100 % of 61 mismatching rows)',
          },
        },
      },
    } as unknown as RunView;
    const lines = summaryLines({
      url: 'http://127.0.0.1:1',
      predictionsShipped: 10,
      runCounts: [],
      driftDetected: true,
      parityDegraded: true,
      finalDrift: undefined,
      finalParity,
      finalPerformance: undefined,
      segmentOnlyDrift: null,
    }).join('\n');
    expect(lines).toContain(
      'serving skew named: monthly_charges looks served ×10 (reproduces 100 % of 61 mismatching rows)',
    );
  });
});
