/**
 * Reads `summary.distributions` of a run back as snapshots. The run page is
 * also rendered from API JSON (the standalone report), so nothing is taken
 * on trust: a malformed entry is left out rather than drawn wrong.
 */
import type { CategoryShare, DistributionSnapshot } from '../../drift/index.js';

function isNumberArray(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'number' && Number.isFinite(v));
}

function isShare(value: unknown): value is CategoryShare {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.category === 'string' &&
    typeof v.reference === 'number' &&
    (v.current === null || typeof v.current === 'number')
  );
}

function isSnapshot(value: unknown): value is DistributionSnapshot {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  if (typeof v.feature !== 'string') return false;
  if (v.kind === 'numeric') {
    if (!isNumberArray(v.edges) || !isNumberArray(v.reference)) return false;
    if (v.edges.length !== v.reference.length + 1 || v.reference.length === 0) return false;
    if (v.current === null) return true;
    const current = v.current as Record<string, unknown> | undefined;
    return (
      typeof current === 'object' &&
      isNumberArray(current.bins) &&
      current.bins.length === v.reference.length &&
      typeof current.below === 'number' &&
      typeof current.above === 'number'
    );
  }
  if (v.kind === 'categorical') {
    const other = v.other as Record<string, unknown> | null | undefined;
    return (
      Array.isArray(v.categories) &&
      v.categories.every(isShare) &&
      (other === null || (isShare(other) && typeof other.count === 'number'))
    );
  }
  return false;
}

/** Snapshots by feature name; null when the run stored none. */
export function snapshotsOf(
  summary: Record<string, unknown>,
): Map<string, DistributionSnapshot> | null {
  const list = summary.distributions;
  if (!Array.isArray(list)) return null;
  return new Map(list.filter(isSnapshot).map((snapshot) => [snapshot.feature, snapshot]));
}
