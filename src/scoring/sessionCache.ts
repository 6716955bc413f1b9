/**
 * ONNX sessions of registered model versions: one `InferenceSession` per
 * (model, version), created on first use, cached, and recreated when the file
 * on disk changes (size, mtime or inode; one `stat` per `get`).
 *
 * Loading is where a deployment goes wrong, so every failure is a
 * {@link ModelLoadError} with a stable `reason` and a message that says what
 * to fix: the file is missing, its sha256 is not the registered one (never a
 * silent load of another model), the graph does not parse, or the manifest
 * names inputs or outputs the graph does not have. The caller (the parity
 * check) turns it into an `error` run with that message; nothing here throws
 * past a `get` or `score` promise.
 *
 * This is the only module of driftwatch that imports onnxruntime-node.
 */
import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import type { Logger } from 'pino';
import { AppError } from '../core/errors.js';
import type { FeatureSpec, OnnxArtifact } from '../core/model.js';
import {
  ATTR_MODEL_NAME,
  ATTR_MODEL_VERSION,
  ATTR_SCORE_BATCH_ROWS,
  ATTR_SCORE_BATCH_START,
  SPAN_SCORE_BATCH,
} from '../telemetry/attributes.js';
import { withSpan } from '../telemetry/tracer.js';
import {
  planInputs,
  type AssembledInputs,
  type InputPlan,
  type PreparedRows,
} from './inputAssembler.js';

type FeedBuilder = (start: number, end: number) => Record<string, Tensor>;

export type ModelLoadFailure =
  | 'path_outside_models_dir'
  | 'missing_file'
  | 'unreadable_file'
  | 'sha256_mismatch'
  | 'invalid_graph'
  | 'unknown_input'
  | 'unknown_output'
  | 'unsupported_output'
  | 'input_mismatch'
  | 'closed';

/**
 * A model version's artifact cannot be used as registered. `reason` is stable
 * for callers and metrics; the message names the model, the file and the fix.
 */
export class ModelLoadError extends AppError {
  readonly reason: ModelLoadFailure;

  constructor(
    reason: ModelLoadFailure,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super('conflict', message, { cause: options.cause, details: { reason, ...options.details } });
    this.reason = reason;
  }
}

/** `session.run` failed on inputs that passed every check (a runtime fault, not configuration). */
export class ModelRunError extends AppError {
  constructor(message: string, cause: unknown) {
    super('internal', message, { cause });
  }
}

export const DEFAULT_SCORE_BATCH_SIZE = 4_096;

export interface SessionCacheOptions {
  /** Folder that artifact paths are relative to; a path resolving outside it is refused. */
  modelsDir: string;
  /** Threads of one operator (onnxruntime `intraOpNumThreads`; 0 lets onnxruntime choose). */
  intraOpThreads: number;
  /** Threads across operators (`interOpNumThreads`); only used when the graph runs in parallel mode. */
  interOpThreads?: number | undefined;
  /** Rows per `session.run` (default {@link DEFAULT_SCORE_BATCH_SIZE}). */
  batchSize?: number | undefined;
  logger: Logger;
}

export interface ScoreOptions {
  /** Rows per `session.run`, overriding the cache's batch size. */
  batchSize?: number | undefined;
}

/** A version's loaded session, ready to score assembled inputs. */
export interface LoadedModel {
  readonly model: string;
  readonly version: string;
  /** Absolute path of the file loaded. */
  readonly path: string;
  /** sha256 of the bytes loaded (hex). */
  readonly sha256: string;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Input that takes every feature when the manifest has no `inputs`: `inputName`, else the graph's first. */
  readonly defaultInputName: string;
  /** Output the score is read from. */
  readonly outputName: string;
  /**
   * Compiles the manifest's input description for these features and checks
   * it against the graph (names, element types, column counts).
   * @throws InputSpecError | ModelLoadError
   */
  planInputs(features: readonly FeatureSpec[]): InputPlan;
  /**
   * Scores the scorable rows in batches; element `i` is the score of
   * scorable row `i` (input row `inputs.rowIndex[i]`). Prefer
   * {@link PreparedRows} (from `prepareRows`) for large windows: each batch is
   * written into one reused buffer instead of whole-window tensors.
   * @throws ModelLoadError when the inputs do not fit the graph, ModelRunError when onnxruntime fails.
   */
  score(inputs: AssembledInputs | PreparedRows, options?: ScoreOptions): Promise<Float64Array>;
}

