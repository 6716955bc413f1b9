/**
 * Minute summaries built at ingest: types.ts says what one holds and what
 * merging keeps exact; builder.ts builds them from stored rows; merge.ts
 * merges partials; evaluate.ts decides drift from a merged window; codec.ts writes and reads their JSON form; report.ts
 * turns a merged summary into the read path's answer.
 */
export {
  DEFAULT_MAX_CATEGORIES,
  MINUTE_MS,
  MINUTE_SUMMARY_FORMAT,
  MinuteSummaryError,
  OTHER_CATEGORY,
  type CategoricalMinute,
  type KeyedMinuteSummary,
  type MinuteSummary,
  type NumericMinute,
} from './types.js';
export {
  buildMinuteSummaries,
  minuteOf,
  type MinuteSummaryLayout,
  type MinuteSummaryOptions,
  type MinuteSummaryRow,
} from './builder.js';
export {
  compactMinutePartials,
  mergeAllMinuteSummaries,
  mergeMinuteSummaries,
  mergeMinuteWindow,
  type MergedMinuteWindow,
  type MinutePartial,
} from './merge.js';
export {
  evaluateDriftFromMinuteSummary,
  minuteDistributions,
  SKETCH_BOUND_CONFIDENCE,
  type EvaluateDriftFromMinuteSummaryInput,
  type MinuteDriftEvaluation,
} from './evaluate.js';
export { decodeMinuteSummary, encodeMinuteSummary, type MinuteSummaryJson } from './codec.js';
export { minuteSummaryReport, REPORT_QUANTILES, type MinuteSummaryReport } from './report.js';
