import { describe, expect, it } from 'vitest';
import { formatRun } from '../../../src/cli/runTable.js';
import type { RunView } from '../../../src/core/run.js';

function parityRun(attribution: Record<string, unknown>, message: string): RunView {
  return {
    id: 9,
    model: 'churn',
    model_version: '1',
    kind: 'parity',
    trigger: 'manual',
    status: 'degraded',
    window: { start: '2026-01-02T10:00:00.000Z', end: '2026-01-02T11:00:00.000Z' },
    path: null,
    rows: 4000,
    started_at: '2026-01-02T11:00:00.000Z',
    finished_at: '2026-01-02T11:00:01.000Z',
    duration_ms: 1000,
    error: null,
    summary: {
      rowsChecked: 4000,
      sampledRows: 4000,
      mismatches: 412,
      mismatchRatio: 0.103,
      maxMismatchRatio: 0.01,
      unscorableRows: 0,
      diagnosis: { reproducedBy: [], message, attribution },
    },
    results: [],
    links: { self: '/v1/runs/9', page: '/runs/9' },
  };
}

describe('formatRun (parity)', () => {
  it('prints the attribution in the diagnosis and how the search went', () => {
    const text = formatRun(
      parityRun(
        { hypothesesTried: 31, sampleRows: 200, mismatchingRows: 412, elapsedMs: 11.6 },
        'no registered version reproduces the mismatching scores; monthly_charges looks served ×10 (reproduces 97 % of 200 sampled of 412 mismatching rows)',
      ),
    );
    expect(text).toContain(
      'diagnosis: no registered version reproduces the mismatching scores; monthly_charges looks served ×10',
    );
    expect(text).toContain('skew search: 31 hypotheses on 200 of 412 mismatching rows in 12 ms');
    expect(text).not.toContain('budget spent');
  });

  it('says when the search stopped on its time budget', () => {
    const text = formatRun(
      parityRun(
        {
          hypothesesTried: 3,
          sampleRows: 10000,
          mismatchingRows: 10000,
          elapsedMs: 2004,
          budgetExhausted: true,
        },
        'no registered version reproduces the mismatching scores: look for skew in the serving code (feature scaling, defaults)',
      ),
    );
    expect(text).toContain('in 2004 ms (stopped: time budget spent)');
  });
});
