/**
 * Builds the demo models and their reference data from fixed seeds
 * (`npm run models:build`):
 *
 *   models/demo-churn/1/model.onnx, model.json   logistic regression (scripts/trainLogistic.ts)
 *   models/demo-churn/2/model.onnx, model.json   boosted trees, the challenger (scripts/trainTrees.ts)
 *   models/demo-churn/reference.csv              the training rows' features + version 1's score + label,
 *                                                named by both manifests as their reference
 *
 * Nothing here reads the clock or Math.random, so a rebuild gives the same
 * bytes; test/unit/scoring/demoModels.test.ts fails when the committed files
 * differ from a fresh build. Usage: `tsx scripts/buildModels.ts [--out <models dir>]`.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { format, resolveConfig } from 'prettier';
import type { InputColumnSpec } from '../src/core/model.js';
import { rocAuc } from '../src/stats/index.js';
import {
  DEMO_FEATURES,
  NUMERIC_FEATURES,
  demoRows,
  featureMatrix,
  type DemoRow,
} from './demoData.js';
import { LOGISTIC_COLUMNS, logisticOnnx, predictLogistic, trainLogistic } from './trainLogistic.js';
import type { LogisticModel } from './trainLogistic.js';
import {
  TREE_COLUMNS,
  boostedTreesOnnx,
  predictBoostedTrees,
  trainBoostedTrees,
} from './trainTrees.js';
import type { BoostedTrees } from './trainTrees.js';

export const DEMO_MODEL = 'demo-churn';
export const TRAINING_SEED = 20_250_501;
export const HELD_OUT_SEED = 20_250_502;
export const TRAINING_ROWS = 5_000;
export const HELD_OUT_ROWS = 5_000;

/** The reference file, relative to the models folder, as the manifests name it. */
const REFERENCE_PATH = `${DEMO_MODEL}/reference.csv`;

/** The committed models folder of this repository. */
export const REPOSITORY_MODELS_DIR = fileURLToPath(new URL('../models', import.meta.url));

