import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { METRICS } from '../../src/telemetry/metricNames.js';
import { renderMetricsDoc } from '../../src/telemetry/metricsDoc.js';

describe('docs/metrics.md', () => {
  it('is the rendering of the metric catalogue', () => {
    const committed = readFileSync('docs/metrics.md', 'utf8');
    expect(committed, 'docs/metrics.md is stale: run npm run metrics:doc').toBe(renderMetricsDoc());
  });

  it('lists every metric of the catalogue once', () => {
    const doc = renderMetricsDoc();
    for (const spec of Object.values(METRICS)) {
      expect(doc.split(`| \`${spec.name}\` |`).length - 1, spec.name).toBe(1);
    }
  });
});

describe('the metric catalogue', () => {
  it('follows the Prometheus naming conventions', () => {
    const names = new Set<string>();
    for (const spec of Object.values(METRICS)) {
      expect(spec.name, spec.name).toMatch(/^driftwatch_[a-z0-9_]+$/);
      expect(names.has(spec.name), `${spec.name} twice`).toBe(false);
      names.add(spec.name);
      if (spec.type === 'counter') expect(spec.name, spec.name).toMatch(/_total$/);
      else expect(spec.name, spec.name).not.toMatch(/_total$/);
      if (spec.type === 'histogram')
        expect(spec.buckets?.length ?? 0, spec.name).toBeGreaterThan(0);
      expect(spec.help.length, spec.name).toBeGreaterThan(10);
      for (const label of spec.labels) expect(label, spec.name).toMatch(/^[a-z_][a-z0-9_]*$/);
    }
  });
});
