import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import type { CheckRun, RunResultView, RunView } from '../../../src/core/run.js';
import { runView, runViewSchema, type runResultViewSchema } from '../../../src/http/runView.js';

const RUN: CheckRun = {
  id: 42,
  model: 'churn',
  version: '3',
  kind: 'drift',
  trigger: 'manual',
  windowStart: new Date('2026-01-31T11:00:00Z'),
  windowEnd: new Date('2026-01-31T12:00:00Z'),
  status: 'drift',
  path: 'exact',
  rows: 1_000,
  startedAt: new Date('2026-01-31T12:00:01.000Z'),
  finishedAt: new Date('2026-01-31T12:00:01.250Z'),
  summary: { dataset: { share: 0.5, drifted: true } },
  error: null,
  results: [
    {
      feature: 'tenure',
      test: 'ks',
      status: 'drift',
      statistic: 0.21,
      pValue: 1e-9,
      adjustedPValue: 4e-9,
      effectSize: 0.4,
      drifted: true,
      nReference: 5_000,
      nCurrent: 990,
      missingCurrent: 10,
    },
  ],
};

describe('runView', () => {
  it('is described by the OpenAPI schema, type for type', () => {
    expectTypeOf<z.output<typeof runViewSchema>>().toEqualTypeOf<RunView>();
    expectTypeOf<z.output<typeof runResultViewSchema>>().toEqualTypeOf<RunResultView>();
  });

  it('serves a run with its results in snake_case, times as ISO strings', () => {
    const view = runView(RUN, true);
    expect(runViewSchema.parse(view)).toEqual(view);
    expect(view).toMatchObject({
      id: 42,
      model_version: '3',
      window: { start: '2026-01-31T11:00:00.000Z', end: '2026-01-31T12:00:00.000Z' },
      duration_ms: 250,
      links: { self: '/v1/runs/42', page: '/runs/42' },
    });
    expect(view.results?.[0]).toEqual({
      feature: 'tenure',
      test: 'ks',
      status: 'drift',
      statistic: 0.21,
      p_value: 1e-9,
      adjusted_p_value: 4e-9,
      effect_size: 0.4,
      drifted: true,
      n_reference: 5_000,
      n_current: 990,
      missing_current: 10,
      segment: null,
    });
  });

  it('leaves the results out of a run list entry', () => {
    const view = runView(RUN, false);
    expect(runViewSchema.parse(view)).toEqual(view);
    expect('results' in view).toBe(false);
  });
});

describe('runView and distribution snapshots', () => {
  it('keeps summary.distributions for one run and leaves them out of run lists', () => {
    const run: CheckRun = {
      ...RUN,
      summary: { ...RUN.summary, distributions: [{ kind: 'numeric', feature: 'tenure' }] },
    };
    expect(runView(run, true).summary.distributions).toEqual(run.summary.distributions);
    expect(runView(run, false).summary).toEqual(RUN.summary);
    // The stored run is not changed.
    expect(run.summary.distributions).toHaveLength(1);
  });
});
