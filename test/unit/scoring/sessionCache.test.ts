import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FeatureSpec, OnnxArtifact } from '../../../src/core/model.js';
import {
  assembleInputs,
  InputSpecError,
  prepareRows,
  ModelLoadError,
  SessionCache,
  type SessionCacheOptions,
} from '../../../src/scoring/index.js';
import { logistic, logisticModel, stringInputModel } from './onnxFixtures.js';

const logger = pino({ level: 'silent' });
const WEIGHTS = [0.5, -1.25, 2];
const FEATURES: FeatureSpec[] = [
  { name: 'a', type: 'numeric' },
  { name: 'b', type: 'numeric' },
  { name: 'c', type: 'numeric' },
];

let modelsDir: string;
let caches: SessionCache[];

beforeEach(async () => {
  modelsDir = await mkdtemp(path.join(tmpdir(), 'driftwatch-sessions-'));
  await mkdir(path.join(modelsDir, 'churn', 'v1'), { recursive: true });
  caches = [];
});

afterEach(async () => {
  await Promise.all(caches.map((cache) => cache.close()));
  await rm(modelsDir, { recursive: true, force: true });
});

function newCache(options: Partial<SessionCacheOptions> = {}): SessionCache {
  const cache = new SessionCache({ modelsDir, intraOpThreads: 1, logger, ...options });
  caches.push(cache);
  return cache;
}

async function writeModel(relative: string, bytes: Uint8Array): Promise<string> {
  const file = path.join(modelsDir, relative);
  await writeFile(file, bytes);
  return createHash('sha256').update(bytes).digest('hex');
}

function rows(values: number[][]) {
  return {
    rowCount: values.length,
    columns: FEATURES.map((_, f) => values.map((row) => row[f]!)),
  };
}

async function expectLoadError(promise: Promise<unknown>, reason: string): Promise<ModelLoadError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelLoadError);
  expect((error as ModelLoadError).reason).toBe(reason);
  expect((error as ModelLoadError).code).toBe('conflict');
  return error as ModelLoadError;
}

