/**
 * Configuration of scheduled checks, per model (`models.settings.<model>.checks`)
 * over defaults for all models (`models.defaults.checks`) over built-in values.
 */
import { validate as validateCron } from 'node-cron';
import { z } from 'zod';
import {
  DEFAULT_SEGMENT_TOP,
  MAX_SEGMENT_TOP,
  TAG_KEY_PATTERN,
  TAG_PREFIX,
  type SegmentSpec,
} from '../core/segments.js';
import { defaultDriftPolicy, type Correction } from '../drift/policy.js';

const DURATION = /^(\d+)(s|m|h|d)$/;
const UNIT_SECONDS = { s: 1, m: 60, h: 3_600, d: 86_400 } as const;

/** Seconds of a duration like `90s`, `30m`, `1h`, `7d`. */
export function parseDuration(text: string): number {
  const match = DURATION.exec(text.trim());
  if (!match) throw new RangeError(`"${text}" is not a duration like 30m, 1h or 7d`);
  return Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS];
}

export const durationSchema = z
  .string()
  .regex(DURATION, 'a duration like 90s, 30m, 1h or 7d')
  // zod runs refinements even after the regex failed, so this one must not throw.
  .refine(
    (text) => !DURATION.test(text.trim()) || parseDuration(text) > 0,
    'must be longer than 0',
  );

export const cronSchema = z
  .string()
  .refine((text) => validateCron(text), 'not a valid cron expression (5 or 6 fields)');

const probability = z.number().gt(0).lt(1);

export const driftCheckSchema = z.strictObject({
  enabled: z.boolean().optional(),
  schedule: cronSchema.optional(),
  window: durationSchema.optional(),
  minSamples: z.number().int().min(1).optional(),
  alpha: probability.optional(),
  correction: z.enum(['bh', 'bonferroni', 'none']).optional(),
  minEffectSize: z
    .strictObject({
      ks: z.number().min(0).max(1).optional(),
      jensenShannon: z.number().min(0).max(1).optional(),
    })
    .optional(),
  datasetDriftShare: z.number().gt(0).max(1).optional(),
  /** Features to test (default: every feature of the version's schema). */
  features: z.array(z.string().min(1)).min(1).optional(),
  /** Up to this many rows in a window the tests are exact; beyond, mergeable summaries are used. */
  exactLimit: z.number().int().min(1_000).optional(),
});

const floorsSchema = z.strictObject({
  auc: z.number().min(0).max(1).optional(),
  precision: z.number().min(0).max(1).optional(),
  recall: z.number().min(0).max(1).optional(),
  accuracy: z.number().min(0).max(1).optional(),
  /** Ceilings for regressors: a run above them is degraded. */
  mae: z.number().min(0).optional(),
  rmse: z.number().min(0).optional(),
});

export const performanceCheckSchema = z.strictObject({
  enabled: z.boolean().optional(),
  schedule: cronSchema.optional(),
  window: durationSchema.optional(),
  /** Fewer labelled rows than this gives insufficient_data. */
  minLabels: z.number().int().min(1).optional(),
  floors: floorsSchema.optional(),
  /**
   * Label-free estimation (CBPE) from the window's scores, for binary
   * classifiers whose reference carried `score` and `label` columns.
   */
  estimate: z
    .strictObject({
      enabled: z.boolean().optional(),
      /** Half-width of the band around an estimate, in sampling errors. */
      bandSigmas: z.number().min(0).max(10).optional(),
      /** Fewer scored rows than this: no estimate (insufficient_data). */
      minRows: z.number().int().min(1).optional(),
      /**
       * Scored rows read per run at most: a larger window is read as a
       * deterministic hash sample of about this many rows.
       */
      maxRows: z.number().int().min(1).max(100_000_000).optional(),
    })
    .optional(),
});

export const parityCheckSchema = z.strictObject({
  /** Parity checks run for versions that have an ONNX artifact. */
  enabled: z.boolean().optional(),
  schedule: cronSchema.optional(),
  window: durationSchema.optional(),
  /** Predictions re-scored per run, sampled evenly from the window. */
  sampleSize: z.number().int().min(1).max(5_000_000).optional(),
  /** A row mismatches when |logged − recomputed| > atol + rtol·|recomputed|. */
  atol: z.number().min(0).optional(),
  rtol: z.number().min(0).optional(),
  /** Mismatch ratio above which the run is `degraded` and a diagnosis is attempted. */
  maxMismatchRatio: z.number().min(0).max(1).optional(),
  /** Skew attribution on a degraded run that no other version explains. */
  attribution: z
    .strictObject({
      enabled: z.boolean().optional(),
      /** Time the hypothesis search may take; it overruns by at most one batched run. */
      budgetMs: z.number().int().min(1).max(600_000).optional(),
      /** Mismatching rows the hypotheses are tested on (a seeded sample). */
      sampleRows: z.number().int().min(1).max(100_000).optional(),
    })
    .optional(),
});