interface FileIdentity {
  size: number;
  mtimeMs: number;
  ino: number;
}

interface CacheEntry {
  identity: FileIdentity;
  /** The artifact as registered: a re-registration with another hash or names reloads. */
  artifactKey: string;
  loading: Promise<Session>;
}

export class SessionCache {
  private readonly modelsDir: string;
  private readonly options: SessionCacheOptions;
  private readonly batchSize: number;
  private readonly entries = new Map<string, CacheEntry>();
  private closed = false;

  constructor(options: SessionCacheOptions) {
    this.modelsDir = path.resolve(options.modelsDir);
    this.options = options;
    this.batchSize = checkBatchSize(options.batchSize ?? DEFAULT_SCORE_BATCH_SIZE);
    if (!Number.isInteger(options.intraOpThreads) || options.intraOpThreads < 0) {
      throw new RangeError(`intraOpThreads must be an integer >= 0, got ${options.intraOpThreads}`);
    }
    const inter = options.interOpThreads;
    if (inter !== undefined && (!Number.isInteger(inter) || inter < 0)) {
      throw new RangeError(`interOpThreads must be an integer >= 0, got ${inter}`);
    }
  }

  /**
   * The version's session: cached while the file is unchanged, (re)loaded
   * otherwise. Concurrent calls share one load; a failed load is not cached,
   * so the next call tries again (the file may have been fixed).
   * @throws ModelLoadError
   */
  async get(model: string, version: string, artifact: OnnxArtifact): Promise<LoadedModel> {
    const label = `model ${model} version ${version}`;
    if (this.closed) throw new ModelLoadError('closed', `${label}: the session cache is closed`);
    const file = this.resolvePath(label, artifact.path);
    const key = `${model}\u0000${version}`;
    let identity: FileIdentity;
    try {
      identity = identityOf(await stat(file));
    } catch (error) {
      this.evict(key);
      throw fileError(label, artifact.path, file, error);
    }
    if (this.closed) throw new ModelLoadError('closed', `${label}: the session cache is closed`);
    const artifactKey = JSON.stringify(artifact);
    const cached = this.entries.get(key);
    if (cached && cached.artifactKey === artifactKey && sameIdentity(cached.identity, identity)) {
      return cached.loading;
    }
    if (cached) {
      this.options.logger.info(
        { model, version, path: artifact.path },
        'model file or registration changed; reloading',
      );
    }
    this.evict(key);
    const loading = this.load(model, version, artifact, file, label);
    const entry: CacheEntry = { identity, artifactKey, loading };
    this.entries.set(key, entry);
    loading.then(
      (session) => {
        // The file may have changed while it was read: record what was actually loaded.
        entry.identity = session.identity;
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return loading;
  }

  /** Releases every session; later `get` calls fail with reason `closed`. */
  async close(): Promise<void> {
    this.closed = true;
    const loads = [...this.entries.values()].map((entry) => entry.loading);
    this.entries.clear();
    const settled = await Promise.allSettled(loads);
    await Promise.all(
      settled.map((result) =>
        result.status === 'fulfilled' ? result.value.retire() : Promise.resolve(),
      ),
    );
  }

  private resolvePath(label: string, artifactPath: string): string {
    const file = path.resolve(this.modelsDir, artifactPath);
    const relative = path.relative(this.modelsDir, file);
    if (
      path.isAbsolute(artifactPath) ||
      relative === '' ||
      relative === '..' ||
      relative.startsWith(`..${path.sep}`) ||
      path.isAbsolute(relative)
    ) {
      throw new ModelLoadError(
        'path_outside_models_dir',
        `${label}: artifact path "${artifactPath}" is not a file under the models directory ${this.modelsDir}; register a path relative to it`,
        { details: { path: artifactPath, modelsDir: this.modelsDir } },
      );
    }
    return file;
  }

  private evict(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    entry.loading.then(
      (session) => session.retire(),
      () => undefined,
    );
  }

  private async load(
    model: string,
    version: string,
    artifact: OnnxArtifact,
    file: string,
    label: string,
  ): Promise<Session> {
    const started = performance.now();
    let bytes: Buffer;
    let identity: FileIdentity;
    try {
      const handle = await open(file, 'r');
      try {
        identity = identityOf(await handle.stat());
        bytes = await handle.readFile();
      } finally {
        await handle.close();
      }
    } catch (error) {
      throw fileError(label, artifact.path, file, error);
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (artifact.sha256 !== undefined && artifact.sha256.toLowerCase() !== sha256) {
      throw new ModelLoadError(
        'sha256_mismatch',
        `${label}: ${artifact.path} has sha256 ${sha256} but the version is registered with ${artifact.sha256.toLowerCase()}; restore the registered file or re-register the version with the new hash`,
        {
          details: { path: artifact.path, expected: artifact.sha256.toLowerCase(), actual: sha256 },
        },
      );
    }
    let session: InferenceSession;
    try {
      session = await InferenceSession.create(bytes, {
        graphOptimizationLevel: 'all',
        executionMode: 'sequential',
        intraOpNumThreads: this.options.intraOpThreads,
        ...(this.options.interOpThreads === undefined
          ? {}
          : { interOpNumThreads: this.options.interOpThreads }),
      });
    } catch (error) {
      throw new ModelLoadError(
        'invalid_graph',
        `${label}: onnxruntime cannot load ${artifact.path}: ${errorMessage(error)}`,
        { cause: error, details: { path: artifact.path } },
      );
    }
    try {
      const loaded = new Session(model, version, file, sha256, identity, artifact, session, {
        label,
        batchSize: this.batchSize,
        logger: this.options.logger,
      });
      this.options.logger.info(
        {
          model,
          version,
          path: artifact.path,
          sha256,
          bytes: bytes.length,
          loadMs: Math.round(performance.now() - started),
        },
        'model loaded',
      );
      return loaded;
    } catch (error) {
      await session.release().catch(() => undefined);
      throw error;
    }
  }
}

function checkBatchSize(batchSize: number): number {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  }
  return batchSize;
}

function identityOf(stats: { size: number; mtimeMs: number; ino: number }): FileIdentity {
  return { size: stats.size, mtimeMs: stats.mtimeMs, ino: stats.ino };
}

function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino;
}

function fileError(
  label: string,
  artifactPath: string,
  file: string,
  error: unknown,
): ModelLoadError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new ModelLoadError(
      'missing_file',
      `${label}: model file ${file} does not exist; deploy it or fix onnx.path ("${artifactPath}")`,
      { cause: error, details: { path: artifactPath } },
    );
  }
  return new ModelLoadError(
    'unreadable_file',
    `${label}: cannot read model file ${file}: ${errorMessage(error)}`,
    { cause: error, details: { path: artifactPath } },
  );
}

