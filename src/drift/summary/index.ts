/**
 * Window summaries: a window's values in a mergeable form whose size does not
 * grow with the window, for drift checks over more rows than the exact path
 * reads. types.ts says what a summary holds; grid.ts derives its numeric bins
 * from the reference; builder.ts builds and merges summaries; codec.ts writes
 * and reads their JSON form; evaluate.ts turns one into a drift report.
 */
export {
  WINDOW_SUMMARY_VERSION,
  WindowSummaryError,
  type CategoricalSummary,
  type FeatureSummary,
  type NumericSummary,
  type WindowSummary,
  type WindowSummaryErrorReason,
} from './types.js';
export { summaryGrid, DEFAULT_SUMMARY_BINS, type SummaryGrid } from './grid.js';
export { WindowSummaryBuilder, mergeWindowSummaries } from './builder.js';
export { encodeWindowSummary, decodeWindowSummary } from './codec.js';
export { evaluateDriftFromSummary, type EvaluateDriftFromSummaryInput } from './evaluate.js';