export interface DemoBuild {
  /** File contents by path relative to the models folder, in a fixed order. */
  files: Map<string, Uint8Array>;
  logistic: LogisticModel;
  trees: BoostedTrees;
  heldOut: DemoRow[];
  /** ROC AUC of each version on the held-out rows. */
  heldOutAuc: { v1: number; v2: number };
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

function manifest(options: {
  version: string;
  description: string;
  onnxPath: string;
  onnxBytes: Uint8Array;
  columns: InputColumnSpec[];
  unknownCategory?: 'zeros';
}): Record<string, unknown> {
  return {
    model: DEMO_MODEL,
    version: options.version,
    description: options.description,
    task: 'binary_classification',
    threshold: 0.5,
    features: DEMO_FEATURES,
    // The training rows are the reference of every version (docs/models.md),
    // imported at start-up where a version has none.
    reference: REFERENCE_PATH,
    onnx: {
      path: options.onnxPath,
      sha256: sha256(options.onnxBytes),
      inputs: [{ name: 'features', type: 'float32', columns: options.columns }],
      outputName: 'probabilities',
      scoreColumn: 1,
      ...(options.unknownCategory ? { unknownCategory: options.unknownCategory } : {}),
    },
  };
}

/** JSON as Prettier writes it with the repository's settings, so `prettier --check` passes on the output. */
async function prettyJson(value: unknown, file: string): Promise<Uint8Array> {
  const config = (await resolveConfig(path.join(REPOSITORY_MODELS_DIR, file))) ?? {};
  const text = await format(JSON.stringify(value), { ...config, parser: 'json' });
  return new TextEncoder().encode(text);
}

/**
 * RFC 4180 CSV of the reference rows: the features, then `score` and the
 * outcome `label` (churned): with both, the reference calibrates the
 * performance estimate before labels arrive (docs/statistics.md).
 */
function referenceCsv(rows: readonly DemoRow[], scores: Float64Array): Uint8Array {
  const header = [...NUMERIC_FEATURES, 'contract', 'payment_method', 'score', 'label'];
  const lines = [header.join(',')];
  rows.forEach((row, i) => {
    lines.push(
      [
        ...NUMERIC_FEATURES.map((name) => String(row[name])),
        row.contract,
        row.payment_method,
        scores[i]!.toFixed(6),
        String(row.churned),
      ].join(','),
    );
  });
  return new TextEncoder().encode(`${lines.join('\n')}\n`);
}

/** Trains both versions and renders every file, without writing anything. */
export async function buildDemoModels(): Promise<DemoBuild> {
  const training = demoRows(TRAINING_ROWS, TRAINING_SEED);
  const heldOut = demoRows(HELD_OUT_ROWS, HELD_OUT_SEED);
  const seeds = `training seed ${TRAINING_SEED} (${TRAINING_ROWS} rows of scripts/demoData.ts)`;

  const logistic = trainLogistic(training);
  const v1Path = `${DEMO_MODEL}/1/model.onnx`;
  const v1Onnx = logisticOnnx(
    logistic,
    `demo-churn 1: L2 logistic regression (Newton), ${seeds}. Built by npm run models:build.`,
  );
  const trees = trainBoostedTrees(training);
  const v2Path = `${DEMO_MODEL}/2/model.onnx`;
  const v2Onnx = boostedTreesOnnx(
    trees,
    `demo-churn 2: ${trees.trees.length} gradient-boosted trees of depth 3 on the logistic loss, ${seeds}. Built by npm run models:build.`,
  );

  const labels = heldOut.map((row) => row.churned);
  const v1Auc = rocAuc(labels, predictLogistic(logistic, featureMatrix(heldOut, LOGISTIC_COLUMNS)));
  const v2Auc = rocAuc(labels, predictBoostedTrees(trees, featureMatrix(heldOut, TREE_COLUMNS)));
  if (v1Auc === null || v2Auc === null) throw new Error('the held-out rows hold one class only');

  const files = new Map<string, Uint8Array>();
  files.set(v1Path, v1Onnx);
  files.set(
    `${DEMO_MODEL}/1/model.json`,
    await prettyJson(
      manifest({
        version: '1',
        description:
          'Logistic regression on standardised numeric features and one-hot categoricals (scripts/trainLogistic.ts).',
        onnxPath: v1Path,
        onnxBytes: v1Onnx,
        columns: LOGISTIC_COLUMNS,
        unknownCategory: 'zeros',
      }),
      `${DEMO_MODEL}/1/model.json`,
    ),
  );
  files.set(v2Path, v2Onnx);
  files.set(
    `${DEMO_MODEL}/2/model.json`,
    await prettyJson(
      manifest({
        version: '2',
        description:
          'Challenger: gradient-boosted trees on raw numeric features and category indices (scripts/trainTrees.ts).',
        onnxPath: v2Path,
        onnxBytes: v2Onnx,
        columns: TREE_COLUMNS,
      }),
      `${DEMO_MODEL}/2/model.json`,
    ),
  );
  files.set(
    REFERENCE_PATH,
    referenceCsv(training, predictLogistic(logistic, featureMatrix(training, LOGISTIC_COLUMNS))),
  );
  return { files, logistic, trees, heldOut, heldOutAuc: { v1: v1Auc, v2: v2Auc } };
}

/** Builds and writes every file under `modelsDir`. */
export async function writeDemoModels(modelsDir: string): Promise<DemoBuild> {
  const build = await buildDemoModels();
  for (const [file, bytes] of build.files) {
    const target = path.join(modelsDir, file);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, bytes);
  }
  return build;
}

async function main(argv: readonly string[]): Promise<void> {
  const outAt = argv.indexOf('--out');
  const modelsDir = outAt >= 0 ? path.resolve(argv[outAt + 1] ?? '') : REPOSITORY_MODELS_DIR;
  const build = await writeDemoModels(modelsDir);
  for (const [file, bytes] of build.files) {
    console.log(`wrote ${path.join(modelsDir, file)} (${bytes.length} bytes)`);
  }
  console.log(
    `held-out ROC AUC (${HELD_OUT_ROWS} rows, seed ${HELD_OUT_SEED}): ` +
      `version 1 ${build.heldOutAuc.v1.toFixed(4)}, version 2 ${build.heldOutAuc.v2.toFixed(4)}`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
