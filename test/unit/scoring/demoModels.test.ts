import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionCache, assembleInputs, featureRowsByName } from '../../../src/scoring/index.js';
import { modelManifestSchema, modelVersionDefinitionSchema } from '../../../src/registry/schema.js';
import {
  DEMO_MODEL,
  REPOSITORY_MODELS_DIR,
  writeDemoModels,
  type DemoBuild,
} from '../../../scripts/buildModels.js';
import {
  DEMO_FEATURES,
  NOMINAL_SD,
  UNSEEN_PAYMENT_METHOD,
  demoFeatures,
  demoRows,
  featureMatrix,
} from '../../../scripts/demoData.js';
import { decodeModel } from '../../../scripts/onnx/onnxProto.js';
import { predictLogistic } from '../../../scripts/trainLogistic.js';
import { predictBoostedTrees } from '../../../scripts/trainTrees.js';

/** Every file under `dir`, as paths relative to it, sorted. */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const decodeText = (bytes: Uint8Array | undefined): string => new TextDecoder().decode(bytes);

let build: DemoBuild;
/** Where `build` was written; the determinism test builds again elsewhere and compares. */
let firstDir: string;
const tempDirs: string[] = [];

beforeAll(async () => {
  firstDir = await mkdtemp(path.join(tmpdir(), 'driftwatch-models-a-'));
  tempDirs.push(firstDir);
  build = await writeDemoModels(firstDir);
});

afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('demo model build', () => {
  it('writes the same bytes when run twice', async () => {
    const first = firstDir;
    const second = await mkdtemp(path.join(tmpdir(), 'driftwatch-models-b-'));
    tempDirs.push(second);
    await writeDemoModels(second);
    const files = await listFiles(first);
    expect(files).toEqual([...build.files.keys()].sort());
    expect(await listFiles(second)).toEqual(files);
    for (const file of files) {
      const a = await readFile(path.join(first, file));
      const b = await readFile(path.join(second, file));
      expect(a.equals(b), `${file} differs between two builds`).toBe(true);
    }
  });

  it('is committed under models/, up to date', async () => {
    const committed = await listFiles(path.join(REPOSITORY_MODELS_DIR, DEMO_MODEL)).catch(() => []);
    expect(
      committed.map((file) => `${DEMO_MODEL}/${file}`),
      'models/demo-churn does not hold the built files: run npm run models:build',
    ).toEqual([...build.files.keys()].sort());
    for (const [file, bytes] of build.files) {
      const onDisk = await readFile(path.join(REPOSITORY_MODELS_DIR, file));
      expect(onDisk.equals(bytes), `models/${file} is stale: run npm run models:build`).toBe(true);
    }
  });

  it('writes manifests that pass the manifest schema and name their file by its sha256', () => {
    for (const version of ['1', '2']) {
      const text = decodeText(build.files.get(`${DEMO_MODEL}/${version}/model.json`));
      const manifest = modelManifestSchema.parse(JSON.parse(text));
      expect(manifest).toMatchObject({
        model: DEMO_MODEL,
        version,
        task: 'binary_classification',
        threshold: 0.5,
      });
      // What registerManifests hands to register() must pass the definition schema too.
      const definition = modelVersionDefinitionSchema.safeParse({
        task: manifest.task,
        features: manifest.features,
        threshold: manifest.threshold,
        onnx: manifest.onnx,
      });
      expect(definition.success, JSON.stringify(definition.error?.issues)).toBe(true);
      const onnx = manifest.onnx!;
      expect(onnx.path).toBe(`${DEMO_MODEL}/${version}/model.onnx`);
      const bytes = build.files.get(onnx.path);
      expect(bytes).toBeDefined();
      expect(onnx.sha256).toBe(sha256(bytes!));
      expect(onnx.outputName).toBe('probabilities');
      expect(onnx.scoreColumn).toBe(1);
      expect(onnx.inputs?.map((input) => input.name)).toEqual(['features']);
    }
  });

  it('writes ONNX models with fixed producer fields and the opsets they use', () => {
    const v1 = decodeModel(build.files.get(`${DEMO_MODEL}/1/model.onnx`)!);
    const v2 = decodeModel(build.files.get(`${DEMO_MODEL}/2/model.onnx`)!);
    for (const decoded of [v1, v2]) {
      expect(decoded).toMatchObject({
        ir_version: 8,
        producer_name: 'driftwatch-models-build',
        producer_version: '1',
      });
    }
    expect(v1.opset_import).toEqual([{ domain: '', version: 17 }]);
    expect(v2.opset_import).toEqual([
      { domain: '', version: 17 },
      { domain: 'ai.onnx.ml', version: 3 },
    ]);
  });

  it('writes reference rows with every feature, the version 1 score and the outcome', () => {
    const lines = decodeText(build.files.get(`${DEMO_MODEL}/reference.csv`))
      .trimEnd()
      .split('\n');
    expect(lines[0]).toBe(
      'tenure_months,monthly_charges,support_calls,total_charges,contract,payment_method,score,label',
    );
    expect(lines.length - 1).toBe(5_000);
    for (const line of lines.slice(1, 50)) {
      const cells = line.split(',');
      expect(cells).toHaveLength(8);
      expect(Number(cells[6])).toBeGreaterThan(0);
      expect(Number(cells[6])).toBeLessThan(1);
      expect(['0', '1']).toContain(cells[7]);
    }
  });

  it('trains models that rank churners first on held-out rows', () => {
    expect(build.heldOutAuc.v1).toBeGreaterThan(0.78);
    expect(build.heldOutAuc.v2).toBeGreaterThan(0.78);
  });
});

