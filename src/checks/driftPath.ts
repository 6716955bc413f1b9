/**
 * Which path a drift check takes, from the window's counts. Pure, so the
 * rule is stated and tested in one place (test/unit/checks/driftPath.test.ts).
 *
 * - `summaries`: the minute summaries built at ingest, merged (cost grows
 *   with the window's minutes, not its rows). Taken when the window holds
 *   more summarised rows than `exactLimit`, or when its raw rows are fewer
 *   than its summarised rows — the raw rows are then a sample, and only the
 *   summaries saw every record.
 * - `exact`: the raw rows, when every summarised record is retained and the
 *   window is within `exactLimit`.
 * - `approximate`: per-hour summaries computed from the raw rows — only for
 *   raw rows that have no minute summaries (ingested before sql/005), beyond
 *   `exactLimit`. Such rows show as more raw rows than summarised ones.
 */
export type DriftPathChoice = 'exact' | 'summaries' | 'approximate';

export interface DriftPathCounts {
  /** Σ rows of the window's minute summaries. */
  summaryRows: number;
  /**
   * Raw rows stored over the same minutes; null when not counted (they are
   * counted only when {@link needsRawCount} says so).
   */
  rawRows: number | null;
  exactLimit: number;
}

/**
 * Whether the raw rows must be counted to decide: only when the summaries
 * are within the exact limit (the count is then cheap, or the data predates
 * the summaries and the old count was paid anyway).
 */
export function needsRawCount(summaryRows: number, exactLimit: number): boolean {
  return summaryRows <= exactLimit;
}

export function chooseDriftPath(counts: DriftPathCounts): DriftPathChoice {
  const { summaryRows, rawRows, exactLimit } = counts;
  if (!needsRawCount(summaryRows, exactLimit) || rawRows === null) return 'summaries';
  if (rawRows < summaryRows) return 'summaries';
  if (rawRows === summaryRows) return 'exact';
  // More raw rows than summarised ones: rows from before minute summaries existed.
  return rawRows <= exactLimit ? 'exact' : 'approximate';
}
