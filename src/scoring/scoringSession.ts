/**
 * One loaded ONNX session of a model version: checked against the manifest
 * when it is created (graphContract.ts), then scoring assembled or prepared
 * rows batch by batch. Created and retired by the session cache; a retired
 * session is released once no `score` call uses it.
 */
import type { Logger } from 'pino';
import { Tensor, type InferenceSession } from 'onnxruntime-node';
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
  checkGraphContract,
  checkInputFeed,
  type GraphContractProblem,
  type GraphSignature,
  type InputFeed,
} from './graphContract.js';
import type { AssembledInputs, PreparedRows } from './inputAssembler.js';
import { planInputs, type InputPlan } from './inputPlan.js';
import { errorMessage, ModelLoadError, ModelRunError } from './modelErrors.js';

type FeedBuilder = (start: number, end: number) => Record<string, Tensor>;

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

/** What identifies the file a session was loaded from: a change means reload. */
export interface FileIdentity {
  size: number;
  mtimeMs: number;
  ino: number;
}

export function checkBatchSize(batchSize: number): number {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  }
  return batchSize;
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

/** A loaded session. Retired sessions are released once no `score` call uses them. */
export class ScoringSession implements LoadedModel {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly defaultInputName: string;
  readonly outputName: string;
  private readonly label: string;
  private readonly batchSize: number;
  private readonly logger: Logger;
  private readonly graph: GraphSignature;
  private active = 0;
  private retired = false;
  private released: Promise<void> | undefined;

  /** @throws ModelLoadError when the graph does not fit the manifest (the first problem found). */
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
    this.graph = { inputs: session.inputMetadata, outputs: session.outputMetadata };
    const contract = checkGraphContract(artifact, this.graph);
    if (!contract.ok) throw this.loadError(contract.problems[0]!);
    this.defaultInputName = contract.defaultInputName;
    this.outputName = contract.outputName;
  }

  planInputs(features: readonly FeatureSpec[]): InputPlan {
    const plan = planInputs(this.artifact, features, { defaultInputName: this.defaultInputName });
    for (const input of plan.inputs) this.checkFeed(input);
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

  /** Marks the session replaced; it is released now or when its last `score` ends. */
  retire(): Promise<void> {
    this.retired = true;
    return this.active === 0 ? this.release() : Promise.resolve();
  }

  private loadError(problem: GraphContractProblem): ModelLoadError {
    return new ModelLoadError(problem.reason, `${this.label}: ${problem.message}`, {
      details: problem.details,
    });
  }

  /** @throws ModelLoadError when the graph has no such input or it takes another type or width. */
  private checkFeed(feed: InputFeed): void {
    const problem = checkInputFeed(this.graph, feed);
    if (problem) throw this.loadError(problem);
  }

  /** Batches as views of whole-window tensors. */
  private sliceFeeds(inputs: AssembledInputs): FeedBuilder {
    const rows = inputs.scorableRows;
    for (const tensor of inputs.tensors) {
      this.checkFeed({ name: tensor.name, type: tensor.type, width: tensor.dims[1] });
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
      this.checkFeed(input);
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
