/**
 * Which raw rows a replica keeps (docs/scaling.md, "Raw sample"): the
 * fraction of each model version, read from `raw_sampling` and cached for at
 * most `storage.raw.cacheSeconds`, and recomputed from the observed rate
 * every `storage.raw.recomputeSeconds` by whichever replica gets there first
 * (the others' recomputes find nothing to change). A record is kept iff its
 * hash position is below its version's fraction (core/sampleHash.ts).
 */
import type { RawStorageConfig } from '../config/storageSchema.js';
import { rawSampleFraction } from '../core/rawSampleFraction.js';
import { inRawSample } from '../core/sampleHash.js';
import { versionKey, type RawSamplingStore, type VersionRef } from '../storage/rawSamplingStore.js';
import type { Logger } from '../telemetry/logger.js';

const MINUTE_MS = 60_000;

export interface RawSamplerOptions {
  settings: RawStorageConfig;
  store: RawSamplingStore;
  /** The service clock: ends the window the rate is measured over (records' own minutes). */
  now: () => number;
  /** A monotonic clock for cache ages (default performance.now). */
  clockMs?: () => number;
  logger?: Logger;
  /** Told of every fraction change this replica wrote. */
  onChange?: (model: string, version: string, fraction: number) => void;
}

/** The fractions of a batch's versions, and the decision per record. */
export interface SampleDecision {
  /** The fraction of a version (1: every row kept). */
  fractionOf(model: string, version: string): number;
  /** Whether the record is kept as a raw row. */
  keeps(model: string, version: string, requestId: string): boolean;
  /** True when some version of the batch is sampled (fraction < 1). */
  sampling: boolean;
}

export class RawSampler {
  private fractions = new Map<string, number>();
  private loadedAtMs = Number.NEGATIVE_INFINITY;
  private recomputedAtMs = Number.NEGATIVE_INFINITY;
  private refreshing: Promise<void> | null = null;
  /** Versions this replica has seen since its last recompute. */
  private readonly seen = new Map<string, VersionRef>();
  private readonly clockMs: () => number;

  constructor(private readonly options: RawSamplerOptions) {
    this.clockMs = options.clockMs ?? (() => performance.now());
  }

  /** The decision for a batch of these versions (fresh fractions at most cacheSeconds old). */
  async decide(versions: readonly VersionRef[]): Promise<SampleDecision> {
    const fixed = this.options.settings.fixedFraction;
    if (fixed !== undefined) return constantDecision(fixed);
    for (const v of versions) {
      this.seen.set(versionKey(v.model, v.version), { model: v.model, version: v.version });
    }
    if (this.clockMs() - this.loadedAtMs >= this.options.settings.cacheSeconds * 1000) {
      await this.refresh(false);
    }
    const fractions = this.fractions;
    const fractionOf = (model: string, version: string): number =>
      fractions.get(versionKey(model, version)) ?? 1;
    const sampling = versions.some((v) => fractionOf(v.model, v.version) < 1);
    if (!sampling) return constantDecision(1);
    return {
      fractionOf,
      keeps: (model, version, requestId) =>
        inRawSample(model, requestId, fractionOf(model, version)),
      sampling,
    };
  }

  /**
   * Reads the current fractions, recomputing them first when due (or when
   * `recompute`). A failure keeps the fractions already read (none: every
   * row is kept — more storage, never a lost record) and is logged.
   */
  refresh(recompute: boolean): Promise<void> {
    this.refreshing ??= this.load(recompute).finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async load(recompute: boolean): Promise<void> {
    const { settings, store, now, logger, onChange } = this.options;
    try {
      const due = this.clockMs() - this.recomputedAtMs >= settings.recomputeSeconds * 1000;
      if (recompute || due) {
        const versions = new Map(this.seen);
        // Sampled versions whose traffic stopped still need a recompute to go back to 1.
        for (const [key, fraction] of this.fractions) {
          if (fraction < 1 && !versions.has(key)) {
            const [model = '', version = ''] = key.split('\u0000');
            versions.set(key, { model, version });
          }
        }
        const endMs = Math.floor(now() / MINUTE_MS) * MINUTE_MS;
        const changes = await store.recompute(
          [...versions.values()],
          endMs - settings.rateWindowMinutes * MINUTE_MS,
          endMs,
          now(),
          (rate) =>
            rawSampleFraction(
              rate.ratePerSecond,
              settings.keepAllBelowPerSecond,
              settings.minSampleFraction,
            ),
        );
        this.recomputedAtMs = this.clockMs();
        this.seen.clear();
        for (const change of changes ?? []) {
          logger?.info(change, 'raw sample fraction changed');
          onChange?.(change.model, change.version, change.fraction);
        }
      }
      this.fractions = await store.current();
      this.loadedAtMs = this.clockMs();
    } catch (error) {
      logger?.warn({ err: error }, 'raw sample fractions not refreshed; keeping the last ones');
      // Try again at the next batch, not at every record of this one.
      this.loadedAtMs = this.clockMs();
    }
  }
}

function constantDecision(fraction: number): SampleDecision {
  return {
    fractionOf: () => fraction,
    keeps:
      fraction >= 1
        ? () => true
        : (model, _version, requestId) => inRawSample(model, requestId, fraction),
    sampling: fraction < 1,
  };
}
