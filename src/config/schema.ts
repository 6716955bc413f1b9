/**
 * The configuration schema. Every object is strict: an unknown key is a
 * mistake (a typo would otherwise silently fall back to a default), so it stops
 * start-up together with every other problem found.
 */
import { z } from 'zod';
import {
  checksSchema,
  segmentsSchema,
  cronSchema,
  resolveCheckSettings,
  shadowSchema,
  type CheckSettings,
} from './checksSchema.js';
import { webhooksSchema } from './webhooksSchema.js';
import { databaseTimeoutsSchema } from './databaseSchema.js';
import { DEFAULT_TEXT_LIMITS } from '../core/textLimits.js';
import { logsSchema } from './logsSchema.js';
import { intakeSchema } from './intakeSchema.js';
import { storageSchema } from './storageSchema.js';

const nameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'letters, digits, ".", "_" or "-" (max 128)');

export const tokenSchema = z.strictObject({
  /** A label for logs; never the secret. */
  name: z.string().min(1),
  /** The secret itself, or… */
  token: z.string().min(16, 'tokens must be at least 16 characters').optional(),
  /** …the name of an environment variable that holds it. */
  tokenEnv: z.string().min(1).optional(),
  scopes: z.array(z.enum(['ingest', 'admin'])).min(1),
});

export const modelSettingsSchema = z.strictObject({
  /**
   * What to do with a record whose features include names that the version's
   * schema does not have: `reject` the record (a schema mismatch) or `ignore`
   * the extra features, store the record, and count them.
   */
  unknownFeatures: z.enum(['reject', 'ignore']).optional(),
  /** Scheduled checks: `drift`, `performance` and `parity`. */
  checks: checksSchema.optional(),
  /** A challenger version scored beside the serving one (per model only). */
  shadow: shadowSchema.optional(),
  /**
   * Slices of the window that drift runs test besides the whole window:
   * `[{ by: <categorical feature> | "tag:<key>", top: 10 }]` (default none).
   * A model's own list replaces the defaults' list.
   */
  segments: segmentsSchema.optional(),
});

