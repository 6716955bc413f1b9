/**
 * Delayed labels: `[{model, request_id, label, timestamp?}]`. Labels may
 * arrive before their prediction, so an unknown request id is kept; an
 * unregistered model is rejected (its labels could never be joined).
 */
import { AppError } from '../core/errors.js';
import { DEFAULT_TEXT_LIMITS, type TextLimits } from '../core/textLimits.js';
import type { ModelRegistry } from '../registry/modelRegistry.js';
import type { LabelStore, LabelRow } from '../storage/labelStore.js';
import type { Metrics } from '../telemetry/metrics.js';
import { labelRecordSchema } from './recordSchema.js';
import { feedRecords, type RawRecord, type RecordSplitter } from './recordSplitter.js';
import { RejectionList } from './rejectionList.js';
import { checkText } from './textCheck.js';
import { parseTimestamp, type TimestampBounds } from './timestamp.js';
import { issueToRejection, type RejectCode, type Rejection } from './rejection.js';

export interface LabelIngestResult {
  accepted: number;
  /** The first `maxRejectionsListed` rejections. */
  rejected: Rejection[];
  /** Every rejected label, listed or not. */
  rejected_count: number;
}

export interface LabelIngestOptions {
  limits: TextLimits;
  maxRejectionsListed: number;
}

export class LabelIngest {
  constructor(
    private readonly registry: ModelRegistry,
    private readonly store: LabelStore,
    private readonly metrics: Metrics,
    private readonly bounds: () => TimestampBounds,
    private readonly options: LabelIngestOptions = {
      limits: DEFAULT_TEXT_LIMITS,
      maxRejectionsListed: 100,
    },
  ) {}

  /**
   * Validates labels as the body streams in, keeping only the rows of valid
   * ones (never the raw records: a body of millions of bad labels costs
   * counters, not memory), then stores them.
   */
  async ingestStream(
    body: AsyncIterable<unknown>,
    splitter: RecordSplitter,
  ): Promise<LabelIngestResult> {
    const batch = this.newBatch();
    await feedRecords(body, splitter, (raw) => batch.add(raw));
    return this.storeBatch(batch);
  }

  /** Same as ingestStream for labels already split. */
  async ingest(raws: Iterable<RawRecord>): Promise<LabelIngestResult> {
    const batch = this.newBatch();
    for (const raw of raws) {
      const pending = batch.add(raw);
      if (pending) await pending;
    }
    return this.storeBatch(batch);
  }

  private newBatch(): LabelBatch {
    return new LabelBatch(this.registry, this.bounds(), this.options);
  }

  private async storeBatch(batch: LabelBatch): Promise<LabelIngestResult> {
    const { rows, rejected, total } = batch;
    if (total === 0) throw new AppError('body_unparseable', 'the body holds no labels');
    for (const [code, count] of rejected.byCode) {
      this.metrics.ingestRecordsTotal.inc(
        { source: 'labels', outcome: 'rejected', reason: code },
        count,
      );
    }
    if (rows.length === 0) {
      throw new AppError('validation_failed', `none of the ${total} labels is valid`, {
        details: { accepted: 0, ...rejected.toJSON() },
      });
    }
    await this.store.upsert(rows);
    this.metrics.ingestRecordsTotal.inc(
      { source: 'labels', outcome: 'accepted', reason: 'none' },
      rows.length,
    );
    const perModel = new Map<string, number>();
    for (const row of rows) perModel.set(row.model, (perModel.get(row.model) ?? 0) + 1);
    for (const [model, count] of perModel) this.metrics.labelsTotal.inc({ model }, count);
    return { accepted: rows.length, ...rejected.toJSON() };
  }
}

/**
 * The labels of one request. Synchronous per label once its model is known
 * in this request; the first label of a model looks it up.
 */
class LabelBatch {
  readonly rows: LabelRow[] = [];
  readonly rejected: RejectionList;
  total = 0;
  private readonly known = new Map<string, boolean>();

  constructor(
    private readonly registry: ModelRegistry,
    private readonly bounds: TimestampBounds,
    private readonly options: LabelIngestOptions,
  ) {
    this.rejected = new RejectionList(options.maxRejectionsListed);
  }

  add(raw: RawRecord): Promise<void> | undefined {
    this.total += 1;
    const row = this.validate(raw);
    if (row === null) return undefined;
    const exists = this.known.get(row.model);
    if (exists === undefined) return this.addFirstOfModel(raw.index, row);
    this.keep(raw.index, row, exists);
    return undefined;
  }

  private async addFirstOfModel(index: number, row: LabelRow): Promise<void> {
    let exists = this.known.get(row.model);
    if (exists === undefined) {
      exists = await this.registry.modelExists(row.model);
      this.known.set(row.model, exists);
    }
    this.keep(index, row, exists);
  }

  private keep(index: number, row: LabelRow, modelExists: boolean): void {
    if (modelExists) this.rows.push(row);
    else {
      this.rejected.add({
        index,
        code: 'unknown_model',
        message: `model ${row.model} is not registered`,
      });
    }
  }

  /** The label's row, or null after recording why it is rejected. */
  private validate(raw: RawRecord): LabelRow | null {
    const reject = (code: RejectCode, message: string): null => {
      this.rejected.add({ index: raw.index, code, message });
      return null;
    };
    let value: unknown;
    try {
      value = JSON.parse(raw.text);
    } catch (error) {
      return reject('invalid_json', `label is not valid JSON: ${(error as Error).message}`);
    }
    if (raw.invalidUtf8) {
      return reject(
        'bad_value',
        'label is not valid UTF-8 (bytes that are not UTF-8 cannot be stored as text)',
      );
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return reject('not_an_object', 'label must be a JSON object');
    }
    const textProblem = checkLabelText(value as Record<string, unknown>, this.options.limits);
    if (textProblem) return reject(textProblem.code, textProblem.message);
    const parsed = labelRecordSchema.safeParse(value);
    if (!parsed.success) {
      this.rejected.add(issueToRejection(raw.index, parsed.error.issues[0]!, value).rejection);
      return null;
    }
    const label = parsed.data;
    const numeric = typeof label.label === 'boolean' ? (label.label ? 1 : 0) : label.label;
    if (!Number.isFinite(numeric)) return reject('non_finite', 'label is not a finite number');
    let epochMs: number | null = null;
    if (label.timestamp !== undefined) {
      const time = parseTimestamp(label.timestamp, this.bounds);
      if (!time.ok) return reject('bad_timestamp', time.message);
      epochMs = time.epochMs;
    }
    return { model: label.model, requestId: label.request_id, label: numeric, epochMs };
  }
}

/** A label's model and request id: storable text within their limits. */
function checkLabelText(
  value: Record<string, unknown>,
  limits: TextLimits,
): { code: RejectCode; message: string } | null {
  for (const [field, maxLength] of [
    ['model', limits.name],
    ['request_id', limits.requestId],
  ] as const) {
    const text = value[field];
    if (typeof text !== 'string') continue; // other types are the schema's concern
    const problem = checkText(field, text, maxLength);
    if (problem) return problem;
  }
  return null;
}
