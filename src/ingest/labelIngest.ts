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
import type { RawRecord, RecordSplitter } from './recordSplitter.js';
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

  async ingestStream(
    body: AsyncIterable<unknown>,
    splitter: RecordSplitter,
  ): Promise<LabelIngestResult> {
    const raws: RawRecord[] = [];
    for await (const chunk of body) raws.push(...splitter.push(chunk as Buffer));
    raws.push(...splitter.end());
    return this.ingest(raws);
  }

  async ingest(raws: readonly RawRecord[]): Promise<LabelIngestResult> {
    if (raws.length === 0) throw new AppError('body_unparseable', 'the body holds no labels');
    const bounds = this.bounds();
    const rows: LabelRow[] = [];
    const rejected = new RejectionList(this.options.maxRejectionsListed);
    const { limits } = this.options;
    const known = new Map<string, boolean>();
    for (const raw of raws) {
      let value: unknown;
      try {
        value = JSON.parse(raw.text);
      } catch (error) {
        rejected.add({
          index: raw.index,
          code: 'invalid_json',
          message: `label is not valid JSON: ${(error as Error).message}`,
        });
        continue;
      }
      if (raw.invalidUtf8) {
        rejected.add({
          index: raw.index,
          code: 'bad_value',
          message: 'label is not valid UTF-8 (bytes that are not UTF-8 cannot be stored as text)',
        });
        continue;
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        rejected.add({
          index: raw.index,
          code: 'not_an_object',
          message: 'label must be a JSON object',
        });
        continue;
      }
      const textProblem = checkLabelText(value as Record<string, unknown>, limits);
      if (textProblem) {
        rejected.add({ index: raw.index, ...textProblem });
        continue;
      }
      const parsed = labelRecordSchema.safeParse(value);
      if (!parsed.success) {
        rejected.add(issueToRejection(raw.index, parsed.error.issues[0]!, value).rejection);
        continue;
      }
      const label = parsed.data;
      const numeric = typeof label.label === 'boolean' ? (label.label ? 1 : 0) : label.label;
      if (!Number.isFinite(numeric)) {
        rejected.add({
          index: raw.index,
          code: 'non_finite',
          message: 'label is not a finite number',
        });
        continue;
      }
      let epochMs: number | null = null;
      if (label.timestamp !== undefined) {
        const time = parseTimestamp(label.timestamp, bounds);
        if (!time.ok) {
          rejected.add({ index: raw.index, code: 'bad_timestamp', message: time.message });
          continue;
        }
        epochMs = time.epochMs;
      }
      let exists = known.get(label.model);
      if (exists === undefined) {
        exists = await this.registry.modelExists(label.model);
        known.set(label.model, exists);
      }
      if (!exists) {
        rejected.add({
          index: raw.index,
          code: 'unknown_model',
          message: `model ${label.model} is not registered`,
        });
        continue;
      }
      rows.push({ model: label.model, requestId: label.request_id, label: numeric, epochMs });
    }
    for (const [code, count] of rejected.byCode) {
      this.metrics.ingestRecordsTotal.inc(
        { source: 'labels', outcome: 'rejected', reason: code },
        count,
      );
    }
    if (rows.length === 0) {
      throw new AppError('validation_failed', `none of the ${raws.length} labels is valid`, {
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
