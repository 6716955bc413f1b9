/**
 * How a version's ordered feature schema maps onto storage: numeric features
 * fill `num_values` and categorical features fill `cat_values`, each in schema
 * order. Computed once per version and reused.
 */
import type { FeatureSpec } from './model.js';

export interface FeatureSlot {
  kind: 'numeric' | 'categorical';
  /** Index into num_values or cat_values. */
  slot: number;
}

export interface FeatureLayout {
  numeric: string[];
  categorical: string[];
  byName: Map<string, FeatureSlot>;
}

const layouts = new WeakMap<readonly FeatureSpec[], FeatureLayout>();

export function featureLayout(features: readonly FeatureSpec[]): FeatureLayout {
  const cached = layouts.get(features);
  if (cached) return cached;
  const layout: FeatureLayout = { numeric: [], categorical: [], byName: new Map() };
  for (const feature of features) {
    if (feature.type === 'numeric') {
      layout.byName.set(feature.name, { kind: 'numeric', slot: layout.numeric.length });
      layout.numeric.push(feature.name);
    } else {
      layout.byName.set(feature.name, { kind: 'categorical', slot: layout.categorical.length });
      layout.categorical.push(feature.name);
    }
  }
  layouts.set(features, layout);
  return layout;
}