export const configSchema = z.strictObject({
  server: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8080),
      /** Public base URL used in links (webhook payloads, logs). */
      publicUrl: z.url().optional(),
    })
    .prefault({}),
  database: z
    .strictObject({
      /** PostgreSQL connection string; when absent an embedded server is started. */
      url: z.string().min(1).optional(),
      /** Connections of the pool that serves API requests. */
      poolSize: z.number().int().min(2).max(200).default(10),
      /** Connections of the pool for scheduled work: checks, retention, webhook delivery. */
      jobsPoolSize: z.number().int().min(1).max(100).default(4),
      /** Limits of both pools, so a database that hangs fails callers in bounded time. */
      timeouts: databaseTimeoutsSchema,
      /** Folder of the embedded server's data (used only without `url`). */
      dataDir: z.string().min(1).default('.driftwatch/pg'),
      /** Port of the embedded server; 0 picks a free one at each start. */
      embeddedPort: z.number().int().min(0).max(65535).default(0),
      /** Daily prediction partitions created ahead of today. */
      partitionsAheadDays: z.number().int().min(1).max(60).default(3),
    })
    .prefault({}),
  auth: z
    .union([
      z.literal('none'),
      z.strictObject({
        tokens: z.array(tokenSchema).default([]),
      }),
    ])
    .default({ tokens: [] }),
  ingest: z
    .strictObject({
      /** Largest request body accepted, measured after gzip decompression. */
      maxBodyBytes: z
        .number()
        .int()
        .min(1024)
        .default(32 * 1024 * 1024),
      /** Largest reference upload, after decompression. */
      referenceMaxBodyBytes: z
        .number()
        .int()
        .min(1024)
        .default(1024 * 1024 * 1024),
      /** How far ahead of the server clock a record timestamp may be. */
      maxFutureSeconds: z.number().int().min(0).default(3_600),
      /** How old a record timestamp may be. */
      maxAgeDays: z.number().int().min(1).max(3_650).default(90),
      /**
       * Rejections listed with their message in one response; all of them
       * are counted in `rejected_count`. Bounds the response whatever the body.
       */
      maxRejectionsListed: z.number().int().min(0).max(100_000).default(100),
      /** Longest free-text values of a record or label, in characters (`too_long` beyond). */
      limits: z
        .strictObject({
          name: z.number().int().min(1).max(4_096).default(DEFAULT_TEXT_LIMITS.name),
          requestId: z.number().int().min(1).max(4_096).default(DEFAULT_TEXT_LIMITS.requestId),
          status: z.number().int().min(1).max(4_096).default(DEFAULT_TEXT_LIMITS.status),
          prediction: z.number().int().min(1).max(65_536).default(DEFAULT_TEXT_LIMITS.prediction),
          category: z.number().int().min(1).max(65_536).default(DEFAULT_TEXT_LIMITS.category),
        })
        .prefault({}),
    })
    .prefault({}),
  models: z
    .strictObject({
      /** Folder scanned at start-up for `<model>/<version>/model.json` manifests. */
      directory: z.string().min(1).default('models'),
      defaults: modelSettingsSchema.prefault({}),
      /** Per-model settings, by model name; they override `defaults`. */
      settings: z.record(nameSchema, modelSettingsSchema).default({}),
    })
    .prefault({}),
  scoring: z
    .strictObject({
      /** onnxruntime threads per operator (0: onnxruntime decides). One leaves a core for ingestion. */
      intraOpThreads: z.number().int().min(0).max(64).default(1),
      /** Rows per session.run. */
      batchSize: z.number().int().min(1).max(1_000_000).default(4_096),
    })
    .prefault({}),
  /** Raw rows: all of them below a rate, a deterministic hash sample above it. */
  storage: storageSchema,
  scheduler: z
    .strictObject({
      /** Run scheduled checks in this replica (every replica may; each slot runs once). */
      enabled: z.boolean().default(true),
    })
    .prefault({}),
  retention: z
    .strictObject({
      /** Predictions older than this are removed by dropping whole daily partitions. */
      predictionsDays: z.number().int().min(1).max(3_650).default(90),
      /** Minute summaries (built at ingest) of minutes older than this are deleted. */
      summariesDays: z.number().int().min(1).max(3_650).default(400),
      /** Batch idempotency keys (`Idempotency-Key`, tailed file ranges) older than this are deleted. */
      batchKeysDays: z.number().int().min(1).max(3_650).default(7),
      schedule: cronSchema.default('23 * * * *'),
      /** When closed minutes' summary partials are merged into one row each. */
      compactionSchedule: cronSchema.default('* * * * *'),
    })
    .prefault({}),
  logging: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      /** `auto`: readable lines on a terminal, JSON otherwise (telemetry/logger.ts). */
      format: z.enum(['auto', 'pretty', 'json']).default('auto'),
    })
    .prefault({}),
  /** NDJSON prediction logs followed on a shared volume (file tailing). */
  logs: logsSchema,
  /** Retraining webhooks through the durable outbox (docs/webhooks.md). */
  webhooks: webhooksSchema,
  /** Other log formats: KServe's payload logger (docs/serving-pods.md, "KServe"). */
  intake: intakeSchema,
});

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type TokenConfig = z.output<typeof tokenSchema>;
export interface ModelSettings {
  unknownFeatures: 'reject' | 'ignore';
}

export { nameSchema };

/** Settings of one model: its own over the defaults over built-in values. */
export function modelSettings(config: Config, model: string): ModelSettings {
  const own = config.models.settings[model] ?? {};
  return {
    unknownFeatures: own.unknownFeatures ?? config.models.defaults.unknownFeatures ?? 'reject',
  };
}

/** Check settings of one model: its own over `models.defaults.checks` over built-in values. */
export function modelCheckSettings(config: Config, model: string): CheckSettings {
  const own = config.models.settings[model];
  return resolveCheckSettings(
    config.models.defaults.checks,
    own?.checks,
    own?.shadow,
    own?.segments ?? config.models.defaults.segments,
  );
}
