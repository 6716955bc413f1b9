/**
 * Collectors of a window's values, fed row by row by `readWindow`:
 *
 * - {@link DriftColumns} for the exact drift path: numeric values (and the
 *   score) straight into growable Float64Arrays, nulls only counted;
 *   categories counted as they stream in. Nothing is boxed and no per-row
 *   value is kept for categorical features.
 * - {@link WindowColumns} for parity and shadow checks, which need every row
 *   (values by row position, nulls included, request ids) to rebuild model
 *   inputs.
 *
 * Both map the version's storage slots to feature names and keep only the
 * tested features.
 */
import type { FeatureLayout } from '../core/featureLayout.js';
import type { FeatureValue } from '../core/model.js';
import type {
  CategoryCountsColumn,
  CollectedColumn,
  CollectedWindow,
  NumericValuesColumn,
} from '../drift/types.js';
import type { WindowRowSink } from '../storage/windowReader.js';

/** Capacity of a numeric column before its first value when no row count is known. */
const MIN_CAPACITY = 1024;

/** A Float64Array that doubles when full; `values()` is the filled part (no copy). */
class GrowableFloat64 {
  private buffer: Float64Array;
  length = 0;

  constructor(capacity: number) {
    this.buffer = new Float64Array(Math.max(MIN_CAPACITY, capacity));
  }

  push(value: number): void {
    if (this.length === this.buffer.length) {
      const next = new Float64Array(this.buffer.length * 2);
      next.set(this.buffer);
      this.buffer = next;
    }
    this.buffer[this.length++] = value;
  }

  values(): Float64Array {
    return this.length === this.buffer.length ? this.buffer : this.buffer.subarray(0, this.length);
  }
}

/** Category → count of one feature, one map lookup per value. */
class CategoryCounter {
  private readonly index = new Map<string, number>();
  private readonly counts: number[] = [];
  n = 0;

  add(value: string): void {
    const i = this.index.get(value);
    if (i === undefined) {
      this.index.set(value, this.counts.length);
      this.counts.push(1);
    } else {
      this.counts[i]!++;
    }
    this.n++;
  }

  toRecord(): Record<string, number> {
    // Built without a prototype so that a category named `__proto__` is kept;
    // the spread copies it as an own property onto a plain object.
    const record = Object.create(null) as Record<string, number>;
    for (const [category, i] of this.index) record[category] = this.counts[i]!;
    return { ...record };
  }
}

export interface DriftColumnsOptions {
  /** The tested features; others are skipped as they stream by. */
  tested: ReadonlySet<string>;
  /** Collect the score column. */
  score: boolean;
  /**
   * Rows the window is expected to hold (its count just before the read):
   * numeric columns start at this size, so a window without nulls is
   * collected with no reallocation. More rows than expected still fit.
   */
  expectedRows?: number | undefined;
}

/**
 * The exact drift path's collector. Missing values are not stored: a
 * feature's missing count is the window's rows minus its values, so a slot a
 * row does not carry counts as missing too (as on the approximate path).
 * Values are taken as read; `evaluateDriftFromColumns` checks they are finite.
 */
export class DriftColumns implements WindowRowSink {
  rows = 0;
  private readonly numericNames: (string | undefined)[];
  private readonly numericTargets: (GrowableFloat64 | undefined)[];
  private readonly categoricalNames: (string | undefined)[];
  private readonly categoricalTargets: (CategoryCounter | undefined)[];
  private readonly scores: GrowableFloat64 | undefined;

  constructor(layout: FeatureLayout, options: DriftColumnsOptions) {
    const capacity = options.expectedRows ?? 0;
    const keep = (name: string): string | undefined =>
      options.tested.has(name) ? name : undefined;
    this.numericNames = layout.numeric.map(keep);
    this.numericTargets = this.numericNames.map((name) =>
      name === undefined ? undefined : new GrowableFloat64(capacity),
    );
    this.categoricalNames = layout.categorical.map(keep);
    this.categoricalTargets = this.categoricalNames.map((name) =>
      name === undefined ? undefined : new CategoryCounter(),
    );
    this.scores = options.score ? new GrowableFloat64(capacity) : undefined;
  }

  numeric(slot: number, value: number | null): void {
    if (value !== null) this.numericTargets[slot]?.push(value);
  }

  categorical(slot: number, value: string | null): void {
    if (value !== null) this.categoricalTargets[slot]?.add(value);
  }

  score(value: number | null): void {
    if (value !== null) this.scores?.push(value);
  }

  endRow(): void {
    this.rows += 1;
  }

  /**
   * The collected window, for `evaluateDriftFromColumns`. The numeric arrays
   * are handed over (the evaluation sorts them in place): call once, after
   * the read.
   */
  window(): CollectedWindow {
    const rows = this.rows;
    // No prototype: a feature may be named `__proto__`.
    const features = Object.create(null) as Record<string, CollectedColumn>;
    this.numericNames.forEach((name, slot) => {
      const target = this.numericTargets[slot];
      if (name === undefined || target === undefined) return;
      features[name] = numericColumnOf(target, rows);
    });
    this.categoricalNames.forEach((name, slot) => {
      const target = this.categoricalTargets[slot];
      if (name === undefined || target === undefined) return;
      const column: CategoryCountsColumn = {
        kind: 'categorical',
        counts: target.toRecord(),
        n: target.n,
        missing: rows - target.n,
      };
      features[name] = column;
    });
    return {
      rows,
      features,
      score: this.scores === undefined ? undefined : numericColumnOf(this.scores, rows),
    };
  }
}

function numericColumnOf(target: GrowableFloat64, rows: number): NumericValuesColumn {
  return { kind: 'numeric', values: target.values(), missing: rows - target.length };
}

/**
 * Every row of a window, by feature name, for parity and shadow checks:
 * values in row order with nulls kept, scores, and request ids when read.
 */
export class WindowColumns implements WindowRowSink {
  /** By feature name, without a prototype: a feature may be named `__proto__`. */
  readonly features = Object.create(null) as Record<string, FeatureValue[]>;
  readonly scores: (number | null)[] = [];
  /** Request ids, when the query reads them. */
  readonly ids: string[] = [];
  rows = 0;
  private readonly numericTargets: (FeatureValue[] | undefined)[];
  private readonly categoricalTargets: (FeatureValue[] | undefined)[];

  constructor(layout: FeatureLayout, tested: ReadonlySet<string>) {
    this.numericTargets = layout.numeric.map((name) =>
      tested.has(name) ? (this.features[name] = []) : undefined,
    );
    this.categoricalTargets = layout.categorical.map((name) =>
      tested.has(name) ? (this.features[name] = []) : undefined,
    );
  }

  numeric(slot: number, value: number | null): void {
    this.numericTargets[slot]?.push(value);
  }

  categorical(slot: number, value: string | null): void {
    this.categoricalTargets[slot]?.push(value);
  }

  score(value: number | null): void {
    this.scores.push(value);
  }

  requestId(value: string): void {
    this.ids.push(value);
  }

  endRow(): void {
    this.rows += 1;
  }
}
