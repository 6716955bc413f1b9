/**
 * Scoring: rebuilding model inputs from logged features, ONNX sessions,
 * serving parity and shadow comparison. The only room of driftwatch that
 * imports onnxruntime-node (in sessionCache.ts and scoringSession.ts);
 * everything else here is pure.
 */
export {
  planInputs,
  InputSpecError,
  type InputPlan,
  type InputTensorPlan,
  type PlanOptions,
} from './inputPlan.js';
export {
  assembleInputs,
  prepareRows,
  featureRowsByName,
  selectRows,
  type AssembledInputs,
  type AssembledTensor,
  type ColumnarFeatureRows,
  type FeatureRows,
  type GetterFeatureRows,
  type PreparedRows,
  type UnscorableKind,
  type UnscorableRow,
} from './inputAssembler.js';
export {
  SessionCache,
  DEFAULT_SCORE_BATCH_SIZE,
  type SessionCacheOptions,
} from './sessionCache.js';
export type { LoadedModel, ScoreOptions } from './scoringSession.js';
export { ModelLoadError, ModelRunError, type ModelLoadFailure } from './modelErrors.js';
export {
  checkGraphContract,
  checkInputFeed,
  type GraphContract,
  type GraphContractProblem,
  type GraphContractReason,
  type GraphSignature,
  type GraphValue,
  type InputFeed,
  type ManifestGraphSpec,
} from './graphContract.js';
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
export { profileRows, seededSample } from './skewSample.js';
export {
  attributeSkew,
  recogniseFactor,
  type AttributionInput,
  type FeatureProfile,
  type HypothesisKind,
  type SkewAttribution,
} from './skewAttribution.js';
export { compareChampionChallenger, type ShadowComparison, type ShadowInput } from './shadow.js';
