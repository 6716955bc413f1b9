/**
 * Prediction record, wire format v1 (see DESIGN.md). The envelope is checked
 * by this zod schema (which also feeds the OpenAPI document); the features are
 * then checked against the model version's own schema in validateRecord.ts.
 */
import { z } from 'zod';
import { TAG_KEY_PATTERN } from '../core/segments.js';
import { unstorableReason } from './textCheck.js';

export const TRACEPARENT_PATTERN = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** Tags: free string labels a serving pod attaches to a record (pod, country, …), for segments. */
export { TAG_KEY_PATTERN };
export const MAX_TAGS = 16;
export const MAX_TAG_VALUE_LENGTH = 256;

export const tagsSchema = z
  .record(
    z
      .string()
      .regex(TAG_KEY_PATTERN, 'a tag key: a letter or _, then up to 63 of A-Z a-z 0-9 _ . -'),
    z
      .string()
      .min(1)
      .max(MAX_TAG_VALUE_LENGTH)
      .refine((value) => unstorableReason(value) === null, 'not storable as text'),
  )
  .refine((tags) => Object.keys(tags).length <= MAX_TAGS, `at most ${MAX_TAGS} tags`)
  .describe(
    `string labels of the record (e.g. pod, country), at most ${MAX_TAGS}; key ^[A-Za-z_][A-Za-z0-9_.-]{0,63}$, value 1 to ${MAX_TAG_VALUE_LENGTH} characters; usable as segments (segments: [{ by: "tag:<key>" }])`,
  );

export const featureValueSchema = z.union([z.number(), z.string(), z.boolean(), z.null()]);

// Text fields are bounded by `ingest.limits` (configurable, so not fixed here;
// the defaults are in the descriptions) and must be storable as PostgreSQL
// text: no NUL, no lone surrogate, valid UTF-8. A field over its limit is
// rejected as `too_long`, unstorable text as `bad_value`.
const text = (limit: string) => z.string().min(1).describe(limit);

export const predictionRecordSchema = z.strictObject({
  model: text('at most ingest.limits.name characters (default 128)'),
  model_version: text('at most ingest.limits.name characters (default 128)'),
  request_id: text('unique per model; at most ingest.limits.requestId characters (default 256)'),
  timestamp: z
    .union([z.string(), z.number()])
    .describe('RFC 3339 / ISO 8601 date-time with a zone, or Unix epoch seconds'),
  features: z
    .record(z.string(), featureValueSchema)
    .describe(
      'by feature name; a categorical value at most ingest.limits.category characters (default 1024)',
    ),
  score: z.number().nullable().optional(),
  prediction: z
    .union([z.number(), z.string(), z.boolean()])
    .nullable()
    .optional()
    .describe('as text at most ingest.limits.prediction characters (default 256)'),
  latency_ms: z.number().min(0).nullable().optional(),
  status: text('at most ingest.limits.status characters (default 64)').optional(),
  label: z.union([z.number(), z.boolean()]).nullable().optional(),
  traceparent: z.string().regex(TRACEPARENT_PATTERN, 'a W3C traceparent').optional(),
  tags: tagsSchema.optional(),
});

export type PredictionRecord = z.output<typeof predictionRecordSchema>;

export const rejectionSchema = z.object({
  index: z.number().int().min(0),
  code: z.string(),
  message: z.string(),
});

export const ingestResponseSchema = z.object({
  accepted: z.number().int(),
  duplicates: z.number().int(),
  rejected: z
    .array(rejectionSchema)
    .describe('the first ingest.maxRejectionsListed rejections (default 100), in batch order'),
  rejected_count: z.number().int().min(0).describe('every rejected record, listed or not'),
  sampled_out: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe(
      'of accepted, the records summarised but not kept as raw rows (outside the raw sample); present only when a version of the batch is sampled',
    ),
  unkeyed_sampled: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe(
      'of sampled_out, those a retry would count again: the batch had no Idempotency-Key (docs/reliability.md)',
    ),
  replay: z
    .object({
      received_at: z.string(),
      accepted: z.number().int(),
      duplicates: z.number().int(),
      rejected_count: z.number().int(),
      sampled_out: z.number().int(),
    })
    .optional()
    .describe(
      'present when the Idempotency-Key was already stored: nothing was stored again (accepted 0, every valid record a duplicate); what the first attempt stored',
    ),
});

export const kserveIntakeResponseSchema = ingestResponseSchema.extend({
  events: z.number().int().min(0).describe('CloudEvents in the request'),
  pending: z.number().int().min(0).describe('events now waiting for their other half'),
  joined: z
    .number()
    .int()
    .min(0)
    .describe('events that completed a request/response pair (a retried event is not counted)'),
});

export const labelRecordSchema = z.strictObject({
  model: text('at most ingest.limits.name characters (default 128)'),
  request_id: text('at most ingest.limits.requestId characters (default 256)'),
  label: z.union([z.number(), z.boolean()]),
  timestamp: z.union([z.string(), z.number()]).optional(),
});

export type LabelRecord = z.output<typeof labelRecordSchema>;

/** Statuses that get their own metric label value; anything else counts as `other`. */
export const KNOWN_STATUSES = new Set(['success', 'error', 'timeout', 'fallback', 'rejected']);
