/**
 * Reference (training) data import from CSV (header row) or NDJSON. Rows are
 * validated like prediction features; valid rows are reduced to a profile per
 * feature (src/drift/profile.ts) and stored, replacing the previous reference
 * atomically. Raw rows are not kept: checks only need the profile — and, for
 * each categorical feature the model's segments slice on, the profile of
 * each of its values' rows (drift/referenceSlices.ts), built here because
 * only here are the rows at hand.
 */
import { parse as parseCsv } from 'csv-parse';
import type { ModelSettings } from '../config/schema.js';
import { AppError, NotFoundError } from '../core/errors.js';
import type { FeatureSpec, FeatureValue, ModelTask } from '../core/model.js';
import { buildCalibration } from '../drift/calibration.js';
import { DEFAULT_TEXT_LIMITS, type TextLimits } from '../core/textLimits.js';
import { buildReferenceProfile } from '../drift/profile.js';
import { buildReferenceSlices } from '../drift/referenceSlices.js';
import type { ReferenceStore, ReferenceSummary } from '../storage/referenceStore.js';
import type { Rejection } from './rejection.js';
import { NdjsonSplitter } from './recordSplitter.js';
import { RejectionList } from './rejectionList.js';
import { checkText } from './textCheck.js';

/**
 * Bad rows listed with their message in an import's answer; all are counted.
 * A reference may hold millions of rows, so the list is bounded like an
 * ingest batch's.
 */
const MAX_REJECTIONS_LISTED = 1_000;

export type ReferenceFormat = 'csv' | 'ndjson';

/**
 * Columns a reference file may carry besides features. `score` is profiled;
 * `label` with `score` is a binary classifier's calibration set; the rest
 * are ignored.
 */
const RESERVED_COLUMNS = new Set([
  'score',
  'prediction',
  'label',
  'request_id',
  'timestamp',
  'model',
  'model_version',
]);

const DECIMAL = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

export interface ReferenceImportResult extends ReferenceSummary {
  /** The first 1,000 bad rows. */
  rejected: Rejection[];
  /** Every bad row, listed or not. */
  rejectedCount: number;
  ignoredColumns: string[];
  /** Rows whose `label` was not 0/1/true/false (kept, but not calibrated on). */
  ignoredLabels: number;
}

/** Accumulates validated rows column by column. */
class ColumnCollector {
  // No prototype: a feature may be named `__proto__` (or `constructor`), and
  // on a plain object that assignment would not make a property at all.
  readonly columns: Record<string, FeatureValue[]> = Object.create(null) as Record<
    string,
    FeatureValue[]
  >;
  readonly score: (number | null)[] = [];
  /** 0/1 per row, or null when the row has no label (binary classifiers only). */
  readonly label: (0 | 1 | null)[] = [];
  /** Label cells that are not 0/1/true/false: their rows are kept, out of the calibration set. */
  ignoredLabels = 0;
  readonly rejected = new RejectionList(MAX_REJECTIONS_LISTED);
  rows = 0;
  private readonly specs: Map<string, FeatureSpec>;

  constructor(
    private readonly features: readonly FeatureSpec[],
    private readonly categoryLimit: number,
    /** Whether `label` cells are read (binary classifiers); otherwise ignored. */
    private readonly readsLabels: boolean,
  ) {
    this.specs = new Map(features.map((feature) => [feature.name, feature]));
    for (const feature of features) this.columns[feature.name] = [];
  }

  /** Validates one row of already-typed values; returns false and records a rejection when bad. */
  add(index: number, values: Map<string, unknown>, score: unknown, label?: unknown): boolean {
    const row: FeatureValue[] = [];
    for (const feature of this.features) {
      const value = values.get(feature.name);
      const checked = checkValue(feature, value, this.categoryLimit);
      if (typeof checked === 'object' && checked !== null) {
        this.rejected.add({ index, ...checked });
        return false;
      }
      row.push(checked);
    }
    let scoreValue: number | null = null;
    if (score !== undefined && score !== null && score !== '') {
      const parsed = typeof score === 'string' && DECIMAL.test(score) ? Number(score) : score;
      if (typeof parsed !== 'number' || !Number.isFinite(parsed)) {
        this.rejected.add({
          index,
          code: 'wrong_type',
          message: `score is not a finite number: ${JSON.stringify(score).slice(0, 40)}`,
        });
        return false;
      }
      scoreValue = parsed;
    }
    // A label serves calibration only: one that is not 0/1 leaves the row's
    // features in the profile and the row out of the calibration set
    // (counted in `ignoredLabels`), never rejects the row.
    let labelValue = this.readsLabels ? binaryLabel(label) : null;
    if (labelValue === 'bad') {
      this.ignoredLabels += 1;
      labelValue = null;
    }
    this.features.forEach((feature, i) => this.columns[feature.name]!.push(row[i]!));
    this.score.push(scoreValue);
    this.label.push(labelValue);
    this.rows += 1;
    return true;
  }