describe('SessionCache', () => {
  it('loads lazily on the first get, not at construction', async () => {
    const cache = newCache();
    // No file yet: constructing the cache must not touch it.
    const sha256 = await writeModel('churn/v1/model.onnx', logisticModel({ weights: WEIGHTS }));
    const loaded = await cache.get('churn', 'v1', { path: 'churn/v1/model.onnx', sha256 });
    expect(loaded.sha256).toBe(sha256);
    expect(loaded.inputNames).toEqual(['x']);
    expect(loaded.defaultInputName).toBe('x');
    expect(loaded.outputName).toBe('p');
  });

  it('scores assembled rows like the float64 reference, to float32 precision', async () => {
    const cache = newCache();
    await writeModel('churn/v1/model.onnx', logisticModel({ weights: WEIGHTS, bias: 0.25 }));
    const artifact: OnnxArtifact = { path: 'churn/v1/model.onnx' };
    const loaded = await cache.get('churn', 'v1', artifact);
    const data = [
      [1, 2, 3],
      [0, 0, 0],
      [-1, 0.5, 0.25],
    ];
    const scores = await loaded.score(assembleInputs(loaded.planInputs(FEATURES), rows(data)));
    data.forEach((row, i) =>
      expect(Math.abs(scores[i]! - logistic(WEIGHTS, 0.25, row))).toBeLessThan(1e-6),
    );
  });

  it('returns the cached session while the file is unchanged', async () => {
    const cache = newCache();
    await writeModel('churn/v1/model.onnx', logisticModel({ weights: WEIGHTS }));
    const artifact = { path: 'churn/v1/model.onnx' };
    const [first, concurrent] = await Promise.all([
      cache.get('churn', 'v1', artifact),
      cache.get('churn', 'v1', artifact),
    ]);
    expect(concurrent).toBe(first);
    expect(await cache.get('churn', 'v1', artifact)).toBe(first);
    // Another version of the same file is its own session.
    expect(await cache.get('churn', 'v2', artifact)).not.toBe(first);
  });

  it('reloads when the file changes', async () => {
    const cache = newCache();
    const file = 'churn/v1/model.onnx';
    await writeModel(file, logisticModel({ weights: WEIGHTS }));
    const artifact = { path: file };
    const first = await cache.get('churn', 'v1', artifact);
    const input = assembleInputs(first.planInputs(FEATURES), rows([[1, 1, 1]]));
    const before = await first.score(input);

    const changed = [1, 1, 1];
    await writeModel(file, logisticModel({ weights: changed }));
    // Same size, so make the mtime differ for certain rather than rely on clock resolution.
    const later = new Date(Date.now() + 60_000);
    await utimes(path.join(modelsDir, file), later, later);
    const second = await cache.get('churn', 'v1', artifact);
    expect(second).not.toBe(first);
    const after = await second.score(input);
    expect(after[0]).not.toBeCloseTo(before[0]!, 6);
    expect(after[0]).toBeCloseTo(logistic(changed, 0, [1, 1, 1]), 6);
    // The replaced session was released once idle.
    await expectLoadError(first.score(input), 'closed');
  });

  it('reloads when the version is re-registered with another artifact', async () => {
    const cache = newCache();
    const sha256 = await writeModel('churn/v1/model.onnx', logisticModel({ weights: WEIGHTS }));
    const first = await cache.get('churn', 'v1', { path: 'churn/v1/model.onnx' });
    const second = await cache.get('churn', 'v1', { path: 'churn/v1/model.onnx', sha256 });
    expect(second).not.toBe(first);
  });

  it('refuses a file whose sha256 is not the registered one, naming both hashes', async () => {
    const cache = newCache();
    const actual = await writeModel('churn/v1/model.onnx', logisticModel({ weights: WEIGHTS }));
    const registered = 'ab'.repeat(32);
    const error = await expectLoadError(
      cache.get('churn', 'v1', { path: 'churn/v1/model.onnx', sha256: registered }),
      'sha256_mismatch',
    );
    expect(error.message).toContain(actual);
    expect(error.message).toContain(registered);
    expect(error.message).toContain('churn');
    expect(error.details).toMatchObject({ expected: registered, actual });
  });

  it('reports a missing file, and loads it once it is deployed', async () => {
    const cache = newCache();
    const artifact = { path: 'churn/v1/model.onnx' };
    const error = await expectLoadError(cache.get('churn', 'v1', artifact), 'missing_file');
    expect(error.message).toContain(path.join(modelsDir, 'churn/v1/model.onnx'));
    await writeModel('churn/v1/model.onnx', logisticModel({ weights: WEIGHTS }));
    await expect(cache.get('churn', 'v1', artifact)).resolves.toBeDefined();
  });

  it('reports a file that is deleted after it was loaded', async () => {
    const cache = newCache();
    await writeModel('churn/v1/model.onnx', logisticModel({ weights: WEIGHTS }));
    const artifact = { path: 'churn/v1/model.onnx' };
    await cache.get('churn', 'v1', artifact);
    await rm(path.join(modelsDir, 'churn/v1/model.onnx'));
    await expectLoadError(cache.get('churn', 'v1', artifact), 'missing_file');
  });

  it.each(['../outside.onnx', 'churn/../../outside.onnx', '/etc/hosts', '.'])(
    'refuses the path %s that escapes the models directory',
    async (artifactPath) => {
      const cache = newCache();
      await expectLoadError(
        cache.get('churn', 'v1', { path: artifactPath }),
        'path_outside_models_dir',
      );
    },
  );

  it('reports a file that is not an ONNX graph', async () => {
    const cache = newCache();
    await writeModel('churn/v1/model.onnx', new TextEncoder().encode('not a model'));
    await expectLoadError(
      cache.get('churn', 'v1', { path: 'churn/v1/model.onnx' }),
      'invalid_graph',
    );
  });

  it('names the graph outputs when outputName is not one of them', async () => {
    const cache = newCache();
    await writeModel('churn/v1/model.onnx', logisticModel({ weights: WEIGHTS }));
    const error = await expectLoadError(
      cache.get('churn', 'v1', { path: 'churn/v1/model.onnx', outputName: 'score' }),
      'unknown_output',
    );
    expect(error.message).toContain('"score"');
    expect(error.message).toContain('"p"');
  });

  it('names the graph inputs when an input is not one of them', async () => {
    const cache = newCache();
    await writeModel('churn/v1/model.onnx', logisticModel({ weights: WEIGHTS }));
    const error = await expectLoadError(
      cache.get('churn', 'v1', { path: 'churn/v1/model.onnx', inputName: 'features' }),
      'unknown_input',
    );
    expect(error.message).toContain('"x"');
  });

  it('rejects a manifest that builds more columns than the graph takes', async () => {
    const cache = newCache();
    await writeModel('churn/v1/model.onnx', logisticModel({ weights: WEIGHTS }));
    const loaded = await cache.get('churn', 'v1', { path: 'churn/v1/model.onnx' });
    const four: FeatureSpec[] = [...FEATURES, { name: 'd', type: 'numeric' }];
    expect(() => loaded.planInputs(four)).toThrow(
      /builds 4 column\(s\) for input "x" but the graph takes 3/,
    );
    const categorical: FeatureSpec[] = [
      ...FEATURES.slice(0, 2),
      { name: 'c', type: 'categorical' },
    ];
    expect(() => loaded.planInputs(categorical)).toThrow(InputSpecError);
  });

  it('skips an int64 label output and reads column 1 of [N, 2] probabilities by default', async () => {
    const cache = newCache();
    await writeModel(
      'churn/v1/model.onnx',
      logisticModel({ weights: WEIGHTS, classifierOutputs: true }),
    );
    const loaded = await cache.get('churn', 'v1', { path: 'churn/v1/model.onnx' });
    expect(loaded.outputNames).toEqual(['label', 'p', 'probabilities']);
    expect(loaded.outputName).toBe('p');

    const probabilities = await cache.get('churn', 'v2', {
      path: 'churn/v1/model.onnx',
      outputName: 'probabilities',
    });
    const negative = await cache.get('churn', 'v3', {
      path: 'churn/v1/model.onnx',
      outputName: 'probabilities',
      scoreColumn: 0,
    });
    const input = assembleInputs(
      loaded.planInputs(FEATURES),
      rows([
        [1, 2, 3],
        [3, 2, 1],
      ]),
    );
    const p = await loaded.score(input);
    const positive = await probabilities.score(input);
    const complement = await negative.score(input);
    expect(Array.from(positive)).toEqual(Array.from(p));
    complement.forEach((q, i) => expect(q + p[i]!).toBeCloseTo(1, 6));

    await expectLoadError(
      cache.get('churn', 'v4', { path: 'churn/v1/model.onnx', outputName: 'label' }),
      'unsupported_output',
    );
    await expectLoadError(
      cache.get('churn', 'v5', {
        path: 'churn/v1/model.onnx',
        outputName: 'probabilities',
        scoreColumn: 2,
      }),
      'unknown_output',
    );
  });

  it('scores across batch boundaries exactly as in one batch', async () => {
    const cache = newCache({ batchSize: 7 });
    await writeModel('churn/v1/model.onnx', logisticModel({ weights: WEIGHTS, bias: -0.5 }));
    const loaded = await cache.get('churn', 'v1', { path: 'churn/v1/model.onnx' });
    // 23 rows = 3 full batches of 7 and one of 2; row 5 is unscorable and left out.
    const data = Array.from({ length: 23 }, (_, i) => [i / 10, Math.sin(i), (i % 5) - 2]);
    const input = rows(data);
    (input.columns[1] as (number | null)[])[5] = null;
    const assembled = assembleInputs(loaded.planInputs(FEATURES), input);
    expect(assembled.scorableRows).toBe(22);
    const batched = await loaded.score(assembled);
    const single = await loaded.score(assembled, { batchSize: 1_000 });
    const ones = await loaded.score(assembled, { batchSize: 1 });
    expect(Array.from(batched)).toEqual(Array.from(single));
    expect(Array.from(ones)).toEqual(Array.from(single));
    expect(batched[5]).toBeCloseTo(logistic(WEIGHTS, -0.5, data[6]!), 6);
  });

  it('scores prepared rows batch by batch exactly as whole assembled tensors', async () => {
    const cache = newCache({ batchSize: 4 });
    await writeModel('churn/v1/model.onnx', logisticModel({ weights: WEIGHTS, bias: 0.1 }));
    const loaded = await cache.get('churn', 'v1', { path: 'churn/v1/model.onnx' });
    const data = Array.from({ length: 11 }, (_, i) => [i, -i / 3, Math.cos(i)]);
    const input = rows(data);
    (input.columns[2] as (number | null)[])[4] = null;
    const plan = loaded.planInputs(FEATURES);
    const prepared = prepareRows(plan, input);
    expect(Array.from(prepared.rowIndex)).toEqual([0, 1, 2, 3, 5, 6, 7, 8, 9, 10]);
    const fromPrepared = await loaded.score(prepared);
    const fromTensors = await loaded.score(assembleInputs(plan, input), { batchSize: 100 });
    expect(Array.from(fromPrepared)).toEqual(Array.from(fromTensors));
  });

  it('feeds string and float inputs of one graph, in batches', async () => {
    const cache = newCache({ batchSize: 2 });
    await writeModel('churn/v1/model.onnx', stringInputModel({ basic: 0.25, pro: 0.75 }));
    const features: FeatureSpec[] = [
      { name: 'plan', type: 'categorical' },
      { name: 'spend', type: 'numeric' },
    ];
    const artifact: OnnxArtifact = {
      path: 'churn/v1/model.onnx',
      inputs: [
        { name: 'num', type: 'float32', columns: [{ feature: 'spend', encoding: 'numeric' }] },
        { name: 'cat', type: 'string', columns: [{ feature: 'plan', encoding: 'string' }] },
      ],
    };
    const loaded = await cache.get('churn', 'v1', artifact);
    const input = {
      rowCount: 5,
      columns: [
        ['pro', 'basic', 'gold', null, 'pro'],
        [1, 2, 3, 4, 5],
      ],
    };
    const prepared = prepareRows(loaded.planInputs(features), input);
    expect(prepared.unscorable.map((u) => u.reason)).toEqual(['missing_feature:plan']);
    expect(Array.from(await loaded.score(prepared))).toEqual([1.75, 2.25, -97, 5.75]);
    const assembled = assembleInputs(loaded.planInputs(features), input);
    expect(Array.from(await loaded.score(assembled))).toEqual([1.75, 2.25, -97, 5.75]);

    // A manifest feeding the string input as floats is refused at load.
    await expectLoadError(
      cache.get('churn', 'v2', {
        ...artifact,
        inputs: [
          artifact.inputs![0]!,
          { name: 'cat', type: 'float32', columns: [{ feature: 'spend', encoding: 'numeric' }] },
        ],
      }),
      'input_mismatch',
    );
    // So is one that leaves a graph input out.
    await expectLoadError(
      cache.get('churn', 'v3', { ...artifact, inputs: [artifact.inputs![0]!] }),
      'input_mismatch',
    );
  });

  it('scores zero rows without running the graph', async () => {
    const cache = newCache();
    await writeModel('churn/v1/model.onnx', logisticModel({ weights: WEIGHTS }));
    const loaded = await cache.get('churn', 'v1', { path: 'churn/v1/model.onnx' });
    const assembled = assembleInputs(loaded.planInputs(FEATURES), rows([]));
    expect(await loaded.score(assembled)).toEqual(new Float64Array(0));
  });

  it('refuses gets after close', async () => {
    const cache = newCache();
    await writeModel('churn/v1/model.onnx', logisticModel({ weights: WEIGHTS }));
    const loaded = await cache.get('churn', 'v1', { path: 'churn/v1/model.onnx' });
    await cache.close();
    await expectLoadError(cache.get('churn', 'v1', { path: 'churn/v1/model.onnx' }), 'closed');
    const input = assembleInputs(loaded.planInputs(FEATURES), rows([[1, 2, 3]]));
    await expectLoadError(loaded.score(input), 'closed');
  });
});
