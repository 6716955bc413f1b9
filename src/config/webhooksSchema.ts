/**
 * The `webhooks` configuration section: retraining webhooks delivered through
 * the durable outbox (docs/webhooks.md). Targets are a closed list: only
 * these http(s) URLs are ever called.
 */
import { z } from 'zod';
import { WEBHOOK_EVENT_TYPES } from '../core/webhookEvent.js';

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
/** Headers driftwatch sets itself; a target may not override them. */
const RESERVED_HEADERS = new Set([
  'content-type',
  'content-length',
  'host',
  'idempotency-key',
  'x-driftwatch-signature',
  'x-driftwatch-timestamp',
  'x-driftwatch-event',
  'x-driftwatch-delivery',
]);

export const webhookTargetSchema = z.strictObject({
  /** Label in metrics, logs and the deliveries API. */
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, ".", "_" or "-" (max 64)'),
  url: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }).refine((value) => {
    const parsed = new URL(value);
    return parsed.username === '' && parsed.password === '';
  }, 'credentials in the URL would appear in logs: use headers'),
  events: z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1),
  /** Environment variable holding the signing secret (at least 16 characters). */
  secretEnv: z.string().min(1),
  /** Filled by the loader from `secretEnv`; never written in the file. */
  secret: z.string().min(16).optional(),
  headers: z
    .record(z.string().regex(HEADER_NAME, 'an HTTP header name'), z.string())
    .refine(
      (headers) => Object.keys(headers).every((name) => !RESERVED_HEADERS.has(name.toLowerCase())),
      `these headers are set by driftwatch: ${[...RESERVED_HEADERS].join(', ')}`,
    )
    .default({}),
});

export const webhooksSchema = z
  .strictObject({
    targets: z
      .array(webhookTargetSchema)
      .default([])
      .refine(
        (targets) => new Set(targets.map((t) => t.name)).size === targets.length,
        'target names must be unique',
      ),
    /** Consecutive drift runs with dataset drift before `dataset_drift` is sent. */
    consecutiveDriftRuns: z.number().int().min(1).max(100).default(2),
    /** Per-attempt timeout, response included. */
    timeoutMs: z.number().int().min(10).max(120_000).default(10_000),
    /** An event not delivered within this age is dead-lettered. */
    maxAgeHours: z
      .number()
      .min(0.0001)
      .max(24 * 30)
      .default(24),
    pollIntervalMs: z.number().int().min(5).max(600_000).default(2_000),
    /** First retry delay; doubled per attempt, with full jitter, up to maxBackoffMs. */
    initialBackoffMs: z.number().int().min(1).max(3_600_000).default(5_000),
    maxBackoffMs: z.number().int().min(1).max(86_400_000).default(600_000),
    /** Rows claimed per poll. */
    batchSize: z.number().int().min(1).max(1_000).default(20),
    /** Run the dispatcher in this replica (every replica may; rows are locked). */
    dispatch: z.boolean().default(true),
  })
  .prefault({});

export type WebhooksConfig = z.output<typeof webhooksSchema>;
export type WebhookTarget = z.output<typeof webhookTargetSchema>;

type Json = Record<string, unknown>;

/**
 * Resolves each target's `secretEnv` in the raw file before the schema runs,
 * so an unset variable is listed with every other start-up problem.
 */
export function resolveWebhookSecrets(raw: Json, env: NodeJS.ProcessEnv, problems: string[]): void {
  const webhooks = raw.webhooks;
  if (webhooks === null || typeof webhooks !== 'object' || Array.isArray(webhooks)) return;
  const targets = (webhooks as Json).targets;
  if (!Array.isArray(targets)) return;
  targets.forEach((target: unknown, index) => {
    if (target === null || typeof target !== 'object') return;
    const entry = target as Json;
    const where = `webhooks.targets.${index}`;
    if (entry.secret !== undefined) {
      problems.push(`${where}: put the secret in an environment variable named by "secretEnv"`);
      delete entry.secret;
      return;
    }
    if (typeof entry.secretEnv !== 'string') return;
    const value = env[entry.secretEnv];
    if (value === undefined || value.length < 16) {
      problems.push(
        `${where}.secretEnv: environment variable ${entry.secretEnv} is unset or shorter than 16 characters`,
      );
    } else {
      entry.secret = value;
    }
  });
}
