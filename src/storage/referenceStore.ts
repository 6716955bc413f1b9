/**
 * Reference profiles: one row per feature (and one for the score) holding
 * what a check needs. Numeric values are stored as raw little-endian float64
 * so that loading a 100,000-value reference is a memory copy, not text parsing.
 */
import type {
  CategoricalFeatureProfile,
  FeatureProfile,
  NumericFeatureProfile,
  ReferenceProfile,
} from '../core/referenceProfile.js';
import { translateDatabaseError, withTransaction, type Pool } from './pool.js';

interface FeatureRow {
  feature: string;
  role: 'feature' | 'score';
  kind: 'numeric' | 'categorical';
  position: number;
  n: number;
  missing: number;
  min_value: number | null;
  max_value: number | null;
  mean: number | null;
  std: number | null;
  sorted_values: Buffer | null;
  bin_edges: number[] | null;
  counts: Record<string, number> | null;
}

export interface ReferenceSummary {
  model: string;
  version: string;
  rows: number;
  importedAt: Date;
}

function encodeFloat64(values: Float64Array): Buffer {
  const buffer = Buffer.allocUnsafe(values.length * 8);
  for (let i = 0; i < values.length; i += 1) buffer.writeDoubleLE(values[i]!, i * 8);
  return buffer;
}

function decodeFloat64(buffer: Buffer): Float64Array {
  const values = new Float64Array(buffer.length / 8);
  for (let i = 0; i < values.length; i += 1) values[i] = buffer.readDoubleLE(i * 8);
  return values;
}

function toProfile(row: FeatureRow): FeatureProfile {
  if (row.kind === 'numeric') {
    const profile: NumericFeatureProfile = {
      kind: 'numeric',
      name: row.feature,
      n: row.n,
      missing: row.missing,
      min: row.min_value ?? Number.NaN,
      max: row.max_value ?? Number.NaN,
      mean: row.mean ?? Number.NaN,
      std: row.std ?? 0,
      sortedValues: row.sorted_values ? decodeFloat64(row.sorted_values) : new Float64Array(0),
      binEdges: row.bin_edges ?? [],
    };
    return profile;
  }
  const profile: CategoricalFeatureProfile = {
    kind: 'categorical',
    name: row.feature,
    n: row.n,
    missing: row.missing,
    counts: row.counts ?? {},
  };
  return profile;
}

export class ReferenceStore {
  constructor(private readonly pool: Pool) {}

  /** Replaces the version's reference in one transaction: readers see the old or the new, never a mix. */
  async replace(
    model: string,
    version: string,
    profile: ReferenceProfile,
  ): Promise<ReferenceSummary> {
    return withTransaction(this.pool, async (client) => {
      await client.query('DELETE FROM reference_sets WHERE model = $1 AND version = $2', [
        model,
        version,
      ]);
      const { rows } = await client.query<{ imported_at: Date }>(
        'INSERT INTO reference_sets (model, version, rows) VALUES ($1, $2, $3) RETURNING imported_at',
        [model, version, profile.rows],
      );
      const entries: [FeatureProfile, 'feature' | 'score', number][] = profile.features.map(
        (feature, position) => [feature, 'feature', position],
      );
      if (profile.score) entries.push([profile.score, 'score', 0]);
      for (const [feature, role, position] of entries) {
        const numeric = feature.kind === 'numeric';
        await client.query(
          `INSERT INTO reference_features (model, version, feature, role, kind, position, n, missing,
             min_value, max_value, mean, std, sorted_values, bin_edges, counts)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
          [
            model,
            version,
            feature.name,
            role,
            feature.kind,
            position,
            feature.n,
            feature.missing,
            numeric && feature.n > 0 ? feature.min : null,
            numeric && feature.n > 0 ? feature.max : null,
            numeric && feature.n > 0 ? feature.mean : null,
            numeric ? feature.std : null,
            numeric ? encodeFloat64(feature.sortedValues) : null,
            numeric ? feature.binEdges : null,
            numeric ? null : JSON.stringify(feature.counts),
          ],
        );
      }
      return { model, version, rows: profile.rows, importedAt: rows[0]!.imported_at };
    });
  }

  async summary(model: string, version: string): Promise<ReferenceSummary | null> {
    try {
      const { rows } = await this.pool.query<{ rows: number; imported_at: Date }>(
        'SELECT rows, imported_at FROM reference_sets WHERE model = $1 AND version = $2',
        [model, version],
      );
      const row = rows[0];
      return row ? { model, version, rows: row.rows, importedAt: row.imported_at } : null;
    } catch (error) {
      throw translateDatabaseError(error);
    }
  }

  async load(model: string, version: string): Promise<ReferenceProfile | null> {
    try {
      const set = await this.pool.query<{ rows: number }>(
        'SELECT rows FROM reference_sets WHERE model = $1 AND version = $2',
        [model, version],
      );
      if (!set.rows[0]) return null;
      const { rows } = await this.pool.query<FeatureRow>(
        `SELECT feature, role, kind, position, n, missing, min_value, max_value, mean, std,
                sorted_values, bin_edges, counts
           FROM reference_features WHERE model = $1 AND version = $2 ORDER BY role, position`,
        [model, version],
      );
      const features = rows.filter((row) => row.role === 'feature').map(toProfile);
      const scoreRow = rows.find((row) => row.role === 'score');
      const score = scoreRow ? (toProfile(scoreRow) as NumericFeatureProfile) : null;
      return { rows: set.rows[0].rows, features, score };
    } catch (error) {
      throw translateDatabaseError(error);
    }
  }
}
