/**
 * Domain types shared by every layer. This folder imports nothing of ours and
 * nothing from npm, so that pure code (stats, drift) and services agree on
 * shapes without depending on each other.
 */

export type FeatureType = 'numeric' | 'categorical';

export interface FeatureSpec {
  name: string;
  type: FeatureType;
}

export type ModelTask = 'binary_classification' | 'regression';

/**
 * How one feature fills columns of an ONNX input tensor:
 * - `numeric`: the value as is (one column);
 * - `one_hot`: one column per declared category, 1 for the value's category;
 * - `index`: the position of the value in `categories` (one column);
 * - `string`: the text itself, for graphs that take string tensors.
 */
export type InputEncoding = 'numeric' | 'one_hot' | 'index' | 'string';

export interface InputColumnSpec {
  feature: string;
  encoding: InputEncoding;
  /** Declared categories, for `one_hot` and `index`. */
  categories?: string[] | undefined;
}

/** One 2-D input tensor of the graph: [rows, columns], built column by column from features. */
export interface OnnxInputSpec {
  name: string;
  type: 'float32' | 'string';
  columns: InputColumnSpec[];
}

export interface OnnxArtifact {
  /** Path of the .onnx file, relative to the models directory. */
  path: string;
  /** Hex sha256 of the file, checked when the file is loaded: a mismatch is an error, never a silent load. */
  sha256?: string | undefined;
  /** How the logged features become the graph's inputs (default: one float32 input, every feature numeric). */
  inputs?: OnnxInputSpec[] | undefined;
  /** The output holding the score (default: the graph's first output). */
  outputName?: string | undefined;
  /** Column of that output that is the score (default 0 for a 1-column output, 1 for a [N, 2] probability output). */
  scoreColumn?: number | undefined;
  /**
   * A category not declared in `categories`: `unscorable` (default — the row
   * is counted, not scored) or `zeros` (all-zero one-hot, as sklearn's
   * handle_unknown='ignore').
   */
  unknownCategory?: 'unscorable' | 'zeros' | undefined;
  /** @deprecated alias of a single input's name; prefer `inputs`. */
  inputName?: string | undefined;
}

export interface ModelVersion {
  model: string;
  version: string;
  task: ModelTask;
  features: FeatureSpec[];
  /** Decision threshold on the score for classifiers (default 0.5). */
  threshold: number;
  onnx: OnnxArtifact | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A version as registered, with the revision of what ingestion validates against. */
export interface StoredModelVersion extends ModelVersion {
  /**
   * Incremented when the feature schema or task changes (not the threshold or
   * artifact): ingestion checks it in its transaction, so rows are never
   * stored against a schema that changed while they were being validated.
   */
  revision: number;
}

/** A feature value as stored: numbers, category strings, or missing. */
export type FeatureValue = number | string | null;
