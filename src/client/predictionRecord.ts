/**
 * The prediction record a serving pod logs (driftwatch wire format v1), as a
 * type for TypeScript callers of `LogShipper.log`. The service checks every
 * field (docs/api.md); the shipper sends the object as it is.
 */
export interface PredictionLogRecord {
  model: string;
  model_version: string;
  /** Unique per model. */
  request_id: string;
  /** RFC 3339 date-time with a zone, or Unix epoch seconds. */
  timestamp: string | number;
  /** By feature name; null for a missing value. */
  features: Record<string, number | string | boolean | null>;
  score?: number | null;
  prediction?: number | string | boolean | null;
  latency_ms?: number | null;
  status?: string;
  label?: number | boolean | null;
  /** A W3C traceparent. */
  traceparent?: string;
  /**
   * String labels to slice checks by (`segments: [{ by: "tag:pod" }]`): at
   * most 16; keys `^[A-Za-z_][A-Za-z0-9_.-]{0,63}$`, values 1 to 256
   * characters. A record with a bad tag is rejected on its own.
   */
  tags?: Record<string, string>;
}
