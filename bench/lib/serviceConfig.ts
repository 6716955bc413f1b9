/**
 * The configuration files of the services the benches start — the one
 * place that says how each kind of service is configured, in particular raw
 * row storage (`storage.raw`) for the ingest bench's two modes:
 *
 * - `sampled`: the default keepAll rate, with the sample fraction forced to
 *   a power of two, so that a short bench run stores what a service at that
 *   rate stores in steady state;
 * - `keepAll`: every row kept raw (driftwatch's behaviour before sampling);
 * - `default`: no `storage.raw` key, whatever the build's default is.
 *
 * A build whose schema has no `storage.raw` (the config is strict: an
 * unknown key stops start-up) gets the file without it, and the bench says
 * so: both modes then store every row.
 */
import { writeFileSync } from 'node:fs';
import { configSchema } from '../../src/config/schema.js';

export type RawMode = 'sampled' | 'keepAll' | 'default';

export interface ServiceConfigOptions {
  raw: RawMode;
  /** Forced sample fraction of `sampled` (a power of two ≤ 1). */
  sampleFraction: number;
  /** Scheduled checks off: a scheduled run must not disturb a timed one. */
  scheduler: boolean;
  /** checks.drift.exactLimit for every model (absent: the default). */
  exactLimit?: number;
}

/** The keepAll rate of `sampled`: rows/s per version kept whole before sampling. */
export const KEEP_ALL_BELOW_PER_SECOND = 2_000;

// ----------------------------------------------------------------------------
// storage.raw keys (src/config/storageSchema.ts): the sampled service
// forces the fraction a service at the bench's rate would settle on, so the
// run does not wait for the first recompute; keepAll forces fraction 1.
// ----------------------------------------------------------------------------
function rawStorage(mode: RawMode, sampleFraction: number): Record<string, unknown> | null {
  switch (mode) {
    case 'sampled':
      return { keepAllBelowPerSecond: KEEP_ALL_BELOW_PER_SECOND, fixedFraction: sampleFraction };
    case 'keepAll':
      return { keepAllBelowPerSecond: KEEP_ALL_BELOW_PER_SECOND, fixedFraction: 1 };
    case 'default':
      return null;
  }
}

/** Whether this build's configuration schema accepts the `storage.raw` keys of `mode`. */
export function rawStorageSupported(mode: RawMode, sampleFraction: number): boolean {
  const raw = rawStorage(mode, sampleFraction);
  return raw === null || configSchema.safeParse({ storage: { raw } }).success;
}

/**
 * The largest power of two ≤ keepAll rate / rows per second (1 at or below
 * the keepAll rate): the fraction a service at that rate samples.
 */
export function sampleFractionFor(rowsPerSecond: number): number {
  if (!(rowsPerSecond > 0))
    throw new RangeError(`rows per second must be > 0, got ${rowsPerSecond}`);
  let fraction = 1;
  while (fraction * rowsPerSecond > KEEP_ALL_BELOW_PER_SECOND && fraction > 2 ** -30) fraction /= 2;
  return fraction;
}

/** "1/64" for 0.015625. */
export function fractionText(fraction: number): string {
  return fraction >= 1 ? '1' : `1/${Math.round(1 / fraction)}`;
}

/**
 * Writes the service configuration (JSON, which is YAML) to `file`:
 * defaults, no model manifests, the given raw storage mode (left out when
 * the build does not know it) and scheduler. Returns whether the raw mode
 * is in the file.
 */
export function writeServiceConfig(file: string, options: ServiceConfigOptions): boolean {
  const raw = rawStorage(options.raw, options.sampleFraction);
  const supported = rawStorageSupported(options.raw, options.sampleFraction);
  const config = {
    models: {
      directory: 'bench/no-models',
      ...(options.exactLimit === undefined
        ? {}
        : { defaults: { checks: { drift: { exactLimit: options.exactLimit } } } }),
    },
    scheduler: { enabled: options.scheduler },
    ...(raw !== null && supported ? { storage: { raw } } : {}),
  };
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
  return raw !== null && supported;
}
