/**
 * Every metric of the catalogue is exported: after a demo session — the demo
 * models registered from models/, a reference, traffic with labels, and a
 * drift, performance, parity and shadow check — /metrics is scraped and
 * parsed, and each catalogue entry must be there with its type, and with
 * samples unless it needs an event this session does not cause.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoFeatures, demoRows } from '../../scripts/demoData.js';
import { METRICS } from '../../src/telemetry/metricNames.js';
import { call, ndjson, startTestService, type TestService } from '../helpers/service.js';

/** Metrics whose samples need an event outside this session (the reason is the value). */
const NO_SAMPLE_EXPECTED: Record<string, string> = {
  driftwatch_ingest_ignored_features_total: 'needs a model with unknownFeatures: ignore',
  driftwatch_retention_partitions_dropped_total: 'needs partitions older than the retention',
  driftwatch_webhook_deliveries_total: 'webhook delivery lands in a later release',
  driftwatch_webhook_outbox_pending: 'webhook delivery lands in a later release',
  driftwatch_model_mae: 'regressors only',
  driftwatch_model_rmse: 'regressors only',
  driftwatch_intake_events_total:
    'needs KServe logger events (test/integration/kserveIntake.test.ts)',
  driftwatch_intake_pending_expired_total: 'needs an unpaired KServe event to expire',
  driftwatch_raw_rows_sampled_out_total:
    'needs a version above storage.raw.keepAllBelowPerSecond (test/integration/rawSample.test.ts)',
  driftwatch_ingest_unkeyed_sampled_total:
    'needs a sampled version and a batch without Idempotency-Key (test/integration/rawSample.test.ts)',
  driftwatch_segment_feature_drifted:
    'needs a model with segments (test/integration/segments.test.ts)',
  driftwatch_segment_drift_share: 'needs a model with segments (test/integration/segments.test.ts)',
  driftwatch_segment_rows: 'needs a model with segments (test/integration/segments.test.ts)',
  driftwatch_segment_estimated_performance:
    'needs a model with segments and a labelled reference (test/integration/estimatedPerformance.test.ts)',
  driftwatch_ingest_batch_replays_total:
    'needs a repeated Idempotency-Key (test/integration/rawSample.test.ts)',
};

interface Family {
  type: string;
  samples: string[];
}

function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) {
      families.set(type[1]!, { type: type[2]!, samples: [] });
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    const name = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line)?.[1] ?? '';
    const family = families.get(name) ?? families.get(name.replace(/_(bucket|sum|count)$/, ''));
    family?.samples.push(line);
  }
  return families;
}

describe('the metric catalogue', () => {
  let t: TestService;

  beforeAll(async () => {
    t = await startTestService({ env: { DRIFTWATCH_MODELS_DIR: 'models' } });
    const reference = await call(t.url, '/v1/models/demo-churn/versions/1/reference', {
      method: 'PUT',
      raw: readFileSync('models/demo-churn/reference.csv', 'utf8'),
      contentType: 'text/csv',
    });
    expect(reference.status).toBe(200);
    const now = Date.now();
    const rows = demoRows(600, 5, { feature: 'tenure_months', sigma: 1 });
    const records = rows.map((row, i) => {
      const features: Record<string, unknown> = demoFeatures(row);
      if (i % 50 === 0) delete features.support_calls;
      return {
        model: 'demo-churn',
        model_version: '1',
        request_id: `m-${i}`,
        timestamp: new Date(now - 1000 - i * 1000).toISOString(),
        features,
        score: ((i * 37) % 100) / 100,
        latency_ms: 4,
      };
    });
    expect(
      (
        await call(t.url, '/v1/predictions', {
          raw: ndjson(records),
          contentType: 'application/x-ndjson',
        })
      ).status,
    ).toBe(200);
    const labels = rows.map((row, i) => ({
      model: 'demo-churn',
      request_id: `m-${i}`,
      label: row.churned,
    }));
    expect((await call(t.url, '/v1/labels', { body: labels })).status).toBe(200);
    for (const kind of ['drift', 'performance', 'parity', 'shadow']) {
      const run = await call(t.url, `/v1/models/demo-churn/checks/${kind}/run?version=1`, {
        method: 'POST',
      });
      expect(run.status, kind).toBe(200);
    }
  }, 120_000);

  afterAll(async () => {
    await t.close();
  });

  it('is exported in full, with samples for everything this session exercises', async () => {
    const families = parseExposition((await call<string>(t.url, '/metrics')).body);
    const missing: string[] = [];
    const withoutSamples: string[] = [];
    for (const spec of Object.values(METRICS)) {
      const family = families.get(spec.name);
      if (!family) {
        missing.push(spec.name);
        continue;
      }
      expect(family.type, spec.name).toBe(spec.type);
      if (family.samples.length === 0 && !(spec.name in NO_SAMPLE_EXPECTED))
        withoutSamples.push(spec.name);
    }
    expect(missing).toEqual([]);
    expect(withoutSamples).toEqual([]);
  });

  it('exports no driftwatch metric outside the catalogue', async () => {
    const families = parseExposition((await call<string>(t.url, '/metrics')).body);
    const catalogue = new Set(Object.values(METRICS).map((spec) => spec.name));
    const extra = [...families.keys()].filter(
      (name) => name.startsWith('driftwatch_') && !catalogue.has(name),
    );
    expect(extra).toEqual([]);
  });
});