  has(name: string): boolean {
    return this.specs.has(name);
  }

  /** The rows with both a score and a label, ascending by score; null when there are none. */
  outcomes(): { scores: Float64Array; labels: Uint8Array } | null {
    const order: number[] = [];
    for (let i = 0; i < this.rows; i += 1) {
      if (this.score[i] !== null && this.label[i] !== null) order.push(i);
    }
    if (order.length === 0) return null;
    order.sort((a, b) => this.score[a]! - this.score[b]! || a - b);
    return {
      scores: Float64Array.from(order, (i) => this.score[i]!),
      labels: Uint8Array.from(order, (i) => this.label[i]!),
    };
  }
}

/** A label cell as 0 or 1; null when empty; `bad` for anything else. */
function binaryLabel(value: unknown): 0 | 1 | null | 'bad' {
  if (value === undefined || value === null || value === '') return null;
  const text = typeof value === 'string' ? value.trim().toLowerCase() : value;
  if (text === 0 || text === '0' || text === false || text === 'false' || text === '0.0') return 0;
  if (text === 1 || text === '1' || text === true || text === 'true' || text === '1.0') return 1;
  return 'bad';
}

type CheckFailure = { code: Rejection['code']; message: string };

/** A feature value from CSV text or JSON, as stored, or why it is bad. */
function checkValue(
  feature: FeatureSpec,
  value: unknown,
  categoryLimit: number,
): FeatureValue | CheckFailure {
  if (value === undefined || value === null || value === '') return null;
  if (feature.type === 'numeric') {
    if (typeof value === 'number') {
      return Number.isFinite(value)
        ? value
        : { code: 'non_finite', message: `feature "${feature.name}" is not a finite number` };
    }
    if (typeof value === 'string') {
      if (DECIMAL.test(value)) return Number(value);
      if (/^\s*[+-]?(nan|inf|infinity)\s*$/i.test(value)) {
        return {
          code: 'non_finite',
          message: `feature "${feature.name}" is ${value.trim()}: leave the cell empty for a missing value`,
        };
      }
      return {
        code: 'wrong_type',
        message: `feature "${feature.name}" is numeric, got "${value.slice(0, 40)}"`,
      };
    }
    return {
      code: 'wrong_type',
      message: `feature "${feature.name}" is numeric, got ${typeof value}`,
    };
  }
  if (typeof value === 'string') {
    // Categories of the profile are stored as text in PostgreSQL, like the
    // categories of predictions: the same rules apply.
    return checkText(`feature "${feature.name}"`, value, categoryLimit) ?? value;
  }
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return {
    code: 'wrong_type',
    message: `feature "${feature.name}" is categorical, got ${typeof value}`,
  };
}

export interface ReferenceTarget {
  model: string;
  version: string;
  task: ModelTask;
  features: readonly FeatureSpec[];
  settings: ModelSettings;
  /**
   * The categorical features the model's segments slice on (`segments[].by`
   * of its check settings at import time): the reference is sliced on each.
   * None: no slices.
   */
  sliceBy?: readonly string[] | undefined;
}

export class ReferenceImport {
  constructor(
    private readonly store: ReferenceStore,
    private readonly limits: TextLimits = DEFAULT_TEXT_LIMITS,
  ) {}

  async import(
    target: ReferenceTarget,
    format: ReferenceFormat,
    body: AsyncIterable<unknown>,
  ): Promise<ReferenceImportResult> {
    const collector = new ColumnCollector(
      target.features,
      this.limits.category,
      target.task === 'binary_classification',
    );
    const ignoredColumns =
      format === 'csv'
        ? await this.readCsv(target, body, collector)
        : await this.readNdjson(target, body, collector);
    const total = collector.rows + collector.rejected.count;
    if (total === 0) throw new AppError('body_unparseable', 'the reference file holds no rows');
    if (collector.rows === 0) {
      throw new AppError('validation_failed', `none of the ${total} reference rows is valid`, {
        details: collector.rejected.toJSON(),
      });
    }
    const hasScore = collector.score.some((value) => value !== null);
    const profile = buildReferenceProfile(
      [...target.features],
      collector.columns,
      hasScore ? collector.score : undefined,
    );
    const pairs = collector.outcomes();
    profile.outcomes = pairs && {
      ...pairs,
      calibration: buildCalibration(pairs.scores, pairs.labels),
    };
    profile.slices = buildReferenceSlices(target.features, collector.columns, target.sliceBy ?? []);
    const summary = await this.store.replace(target.model, target.version, profile);
    return {
      ...summary,
      rejected: collector.rejected.listed,
      rejectedCount: collector.rejected.count,
      ignoredColumns,
      ignoredLabels: collector.ignoredLabels,
    };
  }

