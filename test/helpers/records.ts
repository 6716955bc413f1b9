/** Builders of prediction records and model definitions for the tests. */

export const CHURN_FEATURES = [
  { name: 'tenure_months', type: 'numeric' },
  { name: 'monthly_charges', type: 'numeric' },
  { name: 'support_calls', type: 'numeric' },
  { name: 'plan', type: 'categorical' },
  { name: 'region', type: 'categorical' },
] as const;

export const CHURN_DEFINITION = {
  task: 'binary_classification',
  features: CHURN_FEATURES,
  threshold: 0.5,
};

export interface RecordOverrides {
  [key: string]: unknown;
}

/** A valid record for model `churn` version `1`, numbered `i`. */
export function churnRecord(
  i: number,
  overrides: RecordOverrides = {},
  timestampMs = Date.now(),
): Record<string, unknown> {
  return {
    model: 'churn',
    model_version: '1',
    request_id: `req-${i}`,
    timestamp: new Date(timestampMs - (i % 1000) * 1000).toISOString(),
    features: {
      tenure_months: (i * 7) % 72,
      monthly_charges: 20 + ((i * 13) % 100) + 0.25,
      support_calls: i % 5,
      plan: ['basic', 'plus', 'pro'][i % 3],
      region: ['eu', 'us', 'apac'][i % 3],
    },
    score: ((i * 37) % 100) / 100,
    prediction: (i * 37) % 100 >= 50 ? 1 : 0,
    latency_ms: 3 + (i % 10),
    status: 'success',
    ...overrides,
  };
}
