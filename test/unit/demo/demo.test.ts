import { describe, expect, it } from 'vitest';
import { modelCheckSettings } from '../../../src/config/schema.js';
import type { RunView } from '../../../src/core/run.js';
import { DEMO_MODEL, demoConfig, phaseAt, summaryLines } from '../../../src/demo/demo.js';

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
    expect(settings.performance.enabled).toBe(false);
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
    }).join('\n');
    expect(lines).toMatch(/^ {2}drift {5}ok +3$/m);
    expect(lines).toMatch(/drift detected: NO/);
    expect(lines).toMatch(/parity failures detected: yes, degraded/);
    expect(lines).toMatch(/serving skew named: NO — expected monthly_charges ×10/);
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
    }).join('\n');
    expect(lines).toContain(
      'serving skew named: monthly_charges looks served ×10 (reproduces 100 % of 61 mismatching rows)',
    );
  });
});