/**
 * The one output fetched. onnxruntime-node ≤ 1.23 keys the results of a run
 * with `fetches` by the session's output names in position order, not by the
 * names fetched (microsoft/onnxruntime#26865, fixed by #26939 after 1.23.2):
 * fetching `probabilities` alone returns it under `label`. Only one output is
 * fetched, so its value is taken whatever its key — right before and after
 * the fix.
 */
function singleOutput(results: InferenceSession.OnnxValueMapType): Tensor | undefined {
  const values = Object.values(results);
  return values.length === 1 ? values[0] : undefined;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function quoteList(names: readonly string[]): string {
  return names.map((n) => `"${n}"`).join(', ');
}

const FLOAT_OUTPUT_TYPES = new Set(['float32', 'float64']);

/** A loaded session. Retired sessions are released once no `score` call uses them. */
class Session implements LoadedModel {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly defaultInputName: string;
  readonly outputName: string;
  private readonly label: string;
  private readonly batchSize: number;
  private readonly logger: Logger;
  private readonly inputMetadata = new Map<string, InferenceSession.ValueMetadata>();
  private readonly outputMetadata: InferenceSession.ValueMetadata | undefined;
  private active = 0;
  private retired = false;
  private released: Promise<void> | undefined;

  constructor(
    readonly model: string,
    readonly version: string,
    readonly path: string,
    readonly sha256: string,
    readonly identity: FileIdentity,
    private readonly artifact: OnnxArtifact,
    private readonly session: InferenceSession,
    context: { label: string; batchSize: number; logger: Logger },
  ) {
    this.label = context.label;
    this.batchSize = context.batchSize;
    this.logger = context.logger;
    this.inputNames = [...session.inputNames];
    this.outputNames = [...session.outputNames];
    session.inputMetadata.forEach((meta) => this.inputMetadata.set(meta.name, meta));

    const firstInput = this.inputNames[0];
    if (firstInput === undefined) {
      throw new ModelLoadError('invalid_graph', `${this.label}: the graph has no inputs`);
    }
    this.defaultInputName = artifact.inputName ?? firstInput;
    const specInputs = artifact.inputs?.map((input) => input.name) ?? [this.defaultInputName];
    const unknownInputs = specInputs.filter((name) => !this.inputMetadata.has(name));
    if (unknownInputs.length > 0) {
      throw new ModelLoadError(
        'unknown_input',
        `${this.label}: the manifest names input ${quoteList(unknownInputs)} but the graph's inputs are ${quoteList(this.inputNames)}`,
        { details: { unknown: unknownInputs, inputs: this.inputNames } },
      );
    }
    const missingInputs = this.inputNames.filter((name) => !specInputs.includes(name));
    if (missingInputs.length > 0) {
      throw new ModelLoadError(
        'input_mismatch',
        `${this.label}: the graph also needs input ${quoteList(missingInputs)}, which the manifest does not describe; list every graph input in onnx.inputs`,
        { details: { missing: missingInputs, inputs: this.inputNames } },
      );
    }
    for (const input of artifact.inputs ?? []) this.checkInputType(input.name, input.type);

    this.outputName = this.resolveOutputName(session);
    this.outputMetadata = session.outputMetadata.find((meta) => meta.name === this.outputName);
    if (this.outputMetadata && !this.outputMetadata.isTensor) {
      throw new ModelLoadError(
        'unsupported_output',
        `${this.label}: output "${this.outputName}" is not a tensor (a ZipMap of probabilities?); export the classifier with zipmap=False and name its probability tensor in onnx.outputName`,
        { details: { output: this.outputName } },
      );
    }
    if (this.outputMetadata?.isTensor && !FLOAT_OUTPUT_TYPES.has(this.outputMetadata.type)) {
      throw new ModelLoadError(
        'unsupported_output',
        `${this.label}: output "${this.outputName}" holds ${this.outputMetadata.type}, not a float score; name the probability or score output in onnx.outputName`,
        { details: { output: this.outputName, type: this.outputMetadata.type } },
      );
    }
    if (artifact.scoreColumn !== undefined && this.outputMetadata?.isTensor) {
      const last = this.outputMetadata.shape.at(-1);
      const columns =
        this.outputMetadata.shape.length >= 2 && typeof last === 'number' ? last : undefined;
      const rank1 = this.outputMetadata.shape.length === 1;
      if (
        (columns !== undefined && artifact.scoreColumn >= columns) ||
        (rank1 && artifact.scoreColumn > 0)
      ) {
        throw new ModelLoadError(
          'unknown_output',
          `${this.label}: onnx.scoreColumn is ${artifact.scoreColumn} but output "${this.outputName}" has ${columns ?? 1} column(s)`,
          { details: { output: this.outputName, scoreColumn: artifact.scoreColumn } },
        );
      }
    }
  }

  /**
   * The registered `outputName`, else the graph's first float tensor output:
   * converted classifiers list an int64 `label` output first, which is not a
   * score (and onnxruntime 1.23's binary TreeEnsembleClassifier label is not
   * even reliable), so the probabilities are what parity compares.
   */
  private resolveOutputName(session: InferenceSession): string {
    const registered = this.artifact.outputName;
    if (registered !== undefined) {
      if (!this.outputNames.includes(registered)) {
        throw new ModelLoadError(
          'unknown_output',
          `${this.label}: onnx.outputName is "${registered}" but the graph's outputs are ${quoteList(this.outputNames)}`,
          { details: { output: registered, outputs: this.outputNames } },
        );
      }
      return registered;
    }
    const float = session.outputMetadata.find(
      (meta) => meta.isTensor && FLOAT_OUTPUT_TYPES.has(meta.type),
    );
    const chosen = float?.name ?? this.outputNames[0];
    if (chosen === undefined) {
      throw new ModelLoadError('invalid_graph', `${this.label}: the graph has no outputs`);
    }
    return chosen;
  }

  private checkInputType(name: string, type: 'float32' | 'string'): void {
    const meta = this.inputMetadata.get(name);
    if (meta?.isTensor && meta.type !== type) {
      throw new ModelLoadError(
        'input_mismatch',
        `${this.label}: the manifest feeds input "${name}" as ${type} but the graph takes ${meta.type}`,
        { details: { input: name, expected: meta.type, declared: type } },
      );
    }
  }

  private checkWidth(name: string, width: number): void {
    const meta = this.inputMetadata.get(name);
    if (!meta?.isTensor) return;
    const last = meta.shape.at(-1);
    if (meta.shape.length >= 2 && typeof last === 'number' && last !== width) {
      throw new ModelLoadError(
        'input_mismatch',
        `${this.label}: the manifest builds ${width} column(s) for input "${name}" but the graph takes ${last}`,
        { details: { input: name, columns: width, graphColumns: last } },
      );
    }
  }

  planInputs(features: readonly FeatureSpec[]): InputPlan {
    const plan = planInputs(this.artifact, features, { defaultInputName: this.defaultInputName });
    for (const input of plan.inputs) {
      this.checkInputType(input.name, input.type);
      this.checkWidth(input.name, input.width);
    }
    return plan;
  }

  async score(
    inputs: AssembledInputs | PreparedRows,
    options: ScoreOptions = {},
  ): Promise<Float64Array> {
    const batchSize = checkBatchSize(options.batchSize ?? this.batchSize);
    const rows = inputs.scorableRows;
    const feedsFor =
      'tensors' in inputs ? this.sliceFeeds(inputs) : this.fillFeeds(inputs, batchSize);
    const scores = new Float64Array(rows);
    if (rows === 0) return scores;
    if (this.retired) {
      throw new ModelLoadError(
        'closed',
        `${this.label}: this session was replaced or closed; get it again`,
      );
    }
    this.active += 1;
    try {
      for (let start = 0; start < rows; start += batchSize) {
        const end = Math.min(rows, start + batchSize);
        const feeds = feedsFor(start, end);
        let output: Tensor | undefined;
        try {
          const results = await withSpan(
            SPAN_SCORE_BATCH,
            {
              [ATTR_MODEL_NAME]: this.model,
              [ATTR_MODEL_VERSION]: this.version,
              [ATTR_SCORE_BATCH_START]: start,
              [ATTR_SCORE_BATCH_ROWS]: end - start,
            },
            () => this.session.run(feeds, [this.outputName]),
          );
          output = singleOutput(results);
        } catch (error) {
          throw new ModelRunError(
            `${this.label}: onnxruntime failed on rows ${start}-${end - 1}: ${errorMessage(error)}`,
            error,
          );
        }
        if (output === undefined) {
          throw new ModelLoadError(
            'unknown_output',
            `${this.label}: the run returned no "${this.outputName}"`,
          );
        }
        this.copyScores(output, end - start, scores, start);
      }
    } finally {
      this.active -= 1;
      if (this.retired && this.active === 0) void this.release();
    }
    return scores;
  }

  private checkInput(name: string, type: 'float32' | 'string', width: number): void {
    if (!this.inputMetadata.has(name)) {
      throw new ModelLoadError(
        'unknown_input',
        `${this.label}: no graph input "${name}"; the graph's inputs are ${quoteList(this.inputNames)}`,
      );
    }
    this.checkInputType(name, type);
    this.checkWidth(name, width);
  }

  /** Batches as views of whole-window tensors. */
  private sliceFeeds(inputs: AssembledInputs): FeedBuilder {
    const rows = inputs.scorableRows;
    for (const tensor of inputs.tensors) {
      this.checkInput(tensor.name, tensor.type, tensor.dims[1]);
      if (tensor.dims[0] !== rows || tensor.data.length !== rows * tensor.dims[1]) {
        throw new RangeError(
          `input "${tensor.name}": dims [${tensor.dims.join(', ')}] and ${tensor.data.length} values do not match ${rows} rows`,
        );
      }
    }
    return (start, end) => {
      const feeds: Record<string, Tensor> = {};
      for (const tensor of inputs.tensors) {
        const width = tensor.dims[1];
        const dims = [end - start, width];
        feeds[tensor.name] =
          tensor.type === 'float32'
            ? new Tensor('float32', tensor.data.subarray(start * width, end * width), dims)
            : new Tensor('string', tensor.data.slice(start * width, end * width), dims);
      }
      return feeds;
    };
  }

  /**
   * Batches written into one buffer per input, reused from batch to batch:
   * no whole-window tensor is ever built, so memory stays at one batch and
   * freshly allocated pages are touched once, not once per row.
   */
  private fillFeeds(prepared: PreparedRows, batchSize: number): FeedBuilder {
    const rows = prepared.scorableRows;
    const buffers = prepared.plan.inputs.map((input) => {
      this.checkInput(input.name, input.type, input.width);
      const size = Math.min(rows, batchSize) * input.width;
      return input.type === 'float32' ? new Float32Array(size) : new Array<string>(size);
    });
    return (start, end) => {
      const feeds: Record<string, Tensor> = {};
      prepared.plan.inputs.forEach((input, t) => {
        const size = (end - start) * input.width;
        const dims = [end - start, input.width];
        const buffer = buffers[t]!;
        if (buffer instanceof Float32Array) {
          const view = buffer.subarray(0, size);
          prepared.fillFloat(t, start, end, view);
          feeds[input.name] = new Tensor('float32', view, dims);
        } else {
          prepared.fillString(t, start, end, buffer);
          feeds[input.name] = new Tensor('string', buffer.slice(0, size), dims);
        }
      });
      return feeds;
    };
  }

  private copyScores(output: Tensor, rows: number, target: Float64Array, at: number): void {
    const data = output.data;
    if (!(data instanceof Float32Array || data instanceof Float64Array)) {
      throw new ModelLoadError(
        'unsupported_output',
        `${this.label}: output "${this.outputName}" holds ${output.type}, not a float score`,
      );
    }
    const dims = output.dims;
    const columns = dims.length <= 1 ? 1 : dims.slice(1).reduce((a, b) => a * b, 1);
    if (dims[0] !== rows || data.length !== rows * columns) {
      throw new ModelLoadError(
        'unsupported_output',
        `${this.label}: output "${this.outputName}" has dims [${dims.join(', ')}] for ${rows} rows; expected [${rows}] or [${rows}, k]`,
      );
    }
    // Default column: 1 of a [N, 2] probability output (the positive class), else 0.
    const column = this.artifact.scoreColumn ?? (columns === 2 ? 1 : 0);
    if (column >= columns) {
      throw new ModelLoadError(
        'unknown_output',
        `${this.label}: onnx.scoreColumn is ${column} but output "${this.outputName}" has ${columns} column(s)`,
      );
    }
    if (columns === 1) {
      target.set(data, at);
      return;
    }
    for (let i = 0; i < rows; i++) target[at + i] = data[i * columns + column]!;
  }

  /** Marks the session replaced; it is released now or when its last `score` ends. */
  retire(): Promise<void> {
    this.retired = true;
    return this.active === 0 ? this.release() : Promise.resolve();
  }

  private release(): Promise<void> {
    this.released ??= this.session.release().catch((error: unknown) => {
      this.logger.warn(
        { model: this.model, version: this.version, err: error },
        'releasing an onnx session failed',
      );
    });
    return this.released;
  }
}