  private async readCsv(
    target: ReferenceTarget,
    body: AsyncIterable<unknown>,
    collector: ColumnCollector,
  ): Promise<string[]> {
    const parser = parseCsv({ bom: true, skip_empty_lines: true, relax_column_count: true });
    const feed = (async () => {
      try {
        for await (const chunk of body) {
          if (!parser.write(chunk)) await new Promise((resolve) => parser.once('drain', resolve));
        }
        parser.end();
      } catch (error) {
        parser.destroy(error as Error);
      }
    })();
    let header: string[] | null = null;
    let ignored: string[] = [];
    let index = 0;
    try {
      for await (const record of parser) {
        const cells = record as string[];
        if (header === null) {
          header = cells.map((cell) => cell.trim());
          ignored = this.checkHeader(target, header);
          continue;
        }
        if (cells.length !== header.length) {
          collector.rejected.add({
            index,
            code: 'bad_value',
            message: `row has ${cells.length} cells, the header has ${header.length}`,
          });
          index += 1;
          continue;
        }
        const values = new Map<string, unknown>();
        let score: unknown;
        let label: unknown;
        header.forEach((name, i) => {
          if (name === 'score') score = cells[i];
          else if (name === 'label') label = cells[i];
          else values.set(name, cells[i]);
        });
        collector.add(index, values, score, label);
        index += 1;
      }
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw new AppError(
        'body_unparseable',
        `CSV could not be parsed: ${(error as Error).message}`,
        { cause: error },
      );
    }
    await feed;
    return ignored;
  }

  /** Unknown columns are a schema mismatch for the whole file (every row has them). */
  private checkHeader(target: ReferenceTarget, header: string[]): string[] {
    const seen = new Set<string>();
    const unknown: string[] = [];
    for (const name of header) {
      if (seen.has(name))
        throw new AppError('validation_failed', `the CSV header repeats column "${name}"`);
      seen.add(name);
      if (!target.features.some((f) => f.name === name) && !RESERVED_COLUMNS.has(name))
        unknown.push(name);
    }
    const absent = target.features.filter((feature) => !seen.has(feature.name)).map((f) => f.name);
    if (absent.length === target.features.length) {
      throw new AppError(
        'validation_failed',
        `the CSV header names none of the features of ${target.model} version ${target.version}`,
      );
    }
    if (unknown.length > 0 && target.settings.unknownFeatures === 'reject') {
      throw new AppError(
        'validation_failed',
        `the CSV header has columns not in the schema of ${target.model} version ${target.version}: ${unknown.join(', ')}`,
      );
    }
    return unknown;
  }

  private async readNdjson(
    target: ReferenceTarget,
    body: AsyncIterable<unknown>,
    collector: ColumnCollector,
  ): Promise<string[]> {
    const splitter = new NdjsonSplitter();
    const ignored = new Set<string>();
    const handle = (raw: { index: number; text: string }): void => {
      let value: unknown;
      try {
        value = JSON.parse(raw.text);
      } catch (error) {
        collector.rejected.add({
          index: raw.index,
          code: 'invalid_json',
          message: `row is not valid JSON: ${(error as Error).message}`,
        });
        return;
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        collector.rejected.add({
          index: raw.index,
          code: 'not_an_object',
          message: 'row must be a JSON object',
        });
        return;
      }
      // Either a prediction record ({features: {...}, score}) or a flat row.
      const object = value as Record<string, unknown>;
      const nested = object.features;
      const featureObject =
        nested !== null && typeof nested === 'object' && !Array.isArray(nested)
          ? (nested as Record<string, unknown>)
          : object;
      const values = new Map<string, unknown>();
      const unknown: string[] = [];
      for (const [name, cell] of Object.entries(featureObject)) {
        if (collector.has(name)) values.set(name, cell);
        else if (featureObject !== object || !RESERVED_COLUMNS.has(name)) unknown.push(name);
      }
      if (unknown.length > 0) {
        if (target.settings.unknownFeatures === 'reject') {
          collector.rejected.add({
            index: raw.index,
            code: 'unknown_feature',
            message: `not in the schema of ${target.model} version ${target.version}: ${unknown.join(', ')}`,
          });
          return;
        }
        unknown.forEach((name) => ignored.add(name));
      }
      collector.add(raw.index, values, object.score, object.label);
    };
    for await (const chunk of body) splitter.push(chunk as Buffer).forEach(handle);
    splitter.end().forEach(handle);
    return [...ignored];
  }
}

export function notFoundVersion(model: string, version: string): NotFoundError {
  return new NotFoundError(`model ${model} version ${version} is not registered`);
}
