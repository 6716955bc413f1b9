import { describe, expect, it } from 'vitest';
import {
  evaluatePerformance,
  MODEL_FEATURE,
  PerformanceInputError,
  type EvaluatePerformanceInput,
} from '../../../src/drift/performance.js';

/** labels [0, 0, 1, 1], scores [0.1, 0.4, 0.35, 0.8]: AUC 0.75, precision 1, recall 0.5, accuracy 0.75. */
function classifier(overrides: Partial<EvaluatePerformanceInput> = {}): EvaluatePerformanceInput {
  return {
    task: 'binary_classification',
    threshold: 0.5,
    labels: [0, 0, 1, 1],
    scores: [0.1, 0.4, 0.35, 0.8],
    minLabels: 4,
    floors: {},
    ...overrides,
  };
}

/** actual [1, 2, 3], predicted [2, 2, 1]: MAE 1, RMSE √(5/3) ≈ 1.291. */
function regressor(overrides: Partial<EvaluatePerformanceInput> = {}): EvaluatePerformanceInput {
  return {
    task: 'regression',
    threshold: 0,
    labels: [1, 2, 3],
    scores: [2, 2, 1],
    minLabels: 3,
    floors: {},
    ...overrides,
  };
}

describe('evaluatePerformance for classifiers', () => {
  it('reports every metric and is ok without floors', () => {
    const report = evaluatePerformance(classifier());
    expect(report.status).toBe('ok');
    expect(report.labelledRows).toBe(4);
    expect(report.metrics).toEqual({ auc: 0.75, precision: 1, recall: 0.5, accuracy: 0.75 });
    expect(report.breaches).toEqual([]);
    expect(report.results.map((r) => [r.test, r.statistic, r.status])).toEqual([
      ['auc', 0.75, 'ok'],
      ['precision', 1, 'ok'],
      ['recall', 0.5, 'ok'],
      ['accuracy', 0.75, 'ok'],
    ]);
  });

  it('fills the common result shape', () => {
    const [auc] = evaluatePerformance(
      classifier({ scores: [0.1, null, 0.35, 0.8, 0.9], labels: [0, 0, 1, 1, 0] }),
    ).results;
    expect(auc).toEqual({
      feature: MODEL_FEATURE,
      test: 'auc',
      status: 'ok',
      statistic: 0.5,
      pValue: null,
      adjustedPValue: null,
      effectSize: null,
      drifted: false,
      nReference: 0,
      nCurrent: 4,
      missingCurrent: 1,
    });
  });

  it('is degraded when AUC falls below its floor, as the training gate (0.85) would reject', () => {
    const report = evaluatePerformance(classifier({ floors: { auc: 0.85 } }));
    expect(report.status).toBe('degraded');
    expect(report.breaches).toEqual(['auc 0.75 < floor 0.85']);
    const auc = report.results.find((r) => r.test === 'auc')!;
    expect(auc).toMatchObject({ status: 'drift', drifted: true, statistic: 0.75 });
  });

  it('treats a metric equal to its floor as passing', () => {
    expect(evaluatePerformance(classifier({ floors: { auc: 0.75, recall: 0.5 } })).status).toBe(
      'ok',
    );
  });

  it('lists every breached floor', () => {
    const report = evaluatePerformance(
      classifier({ floors: { auc: 0.7, precision: 0.9, recall: 0.6, accuracy: 0.8 } }),
    );
    expect(report.status).toBe('degraded');
    expect(report.breaches).toEqual(['recall 0.5 < floor 0.6', 'accuracy 0.75 < floor 0.8']);
    expect(report.results.filter((r) => r.drifted).map((r) => r.test)).toEqual([
      'recall',
      'accuracy',
    ]);
  });

  it('rounds a breached value to six digits, unless that would equal the floor', () => {
    const thirds = evaluatePerformance(
      classifier({
        labels: [0, 1, 1],
        scores: [0.5, 0.4, 0.9],
        minLabels: 3,
        floors: { auc: 0.85 },
      }),
    );
    expect(thirds.breaches).toEqual(['auc 0.5 < floor 0.85']);
    const twoThirds = evaluatePerformance(
      classifier({ labels: [1, 0, 1, 0], scores: [0.9, 0.8, 0.7, 0.1], floors: { accuracy: 0.8 } }),
    );
    expect(twoThirds.breaches).toEqual(['accuracy 0.75 < floor 0.8']);
    const auc = evaluatePerformance(
      classifier({
        labels: [0, 1, 1, 0, 1],
        scores: [0.6, 0.5, 0.9, 0.1, 0.2],
        minLabels: 5,
        floors: { auc: 0.85 },
      }),
    );
    expect(auc.breaches).toEqual(['auc 0.666667 < floor 0.85']);
    const close = evaluatePerformance(
      regressor({ labels: [0], scores: [1.0000001], minLabels: 1, floors: { mae: 1 } }),
    );
    expect(close.breaches).toEqual(['mae 1.0000001 > floor 1']);
  });

  it('leaves out and counts rows with a null score', () => {
    const report = evaluatePerformance(
      classifier({
        labels: [0, 1, 0, 0, 1, 1],
        scores: [0.1, null, 0.4, null, 0.35, 0.8],
        minLabels: 4,
      }),
    );
    expect(report.labelledRows).toBe(4);
    expect(report.unscoredRows).toBe(2);
    expect(report.metrics.auc).toBe(0.75);
    expect(report.results.every((r) => r.nCurrent === 4 && r.missingCurrent === 2)).toBe(true);
  });

  it('gives insufficient_data and no verdict below minLabels, counting only scored rows', () => {
    const report = evaluatePerformance(
      classifier({
        labels: [0, 0, 1, 1, 1],
        scores: [0.1, 0.4, 0.35, 0.8, null],
        minLabels: 5,
        floors: { auc: 0.99 },
      }),
    );
    expect(report).toMatchObject({
      status: 'insufficient_data',
      labelledRows: 4,
      unscoredRows: 1,
      metrics: {},
      breaches: [],
    });
    expect(report.results).toHaveLength(4);
    for (const row of report.results) {
      expect(row).toMatchObject({ status: 'insufficient_data', statistic: null, drifted: false });
    }
  });

  it('gives insufficient_data for an empty window', () => {
    const report = evaluatePerformance(classifier({ labels: [], scores: [], minLabels: 1 }));
    expect(report.status).toBe('insufficient_data');
    expect(report.labelledRows).toBe(0);
  });

  it('leaves AUC undefined with one class and decides on the other metrics', () => {
    const onlyPositives = classifier({
      labels: [1, 1, 1, 1],
      scores: [0.9, 0.7, 0.2, 0.6],
      floors: { auc: 0.85, recall: 0.8 },
    });
    const report = evaluatePerformance(onlyPositives);
    expect(report.undefinedMetrics).toEqual({ auc: 'single_class' });
    expect(report.metrics).toEqual({ precision: 1, recall: 0.75, accuracy: 0.75 });
    expect(report.results[0]).toMatchObject({
      test: 'auc',
      status: 'insufficient_data',
      statistic: null,
      drifted: false,
    });
    expect(report.breaches).toEqual(['recall 0.75 < floor 0.8']);
    expect(report.status).toBe('degraded');

    const passing = evaluatePerformance({ ...onlyPositives, floors: { auc: 0.85, recall: 0.7 } });
    expect(passing.status).toBe('ok');
  });

  it('gives no recall verdict without positives and no precision verdict without predicted positives', () => {
    const report = evaluatePerformance(
      classifier({
        labels: [0, 0, 0, 0],
        scores: [0.1, 0.2, 0.3, 0.4],
        floors: { auc: 0.85, precision: 0.5, recall: 0.5, accuracy: 0.9 },
      }),
    );
    expect(report.undefinedMetrics).toEqual({
      auc: 'single_class',
      precision: 'no_predicted_positives',
      recall: 'no_actual_positives',
    });
    expect(report.metrics).toEqual({ accuracy: 1 });
    expect(report.status).toBe('ok');
  });

  it('predicts positive at a score equal to the threshold', () => {
    const report = evaluatePerformance(
      classifier({ labels: [1, 0], scores: [0.3, 0.1], threshold: 0.3, minLabels: 2 }),
    );
    expect(report.metrics).toMatchObject({ precision: 1, recall: 1, accuracy: 1 });
  });
});

