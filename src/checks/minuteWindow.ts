/**
 * The minute summaries of a drift window: counted (for the path choice) and
 * loaded, decoded and merged (for the `summaries` path). A window covers the
 * minutes whose start lies in [startMs, endMs): with a window ending now, the
 * current minute's partials so far, and none of a minute that began before
 * the window's start.
 */
import {
  decodeMinuteSummary,
  MINUTE_MS,
  mergeAllMinuteSummaries,
  mergeMinuteWindow,
  type MergedMinuteWindow,
  type MinuteSummary,
} from '../drift/minute/index.js';
import type { MinuteSummaryStore, MinuteWindowCount } from '../storage/minuteSummaryStore.js';

/** Which minutes a `summaries` run covered (reported in the run's summary). */
export interface MinuteCoverage {
  /** Start of the first minute covered (ISO 8601). */
  from: string;
  /** End of the last minute covered, exclusive (ISO 8601). */
  to: string;
  /** Minutes in [from, to). */
  minutes: number;
  /** Minutes of them holding any summarised row. */
  minutesWithRows: number;
  /** Stored rows merged (one per minute once compacted). */
  partials: number;
}

/** The minute-aligned span of the minutes starting in [startMs, endMs). */
export function coveredMinutes(startMs: number, endMs: number): { fromMs: number; toMs: number } {
  const fromMs = Math.ceil(startMs / MINUTE_MS) * MINUTE_MS;
  const toMs = Math.max(fromMs, Math.ceil(endMs / MINUTE_MS) * MINUTE_MS);
  return { fromMs, toMs };
}

/**
 * Minutes read per query. The stored JSON of one minute is ~100 KB for 20
 * numeric and 5 categorical features, several times that once parsed: a
 * day of uncompacted partials read at once took gigabytes. Chunks bound the
 * memory to one chunk's partials plus the running merge.
 */
export const MINUTES_PER_READ = 120;

export class MinuteWindows {
  constructor(private readonly store: MinuteSummaryStore) {}

  count(
    model: string,
    version: string,
    startMs: number,
    endMs: number,
  ): Promise<MinuteWindowCount> {
    const { fromMs, toMs } = coveredMinutes(startMs, endMs);
    return this.store.countWindow(model, version, fromMs, toMs);
  }

  /** The window's partials merged (drift/minute/merge.ts), and what they covered. */
  async merged(
    model: string,
    version: string,
    startMs: number,
    endMs: number,
  ): Promise<MergedMinuteWindow & { coverage: MinuteCoverage }> {
    const { fromMs, toMs } = coveredMinutes(startMs, endMs);
    let summary: MinuteSummary | null = null;
    const minutes: MergedMinuteWindow['minutes'] = [];
    let partials = 0;
    // Bounded: (toMs − fromMs) / (MINUTES_PER_READ minutes) reads.
    for (let chunkMs = fromMs; chunkMs < toMs; chunkMs += MINUTES_PER_READ * MINUTE_MS) {
      const stored = await this.store.load(
        model,
        version,
        chunkMs,
        Math.min(toMs, chunkMs + MINUTES_PER_READ * MINUTE_MS),
      );
      // Each minute's partials merged first, as compaction merges them; then
      // the chunks in order (drift/minute/merge.ts).
      const chunk = mergeMinuteWindow(
        stored.map((entry) => ({
          minuteMs: entry.minuteMs,
          summary: decodeMinuteSummary(entry.summary),
        })),
      );
      if (chunk.summary !== null) {
        summary =
          summary === null ? chunk.summary : mergeAllMinuteSummaries([summary, chunk.summary]);
      }
      minutes.push(...chunk.minutes);
      partials += chunk.partials;
    }
    const merged: MergedMinuteWindow = { summary, minutes, partials };
    return {
      ...merged,
      coverage: {
        from: new Date(fromMs).toISOString(),
        to: new Date(toMs).toISOString(),
        minutes: (toMs - fromMs) / MINUTE_MS,
        minutesWithRows: merged.minutes.length,
        partials: merged.partials,
      },
    };
  }
}
