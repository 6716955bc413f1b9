/**
 * `intake`: prediction logs in other formats than driftwatch's own — today
 * KServe's payload logger (POST /v1/intake/kserve, docs/serving-pods.md
 * "KServe").
 */
import { z } from 'zod';
import { cronSchema } from './checksSchema.js';

const versionNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'letters, digits, ".", "_" or "-" (max 128)');

/** A column of the logged input tensor: a feature name, or a column as in a manifest's `onnx.inputs`. */
const intakeColumnSchema = z.union([
  z.string().min(1),
  z.strictObject({
    feature: z.string().min(1),
    encoding: z.enum(['numeric', 'one_hot', 'index', 'string']),
    categories: z.array(z.string()).min(1).optional(),
  }),
]);

/** Which model version an InferenceService serves, and how its tensors read. */
export const kserveBindingSchema = z.strictObject({
  /** `metadata.name` of the InferenceService (the events' `Ce-Inferenceservicename`). */
  inferenceService: z.string().min(1),
  /** Its namespace (`Ce-Namespace`); absent: any. */
  namespace: z.string().min(1).optional(),
  model: versionNameSchema,
  version: versionNameSchema,
  /**
   * The columns of the logged input tensor, in order, for a version without
   * `onnx.inputs` (those are read in reverse otherwise).
   */
  columns: z.array(intakeColumnSchema).min(1).optional(),
  /** The V2 output holding the score (default: the manifest's `onnx.outputName`, else the first). */
  output: z.string().min(1).optional(),
  /** Column of that output (default: `onnx.scoreColumn`, else 1 for two columns, else 0). */
  scoreColumn: z.number().int().min(0).optional(),
});

export const intakeSchema = z
  .strictObject({
    /** How long a request waits for its response (or the reverse) before it is expired and counted. */
    pendingSeconds: z.number().int().min(1).max(86_400).default(600),
    /** When the expiry job runs (every replica may; each slot runs once). */
    expirySchedule: cronSchema.default('* * * * *'),
    /** InferenceServices whose payload logger posts to /v1/intake/kserve. */
    kserve: z.array(kserveBindingSchema).default([]),
  })
  .prefault({});

export type IntakeConfig = z.output<typeof intakeSchema>;