describe('evaluatePerformance for regressors', () => {
  it('reports MAE and RMSE', () => {
    const report = evaluatePerformance(regressor());
    expect(report.status).toBe('ok');
    expect(report.metrics.mae).toBe(1);
    expect(report.metrics.rmse).toBeCloseTo(Math.sqrt(5 / 3), 15);
    expect(report.results.map((r) => r.test)).toEqual(['mae', 'rmse']);
  });

  it('treats floors as maximums', () => {
    const report = evaluatePerformance(regressor({ floors: { mae: 0.9, rmse: 1.5 } }));
    expect(report.status).toBe('degraded');
    expect(report.breaches).toEqual(['mae 1 > floor 0.9']);
    expect(evaluatePerformance(regressor({ floors: { mae: 1, rmse: 1.3 } })).status).toBe('ok');
  });

  it('ignores the threshold', () => {
    expect(evaluatePerformance(regressor({ threshold: Number.NaN })).status).toBe('ok');
  });

  it('leaves out null scores', () => {
    const report = evaluatePerformance(
      regressor({ labels: [1, 2, 3, 50], scores: [2, 2, 1, null] }),
    );
    expect(report.metrics.mae).toBe(1);
    expect(report.unscoredRows).toBe(1);
  });
});

describe('evaluatePerformance input checks', () => {
  it('names a bad label, score or length', () => {
    expect(() => evaluatePerformance(classifier({ labels: [0, 2, 1, 1] }))).toThrow(
      'labels[1] is 2; expected 0 or 1',
    );
    expect(() => evaluatePerformance(classifier({ scores: [0.1, Number.NaN, 0.3, 0.4] }))).toThrow(
      'scores[1] is NaN; expected a finite number or null',
    );
    expect(() =>
      evaluatePerformance(regressor({ labels: [1, Number.POSITIVE_INFINITY, 3] })),
    ).toThrow('labels[1] is Infinity; expected a finite number');
    expect(() => evaluatePerformance(classifier({ scores: [0.1] }))).toThrow(
      'scores has length 1 but labels has length 4',
    );
  });

  it('rejects floors that are out of range or belong to the other task', () => {
    expect(() => evaluatePerformance(classifier({ floors: { auc: 1.2 } }))).toThrow(
      PerformanceInputError,
    );
    expect(() => evaluatePerformance(regressor({ floors: { mae: -1 } }))).toThrow(
      'floors.mae is -1',
    );
    expect(() => evaluatePerformance(classifier({ floors: { rmse: 2 } }))).toThrow(
      'floors.rmse does not apply to task binary_classification',
    );
  });

  it('rejects a bad minLabels or threshold', () => {
    expect(() => evaluatePerformance(classifier({ minLabels: 0 }))).toThrow(
      'minLabels is 0; it must be an integer >= 1',
    );
    expect(() => evaluatePerformance(classifier({ threshold: Number.NaN }))).toThrow(
      'threshold is NaN',
    );
  });

  it('wraps an overflow of the errors, keeping the cause', () => {
    let caught: unknown;
    try {
      evaluatePerformance(regressor({ labels: [1e308], scores: [-1e308], minLabels: 1 }));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PerformanceInputError);
    expect((caught as Error).cause).toBeInstanceOf(RangeError);
  });
});
