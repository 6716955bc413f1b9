import { describe, expect, it } from 'vitest';
import type { CheckRun } from '../../../src/core/run.js';
import { eventPayload } from '../../../src/webhooks/events.js';

const run: CheckRun = {
  id: 42,
  model: 'churn',
  version: '3',
  kind: 'drift',
  trigger: 'schedule',
  windowStart: new Date('2026-01-02T09:00:00Z'),
  windowEnd: new Date('2026-01-02T10:00:00Z'),
  status: 'drift',
  path: 'exact',
  rows: 1000,
  startedAt: new Date('2026-01-02T10:00:00Z'),
  finishedAt: new Date('2026-01-02T10:00:01Z'),
  summary: {
    dataset: { share: 0.6, drifted: true },
    driftedFeatures: ['tenure'],
    distributions: [{ kind: 'numeric', feature: 'tenure' }],
  },
  error: null,
  results: [],
};

describe('eventPayload', () => {
  it("links the run's JSON and its web page, and leaves the distribution snapshots out", () => {
    const payload = eventPayload('dataset_drift', run, {
      eventId: 'e1',
      createdAt: new Date('2026-01-02T10:00:02Z'),
      baseUrl: 'https://dw.example.com',
      source: 'check',
    });
    expect(payload.links).toEqual({
      run: 'https://dw.example.com/v1/runs/42',
      page: 'https://dw.example.com/runs/42',
    });
    expect(payload.summary).toEqual({
      dataset: { share: 0.6, drifted: true },
      driftedFeatures: ['tenure'],
    });
    // The stored run keeps them.
    expect(run.summary.distributions).toHaveLength(1);
  });

  it("names the segments that drifted, with their features, beside the whole window's features", () => {
    const payload = eventPayload(
      'dataset_drift',
      {
        ...run,
        summary: {
          driftedFeatures: [],
          segments: [
            { segment: 'tag:pod=pod-d', status: 'drift', driftedFeatures: ['support_calls'] },
            { segment: 'tag:pod=pod-a', status: 'ok', driftedFeatures: [] },
            { segment: 'tag:pod=__other__', status: 'insufficient_data', driftedFeatures: [] },
          ],
        },
      },
      { eventId: 'e4', createdAt: new Date(), baseUrl: '', source: 'check' },
    );
    expect(payload.drifted_features).toEqual([]);
    expect(payload.drifted_segments).toEqual([
      { segment: 'tag:pod=pod-d', features: ['support_calls'] },
    ]);
    expect(
      eventPayload('dataset_drift', run, {
        eventId: 'e5',
        createdAt: new Date(),
        baseUrl: '',
        source: 'check',
      }).drifted_segments,
    ).toEqual([]);
  });

  it('carries the skew attribution of a broken parity run to receivers', () => {
    const attribution = {
      hypothesis: 'scaled',
      features: ['monthly_charges'],
      factor: 10,
      share: 1,
      sampleRows: 200,
      mismatchingRows: 412,
      elapsedMs: 9,
      budgetExhausted: false,
    };
    const payload = eventPayload(
      'parity_broken',
      {
        ...run,
        kind: 'parity',
        status: 'degraded',
        path: null,
        summary: { mismatchRatio: 0.1, diagnosis: { message: 'm', attribution } },
      },
      { eventId: 'e3', createdAt: new Date(), baseUrl: '', source: 'check' },
    );
    expect(
      (payload.summary as { diagnosis: { attribution: unknown } }).diagnosis.attribution,
    ).toEqual(attribution);
  });
});
