/**
 * What a parity, shadow or performance run says about the raw rows it read:
 * above `storage.raw.keepAllBelowPerSecond` a window holds a hash sample of
 * its records (docs/scaling.md, "Raw sample"), and the run summary carries
 * `sampleFraction` — the smallest fraction in force during the window — plus
 * `sampleFractionMax` when the fraction changed within it. A window whose rows
 * were all kept adds nothing.
 */
import type { RawSamplingStore } from '../storage/rawSamplingStore.js';
import type { CheckWindow } from './checkRunner.js';

export interface RawSampleLookup {
  fractionsDuring(
    model: string,
    version: string,
    fromMs: number,
    toMs: number,
  ): Promise<{ min: number; max: number } | null>;
}

/** The store's history, or the configured fixed fraction (tests, benchmarks). */
export function rawSampleLookup(
  store: RawSamplingStore,
  fixedFraction: number | undefined,
): RawSampleLookup {
  if (fixedFraction === undefined) return store;
  return { fractionsDuring: () => Promise.resolve({ min: fixedFraction, max: fixedFraction }) };
}

export interface RawSampleNote {
  sampleFraction?: number;
  sampleFractionMax?: number;
}

export async function rawSampleNote(
  lookup: RawSampleLookup | undefined,
  version: { model: string; version: string },
  window: CheckWindow,
): Promise<RawSampleNote> {
  if (!lookup) return {};
  const during = await lookup.fractionsDuring(
    version.model,
    version.version,
    window.startMs,
    window.endMs,
  );
  if (!during || during.min >= 1) return {};
  return during.max === during.min
    ? { sampleFraction: during.min }
    : { sampleFraction: during.min, sampleFractionMax: during.max };
}
