/**
 * Scoring: rebuilding model inputs from logged features, ONNX sessions,
 * serving parity and shadow comparison. The only room of driftwatch that
 * imports onnxruntime-node (in sessionCache.ts); everything else here is pure.
 */
export {
  assembleInputs,
  planInputs,
  prepareRows,
  featureRowsByName,
  selectRows,
  InputSpecError,
  type AssembledInputs,
  type AssembledTensor,
  type ColumnarFeatureRows,
  type FeatureRows,
  type GetterFeatureRows,
  type InputPlan,
  type InputTensorPlan,
  type PlanOptions,
  type PreparedRows,
  type UnscorableKind,
  type UnscorableRow,
} from './inputAssembler.js';
export {
  SessionCache,
  ModelLoadError,
  ModelRunError,
  DEFAULT_SCORE_BATCH_SIZE,
  type LoadedModel,
  type ModelLoadFailure,
  type ScoreOptions,
  type SessionCacheOptions,
} from './sessionCache.js';
export {
  compareScores,
  reproductionShare,
  findReproducingVersions,
  percentileSorted,
  DEFAULT_PARITY_TOLERANCE,
  DEFAULT_WORST_ROWS,
  type CandidateScores,
  type CompareScoresInput,
  type ParityComparison,
  type ParityRow,
  type ParityTolerance,
  type Reproduction,
  type VersionReproduction,
} from './parity.js';
export { compareChampionChallenger, type ShadowComparison, type ShadowInput } from './shadow.js';
