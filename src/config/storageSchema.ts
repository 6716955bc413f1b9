/**
 * `storage.raw`: which raw rows are kept (docs/scaling.md, "Raw sample").
 * Every accepted record is summarised; raw rows are kept whole for a model
 * version below `keepAllBelowPerSecond` and as a deterministic hash sample
 * above it.
 */
import { z } from 'zod';
import { isPowerOfTwoFraction } from '../core/rawSampleFraction.js';

const powerOfTwoFraction = z
  .number()
  .refine(isPowerOfTwoFraction, 'a power of two in (0, 1]: 1, 0.5, 0.25, … (samples must nest)');

export const rawStorageSchema = z
  .strictObject({
    /**
     * Per model version, records per second (every accepted record, over the
     * last `rateWindowMinutes`) at or below which every raw row is kept.
     */
    keepAllBelowPerSecond: z.number().positive().default(2_000),
    /** The smallest fraction kept, however high the rate: 1/1024 by default. */
    minSampleFraction: powerOfTwoFraction.default(1 / 1024),
    /** Complete minutes of minute summaries the rate is measured over. */
    rateWindowMinutes: z.number().int().min(1).max(60).default(5),
    /** How long a replica uses the fractions it read (≤ 10 s keeps replicas within one cache period). */
    cacheSeconds: z.number().int().min(1).max(10).default(10),
    /** How often a fraction is recomputed from the observed rate. */
    recomputeSeconds: z.number().int().min(5).max(3_600).default(60),
    /**
     * A fixed fraction for every version, instead of one from the rate: for
     * tests and benchmarks (`DRIFTWATCH_RAW_FIXED_FRACTION`).
     */
    fixedFraction: powerOfTwoFraction.optional(),
  })
  .prefault({});

export const storageSchema = z
  .strictObject({
    raw: rawStorageSchema,
  })
  .prefault({});

export type RawStorageConfig = z.output<typeof rawStorageSchema>;