export const shadowSchema = z.strictObject({
  /** The version scored beside the one serving. */
  challenger: z.string().min(1),
  schedule: cronSchema.optional(),
  window: durationSchema.optional(),
  sampleSize: z.number().int().min(1).max(5_000_000).optional(),
});

/**
 * One segment of a model: its checks are repeated on the `top` most frequent
 * values of `by` in the window (a categorical feature, or `tag:<key>`), the
 * other values together as `__other__`. Whether a feature `by` exists and is
 * categorical is known only against a version's schema: a check run says so.
 */
export const segmentSchema = z.strictObject({
  by: z
    .string()
    .min(1)
    .refine(
      (by) => !by.startsWith(TAG_PREFIX) || TAG_KEY_PATTERN.test(by.slice(TAG_PREFIX.length)),
      'a tag segment is tag:<key>, the key a letter or _, then up to 63 of A-Z a-z 0-9 _ . -',
    ),
  top: z.number().int().min(1).max(MAX_SEGMENT_TOP).optional(),
});

export const segmentsSchema = z
  .array(segmentSchema)
  .max(8)
  .refine(
    (segments) => new Set(segments.map((s) => s.by)).size === segments.length,
    'each `by` may appear once',
  );

export type SegmentsInput = z.output<typeof segmentsSchema> | undefined;

export const checksSchema = z.strictObject({
  drift: driftCheckSchema.optional(),
  performance: performanceCheckSchema.optional(),
  parity: parityCheckSchema.optional(),
});

export type ChecksInput = z.output<typeof checksSchema>;
export type ShadowInput = z.output<typeof shadowSchema> | undefined;

export interface DriftCheckSettings {
  enabled: boolean;
  schedule: string;
  windowSeconds: number;
  exactLimit: number;
  /** null: every feature of the schema. */
  features: string[] | null;
  policy: {
    minSamples: number;
    alpha: number;
    correction: Correction;
    minEffectSize: { ks: number; jensenShannon: number };
    datasetDriftShare: number;
  };
}

export interface PerformanceCheckSettings {
  enabled: boolean;
  schedule: string;
  windowSeconds: number;
  minLabels: number;
  floors: z.output<typeof floorsSchema>;
  estimate: { enabled: boolean; bandSigmas: number; minRows: number; maxRows: number };
}

export interface ParityCheckSettings {
  enabled: boolean;
  schedule: string;
  windowSeconds: number;
  sampleSize: number;
  atol: number;
  rtol: number;
  maxMismatchRatio: number;
  attribution: { enabled: boolean; budgetMs: number; sampleRows: number };
}

export interface ShadowSettings {
  challenger: string;
  schedule: string;
  windowSeconds: number;
  sampleSize: number;
}

export interface CheckSettings {
  drift: DriftCheckSettings;
  performance: PerformanceCheckSettings;
  parity: ParityCheckSettings;
  /** null: no challenger is shadowed. */
  shadow: ShadowSettings | null;
  /** The model's segments (none by default): drift runs test each (docs/checks.md, "Segments"). */
  segments: SegmentSpec[];
}

export const BUILT_IN_CHECKS = {
  drift: {
    enabled: true,
    schedule: '*/5 * * * *',
    window: '1h',
    exactLimit: 200_000,
    // The decision policy's own defaults, justified in docs/statistics.md.
    minSamples: defaultDriftPolicy.minSamples,
    alpha: defaultDriftPolicy.alpha,
    correction: defaultDriftPolicy.correction,
    minEffectSize: defaultDriftPolicy.minEffectSize,
    datasetDriftShare: defaultDriftPolicy.datasetDriftShare,
  },
  performance: {
    enabled: true,
    schedule: '*/15 * * * *',
    window: '24h',
    minLabels: 100,
    // The article's training pipeline gates deployment at AUC >= 0.85.
    floors: { auc: 0.85 },
    // Two sampling errors: about 95 % of windows' realised metrics fall in
    // the band when the model's P(label | score) has not changed.
    // maxRows bounds the memory and time of one run's read of the scores.
    estimate: { enabled: true, bandSigmas: 2, minRows: 100, maxRows: 1_000_000 },
  },
  parity: {
    enabled: true,
    schedule: '*/10 * * * *',
    window: '1h',
    sampleSize: 10_000,
    // float32 inference: about 7 significant digits, so differences below
    // 1e-5 absolute or 1e-4 relative are rounding, not skew.
    atol: 1e-5,
    rtol: 1e-4,
    maxMismatchRatio: 0.01,
    // 200 rows keep each hypothesis to one small batched run; 2 s bounds the
    // search (a few hundred runs) so a degraded run stays quick to record.
    attribution: { enabled: true, budgetMs: 2_000, sampleRows: 200 },
  },
  shadow: {
    schedule: '*/10 * * * *',
    window: '1h',
    sampleSize: 10_000,
  },
} as const;

