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

export interface OnnxArtifact {
  /** Path of the .onnx file, relative to the models directory. */
  path: string;
  /** Hex sha256 of the file, checked when the file is loaded. */
  sha256?: string | undefined;
  inputName?: string | undefined;
  outputName?: string | undefined;
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

/** A feature value as stored: numbers, category strings, or missing. */
export type FeatureValue = number | string | null;
