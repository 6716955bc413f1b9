/**
 * Longest accepted free-text values of a prediction record or label
 * (`ingest.limits` in the configuration). Checked in src/ingest/textCheck.ts.
 */

/** Longest accepted value of each free-text field, in Unicode code points. */
export interface TextLimits {
  /** `model` and `model_version`. */
  name: number;
  /** `request_id`. */
  requestId: number;
  /** `status`. */
  status: number;
  /** `prediction` when sent as text. */
  prediction: number;
  /** One categorical feature value. */
  category: number;
}

export const DEFAULT_TEXT_LIMITS: TextLimits = {
  name: 128,
  requestId: 256,
  status: 64,
  prediction: 256,
  category: 1_024,
};
