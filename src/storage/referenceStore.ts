/**
 * Reference profiles: one row per feature (and one for the score) holding
 * what a check needs. Numeric values are stored as raw little-endian float64
 * so that loading a 100,000-value reference is a memory copy, not text parsing.
 * Loaded profiles are cached per (model, version, import time): a check
 * re-reads only the import stamp while the reference is unchanged.
 *
 * Reference slices (the rows of one value of a segment feature, profiled on
 * the other features) are stored the same way in reference_slices, one row
 * per (by feature, value, feature), with the reference and replaced with it.
 */
import { endianness } from 'node:os';
import type { Calibration, ReferenceOutcomes } from '../core/calibration.js';
import type {
  CategoricalFeatureProfile,
  FeatureProfile,
  NumericFeatureProfile,
  ReferenceProfile,
  ReferenceSlice,
} from '../core/referenceProfile.js';
import { translateDatabaseError, withTransaction, type Pool, type PoolClient } from './pool.js';

interface ProfileRow {
  feature: string;
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

interface FeatureRow extends ProfileRow {
  role: 'feature' | 'score';
}

interface SliceRow extends ProfileRow {
  by_feature: string;
  value: string;
  slice_rows: number;
}

export interface ReferenceSummary {
  model: string;
  version: string;
  rows: number;
  importedAt: Date;
}

export interface LoadedReference {
  /** Shared with the store's cache and later loads: read it, never change it. */
  profile: ReferenceProfile;
  summary: ReferenceSummary;
}

export interface ReferenceStoreOptions {
  /**
   * Loaded profiles kept in memory (least recently used dropped first); 0
   * turns the cache off. A 20-feature, 100,000-row profile holds ~16 MB.
   */
  cachedProfiles?: number | undefined;
}

const DEFAULT_CACHED_PROFILES = 4;

/** Reads of a profile while replaces keep coming between its statements. */
const MAX_READS = 3;

/**
 * An import's identity: its time in microseconds since the epoch as exact
 * text (a JS Date keeps milliseconds only). A replace makes a new import
 * time, so a stale cache entry — even one filled by another replica's
 * reference — never matches.
 */
function importStamp(column: string): string {
  return `(extract(epoch FROM ${column}) * 1000000)::bigint::text`;
}

interface CachedProfile {
  stamp: string;
  loaded: LoadedReference;
}

function cacheKey(model: string, version: string): string {
  return JSON.stringify([model, version]);
}

/** Stored float64s are little-endian; on a little-endian host they are the array's own bytes. */
const HOST_LITTLE_ENDIAN = endianness() === 'LE';

function encodeFloat64(values: Float64Array): Buffer {
  if (HOST_LITTLE_ENDIAN) {
    return Buffer.from(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }
  const buffer = Buffer.allocUnsafe(values.length * 8);
  for (let i = 0; i < values.length; i += 1) buffer.writeDoubleLE(values[i]!, i * 8);
  return buffer;
}

/**
 * Little-endian float64 bytes to a Float64Array: one copy of the bytes on a
 * little-endian host (into a fresh, aligned buffer: pg's Buffer may start at
 * any offset of a shared one), value by value otherwise.
 */
function decodeFloat64(buffer: Uint8Array): Float64Array {
  if (buffer.length % 8 !== 0) {
    throw new RangeError(`float64 data of ${buffer.length} bytes (not a multiple of 8)`);
  }
  const values = new Float64Array(buffer.length / 8);
  if (HOST_LITTLE_ENDIAN) {
    new Uint8Array(values.buffer).set(buffer);
    return values;
  }
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  for (let i = 0; i < values.length; i += 1) values[i] = view.getFloat64(i * 8, true);
  return values;
}

function toProfile(row: ProfileRow): FeatureProfile {
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

/**
 * The slices' rows, one multi-row INSERT per slice (a slice holds every
 * feature but its `by`: 12 parameters a feature).
 */
async function insertSlices(
  client: PoolClient,
  model: string,
  version: string,
  slices: readonly ReferenceSlice[],
): Promise<void> {
  const positions = new Map<string, number>();
  for (const slice of slices) {
    const slicePosition = positions.get(slice.by) ?? 0;
    positions.set(slice.by, slicePosition + 1);
    if (slice.features.length === 0) continue;
    const params: unknown[] = [model, version, slice.by, slice.value, slicePosition, slice.rows];
    const tuples = slice.features.map((feature, position) => {
      const at = params.length;
      params.push(feature.name, feature.kind, position, ...profileValues(feature));
      const cells = Array.from({ length: 12 }, (_, i) => `$${at + i + 1}`);
      return `($1, $2, $3, $4, $5, $6, ${cells.join(', ')})`;
    });
    await client.query(
      `INSERT INTO reference_slices (model, version, by_feature, value, slice_position, slice_rows,
         feature, kind, position, n, missing, min_value, max_value, mean, std, sorted_values,
         bin_edges, counts)
       VALUES ${tuples.join(', ')}`,
      params,
    );
  }
}

/** A profile's columns as stored, n through counts (reference_features and reference_slices alike). */
function profileValues(feature: FeatureProfile): unknown[] {
  const numeric = feature.kind === 'numeric';
  return [
    feature.n,
    feature.missing,
    numeric && feature.n > 0 ? feature.min : null,
    numeric && feature.n > 0 ? feature.max : null,
    numeric && feature.n > 0 ? feature.mean : null,
    numeric ? feature.std : null,
    numeric ? encodeFloat64(feature.sortedValues) : null,
    numeric ? feature.binEdges : null,
    numeric ? null : JSON.stringify(feature.counts),
  ];
}

/** The slices' rows, in stored order, as slices (features in position order). */
function toSlices(rows: readonly SliceRow[]): ReferenceSlice[] {
  const slices: ReferenceSlice[] = [];
  let current: ReferenceSlice | undefined;
  for (const row of rows) {
    if (current?.by !== row.by_feature || current.value !== row.value) {
      current = { by: row.by_feature, value: row.value, rows: row.slice_rows, features: [] };
      slices.push(current);
    }
    current.features.push(toProfile(row));
  }
  return slices;
}

export class ReferenceStore {
  private readonly cache = new Map<string, CachedProfile>();
  private readonly cachedProfiles: number;

  constructor(
    private readonly pool: Pool,
    options: ReferenceStoreOptions = {},
  ) {
    this.cachedProfiles = options.cachedProfiles ?? DEFAULT_CACHED_PROFILES;
  }

  /** Replaces the version's reference in one transaction: readers see the old or the new, never a mix. */
  async replace(
    model: string,
    version: string,
    profile: ReferenceProfile,
  ): Promise<ReferenceSummary> {
    // Dropped before and after: a load racing the replace may cache the old
    // import again, under its own (now stale) stamp.
    this.cache.delete(cacheKey(model, version));
    const summary = await withTransaction(this.pool, async (client) => {
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
        await client.query(
          `INSERT INTO reference_features (model, version, feature, role, kind, position, n, missing,
             min_value, max_value, mean, std, sorted_values, bin_edges, counts)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
          [model, version, feature.name, role, feature.kind, position, ...profileValues(feature)],
        );
      }
      await insertSlices(client, model, version, profile.slices ?? []);
      const outcomes = profile.outcomes;
      if (outcomes) {
        await client.query(
          `INSERT INTO reference_outcomes (model, version, rows, scores, labels, calibration)
           VALUES ($1, $2, $3, $4, $5, $6)`,
          [
            model,
            version,
            outcomes.scores.length,
            encodeFloat64(outcomes.scores),
            Buffer.from(outcomes.labels.buffer, outcomes.labels.byteOffset, outcomes.labels.length),
            JSON.stringify(outcomes.calibration),
          ],
        );
      }
      return { model, version, rows: profile.rows, importedAt: rows[0]!.imported_at };
    });
    this.cache.delete(cacheKey(model, version));
    return summary;
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
    return (await this.loadWithSummary(model, version))?.profile ?? null;
  }

  /**
   * The version's reference profile and the import it comes from. From the
   * cache when the import is the cached one (one small query), else read,
   * decoded and cached.
   */
  async loadWithSummary(model: string, version: string): Promise<LoadedReference | null> {
    // A replace committing between the reads gives a profile without its
    // outcomes or slices; read again, a bounded number of times, rather than
    // serve a run that says the reference has no labels.
    for (let attempt = 1; ; attempt += 1) {
      const read = await this.readOnce(model, version);
      if (read === null || read.whole || attempt === MAX_READS) return read?.loaded ?? null;
    }
  }

  /** One read of the profile; `whole` false when a replace came between its statements. */
  private async readOnce(
    model: string,
    version: string,
  ): Promise<{ loaded: LoadedReference; whole: boolean } | null> {
    const key = cacheKey(model, version);
    try {
      const set = await this.pool.query<{ rows: number; imported_at: Date; stamp: string }>(
        `SELECT rows, imported_at, ${importStamp('imported_at')} AS stamp
           FROM reference_sets WHERE model = $1 AND version = $2`,
        [model, version],
      );
      const current = set.rows[0];
      if (!current) {
        this.cache.delete(key);
        return null;
      }
      const cached = this.cache.get(key);
      if (cached?.stamp === current.stamp) {
        // Most recently used goes last.
        this.cache.delete(key);
        this.cache.set(key, cached);
        return { loaded: cached.loaded, whole: true };
      }
      const { rows } = await this.pool.query<
        FeatureRow & { set_rows: number; imported_at: Date; stamp: string }
      >(
        `SELECT f.feature, f.role, f.kind, f.position, f.n, f.missing, f.min_value, f.max_value,
                f.mean, f.std, f.sorted_values, f.bin_edges, f.counts,
                s.rows AS set_rows, s.imported_at, ${importStamp('s.imported_at')} AS stamp
           FROM reference_features f
           JOIN reference_sets s USING (model, version)
          WHERE f.model = $1 AND f.version = $2
          ORDER BY f.role, f.position`,
        [model, version],
      );
      // The features come with the import they belong to: a replace that
      // committed between the two reads is seen whole, never mixed.
      const first = rows[0];
      const from = first
        ? { rows: first.set_rows, importedAt: first.imported_at, stamp: first.stamp }
        : { rows: current.rows, importedAt: current.imported_at, stamp: current.stamp };
      const features = rows.filter((row) => row.role === 'feature').map(toProfile);
      const scoreRow = rows.find((row) => row.role === 'score');
      const score = scoreRow ? (toProfile(scoreRow) as NumericFeatureProfile) : null;
      const outcomes = await this.loadOutcomes(model, version, from.stamp);
      const slices = await this.loadSlices(model, version, from.stamp);
      const loaded: LoadedReference = {
        profile: {
          rows: from.rows,
          features,
          score,
          outcomes: outcomes === 'replaced' ? null : outcomes,
          slices: slices === 'replaced' ? null : slices,
        },
        summary: { model, version, rows: from.rows, importedAt: from.importedAt },
      };
      // A reference replaced between the reads: not cached; the caller reads
      // again (and, after MAX_READS, serves it without outcomes or slices).
      const whole = outcomes !== 'replaced' && slices !== 'replaced';
      if (whole) this.remember(key, from.stamp, loaded);
      return { loaded, whole };
    } catch (error) {
      throw translateDatabaseError(error);
    }
  }

  /**
   * The (score, label) pairs and calibration of the import with `stamp`;
   * `replaced` when another import committed after the features were read.
   */
  private async loadOutcomes(
    model: string,
    version: string,
    stamp: string,
  ): Promise<ReferenceOutcomes | null | 'replaced'> {
    const { rows } = await this.pool.query<{
      stamp: string;
      scores: Buffer | null;
      labels: Buffer | null;
      calibration: Calibration | null;
    }>(
      `SELECT ${importStamp('s.imported_at')} AS stamp, o.scores, o.labels, o.calibration
         FROM reference_sets s
         LEFT JOIN reference_outcomes o USING (model, version)
        WHERE s.model = $1 AND s.version = $2`,
      [model, version],
    );
    const row = rows[0];
    if (!row || row.stamp !== stamp) return 'replaced';
    if (row.scores === null || row.labels === null || row.calibration === null) return null;
    return {
      scores: decodeFloat64(row.scores),
      labels: new Uint8Array(row.labels),
      calibration: row.calibration,
    };
  }

  /**
   * The reference slices of the import with `stamp` (none: an empty list);
   * `replaced` when another import committed after the features were read.
   */
  private async loadSlices(
    model: string,
    version: string,
    stamp: string,
  ): Promise<ReferenceSlice[] | 'replaced'> {
    // One statement, one snapshot: the stamp and the slices of one import.
    const { rows } = await this.pool.query<
      { stamp: string } & { [K in keyof SliceRow]: SliceRow[K] | null }
    >(
      `SELECT ${importStamp('s.imported_at')} AS stamp, r.by_feature, r.value, r.slice_rows,
              r.feature, r.kind, r.position, r.n, r.missing, r.min_value, r.max_value, r.mean,
              r.std, r.sorted_values, r.bin_edges, r.counts
         FROM reference_sets s
         LEFT JOIN reference_slices r USING (model, version)
        WHERE s.model = $1 AND s.version = $2
        ORDER BY r.by_feature, r.slice_position, r.position`,
      [model, version],
    );
    if (rows.length === 0 || rows[0]!.stamp !== stamp) return 'replaced';
    return toSlices(
      rows.filter((row): row is { stamp: string } & SliceRow => row.feature !== null),
    );
  }

  private remember(key: string, stamp: string, loaded: LoadedReference): void {
    if (this.cachedProfiles <= 0) return;
    this.cache.delete(key);
    this.cache.set(key, { stamp, loaded });
    while (this.cache.size > this.cachedProfiles) {
      const oldest = this.cache.keys().next();
      if (oldest.done === true) break;
      this.cache.delete(oldest.value);
    }
  }
}
