/**
 * Collects a window's values into per-feature columns for the exact path:
 * numeric and categorical values by the version's storage slots, keeping only
 * the tested features.
 */
import type { FeatureValue } from '../core/model.js';
import type { FeatureLayout } from '../ingest/featureLayout.js';
import type { WindowRowSink } from '../storage/windowReader.js';

export class WindowColumns implements WindowRowSink {
  readonly features: Record<string, FeatureValue[]> = {};
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