describe('demo models in onnxruntime', () => {
  const scorers = {
    '1': (matrix: Float32Array) => predictLogistic(build.logistic, matrix),
    '2': (matrix: Float32Array) => predictBoostedTrees(build.trees, matrix),
  } as const;

  for (const version of ['1', '2'] as const) {
    it(`scores version ${version} as the TypeScript model does, within float32 tolerance`, async () => {
      const manifest = modelManifestSchema.parse(
        JSON.parse(decodeText(build.files.get(`${DEMO_MODEL}/${version}/model.json`))),
      );
      const input = manifest.onnx!.inputs![0]!;
      const rows = build.heldOut;
      const matrix = featureMatrix(rows, input.columns);
      const width = matrix.length / rows.length;
      const session = await ort.InferenceSession.create(build.files.get(manifest.onnx!.path)!);
      try {
        const outputs = await session.run({
          [input.name]: new ort.Tensor('float32', matrix, [rows.length, width]),
        });
        const probabilities = outputs[manifest.onnx!.outputName!];
        expect(probabilities?.dims).toEqual([rows.length, 2]);
        const data = probabilities!.data as Float32Array;
        const expected = scorers[version](matrix);
        let maxDiff = 0;
        for (let i = 0; i < rows.length; i += 1) {
          maxDiff = Math.max(
            maxDiff,
            Math.abs(data[2 * i + 1]! - expected[i]!),
            Math.abs(data[2 * i]! - (1 - expected[i]!)),
          );
        }
        expect(maxDiff).toBeLessThanOrEqual(1e-5);
      } finally {
        await session.release();
      }
    });
  }
});

describe('demo models through the scoring service', () => {
  it('score logged features as the TypeScript models do, per their manifests', async () => {
    // Traffic with an unseen payment method: version 1 (one-hot, unknownCategory
    // zeros) scores every row, version 2 (category index) leaves those rows out.
    const rows = demoRows(2_000, 99, { unseenPaymentShare: 0.1 });
    const byName = Object.fromEntries(
      DEMO_FEATURES.map((feature) => [
        feature.name,
        rows.map((row) => demoFeatures(row)[feature.name]!),
      ]),
    );
    const featureRows = featureRowsByName(DEMO_FEATURES, byName, rows.length);
    const unseen = rows.filter((row) => row.payment_method === UNSEEN_PAYMENT_METHOD).length;
    expect(unseen).toBeGreaterThan(0);
    const cache = new SessionCache({
      modelsDir: REPOSITORY_MODELS_DIR,
      intraOpThreads: 1,
      logger: pino({ level: 'silent' }),
    });
    try {
      for (const version of ['1', '2'] as const) {
        const manifest = modelManifestSchema.parse(
          JSON.parse(decodeText(build.files.get(`${DEMO_MODEL}/${version}/model.json`))),
        );
        const loaded = await cache.get(DEMO_MODEL, version, manifest.onnx!);
        const inputs = assembleInputs(loaded.planInputs(manifest.features), featureRows);
        expect(inputs.unscorable.length).toBe(version === '1' ? 0 : unseen);
        const scores = await loaded.score(inputs);
        const scorable = Array.from(inputs.rowIndex, (i) => rows[i]!);
        const expected =
          version === '1'
            ? predictLogistic(
                build.logistic,
                featureMatrix(scorable, manifest.onnx!.inputs![0]!.columns),
              )
            : predictBoostedTrees(
                build.trees,
                featureMatrix(scorable, manifest.onnx!.inputs![0]!.columns),
              );
        expect(scores.length).toBe(scorable.length);
        let maxDiff = 0;
        for (let i = 0; i < scores.length; i += 1) {
          maxDiff = Math.max(maxDiff, Math.abs(scores[i]! - expected[i]!));
        }
        expect(maxDiff, `version ${version}`).toBeLessThanOrEqual(1e-5);
      }
    } finally {
      await cache.close();
    }
  });
});

describe('demoRows', () => {
  it('gives equal rows for equal seeds and a churn rate near 25 %', () => {
    const rows = demoRows(4_000, 7);
    expect(demoRows(4_000, 7)).toEqual(rows);
    const churnRate = rows.reduce((sum, row) => sum + row.churned, 0) / rows.length;
    expect(churnRate).toBeGreaterThan(0.21);
    expect(churnRate).toBeLessThan(0.29);
  });

  it('shifts the mean of the named feature only, by the requested SDs', () => {
    const base = demoRows(4_000, 11);
    const shifted = demoRows(4_000, 11, { feature: 'monthly_charges', sigma: 1 });
    const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
    const moved =
      mean(shifted.map((row) => row.monthly_charges)) -
      mean(base.map((row) => row.monthly_charges));
    expect(moved / NOMINAL_SD.monthly_charges).toBeCloseTo(1, 2);
    expect(shifted.map((row) => row.tenure_months)).toEqual(base.map((row) => row.tenure_months));
    expect(shifted.map((row) => row.contract)).toEqual(base.map((row) => row.contract));
  });

  it('introduces the unseen payment method in the requested share of rows', () => {
    const rows = demoRows(4_000, 13, { unseenPaymentShare: 0.2 });
    const share =
      rows.filter((row) => row.payment_method === UNSEEN_PAYMENT_METHOD).length / rows.length;
    expect(share).toBeGreaterThan(0.17);
    expect(share).toBeLessThan(0.23);
    expect(demoRows(100, 13).some((row) => row.payment_method === UNSEEN_PAYMENT_METHOD)).toBe(
      false,
    );
  });
});