/** Merges per-model settings over the defaults over the built-in values. */
export function resolveCheckSettings(
  defaults: ChecksInput | undefined,
  own: ChecksInput | undefined,
  shadow?: ShadowInput,
  segments?: SegmentsInput,
): CheckSettings {
  const parity = { ...defaults?.parity, ...own?.parity };
  const drift = { ...defaults?.drift, ...own?.drift };
  const performance = { ...defaults?.performance, ...own?.performance };
  const builtIn = BUILT_IN_CHECKS;
  return {
    drift: {
      enabled: drift.enabled ?? builtIn.drift.enabled,
      schedule: drift.schedule ?? builtIn.drift.schedule,
      windowSeconds: parseDuration(drift.window ?? builtIn.drift.window),
      exactLimit: drift.exactLimit ?? builtIn.drift.exactLimit,
      features: drift.features ?? null,
      policy: {
        minSamples: drift.minSamples ?? builtIn.drift.minSamples,
        alpha: drift.alpha ?? builtIn.drift.alpha,
        correction: drift.correction ?? builtIn.drift.correction,
        minEffectSize: {
          ks:
            drift.minEffectSize?.ks ??
            defaults?.drift?.minEffectSize?.ks ??
            builtIn.drift.minEffectSize.ks,
          jensenShannon:
            drift.minEffectSize?.jensenShannon ??
            defaults?.drift?.minEffectSize?.jensenShannon ??
            builtIn.drift.minEffectSize.jensenShannon,
        },
        datasetDriftShare: drift.datasetDriftShare ?? builtIn.drift.datasetDriftShare,
      },
    },
    performance: {
      enabled: performance.enabled ?? builtIn.performance.enabled,
      schedule: performance.schedule ?? builtIn.performance.schedule,
      windowSeconds: parseDuration(performance.window ?? builtIn.performance.window),
      minLabels: performance.minLabels ?? builtIn.performance.minLabels,
      floors: performance.floors ?? { ...builtIn.performance.floors },
      estimate: {
        enabled:
          own?.performance?.estimate?.enabled ??
          defaults?.performance?.estimate?.enabled ??
          builtIn.performance.estimate.enabled,
        bandSigmas:
          own?.performance?.estimate?.bandSigmas ??
          defaults?.performance?.estimate?.bandSigmas ??
          builtIn.performance.estimate.bandSigmas,
        minRows:
          own?.performance?.estimate?.minRows ??
          defaults?.performance?.estimate?.minRows ??
          builtIn.performance.estimate.minRows,
        maxRows:
          own?.performance?.estimate?.maxRows ??
          defaults?.performance?.estimate?.maxRows ??
          builtIn.performance.estimate.maxRows,
      },
    },
    parity: {
      enabled: parity.enabled ?? builtIn.parity.enabled,
      schedule: parity.schedule ?? builtIn.parity.schedule,
      windowSeconds: parseDuration(parity.window ?? builtIn.parity.window),
      sampleSize: parity.sampleSize ?? builtIn.parity.sampleSize,
      atol: parity.atol ?? builtIn.parity.atol,
      rtol: parity.rtol ?? builtIn.parity.rtol,
      maxMismatchRatio: parity.maxMismatchRatio ?? builtIn.parity.maxMismatchRatio,
      attribution: {
        enabled:
          own?.parity?.attribution?.enabled ??
          defaults?.parity?.attribution?.enabled ??
          builtIn.parity.attribution.enabled,
        budgetMs:
          own?.parity?.attribution?.budgetMs ??
          defaults?.parity?.attribution?.budgetMs ??
          builtIn.parity.attribution.budgetMs,
        sampleRows:
          own?.parity?.attribution?.sampleRows ??
          defaults?.parity?.attribution?.sampleRows ??
          builtIn.parity.attribution.sampleRows,
      },
    },
    shadow: shadow
      ? {
          challenger: shadow.challenger,
          schedule: shadow.schedule ?? builtIn.shadow.schedule,
          windowSeconds: parseDuration(shadow.window ?? builtIn.shadow.window),
          sampleSize: shadow.sampleSize ?? builtIn.shadow.sampleSize,
        }
      : null,
    segments: (segments ?? []).map((segment) => ({
      by: segment.by,
      top: segment.top ?? DEFAULT_SEGMENT_TOP,
    })),
  };
}
