/**
 * What a drift run saw of the current window, per feature, in a form every
 * evaluation path can give: the exact path from the raw values, the summary
 * paths from histograms or quantile sketches. The run page draws the
 * reference and current distributions from it (see distribution snapshots),
 * so a picture never needs the window's rows again.
 */

export interface CurrentDistributions {
  /**
   * The current values' CDF of a numeric feature (or of the score, under the
   * name `SCORE_FEATURE`): the fraction of the window's non-missing values
   * at most `x` — exact on the exact path, within the path's stated rank
   * bound on the summary paths. Null when the window has no value of it.
   */
  numericCdf(name: string): ((x: number) => number) | null;
  /** Category → count over the window's non-missing values; null when none. */
  categoryCounts(name: string): ReadonlyMap<string, number> | null;
}
