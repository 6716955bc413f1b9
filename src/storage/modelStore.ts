/** Model registry rows: models and their versions. */
import type { FeatureSpec, ModelTask, OnnxArtifact, StoredModelVersion } from '../core/model.js';
import { ConflictError } from '../core/errors.js';
import { translateDatabaseError, withTransaction, type Pool, type PoolClient } from './pool.js';

interface VersionRow {
  model: string;
  version: string;
  task: ModelTask;
  features: FeatureSpec[];
  threshold: number;
  onnx: OnnxArtifact | null;
  revision: number;
  created_at: Date;
  updated_at: Date;
}

export interface VersionInput {
  model: string;
  version: string;
  task: ModelTask;
  features: FeatureSpec[];
  threshold: number;
  onnx: OnnxArtifact | null;
  source: 'api' | 'manifest';
}

export type UpsertOutcome = 'created' | 'updated' | 'unchanged';

/** The current revision of one version. */
export interface VersionRevision {
  model: string;
  version: string;
  revision: number;
}

const COLUMNS = 'model, version, task, features, threshold, onnx, revision, created_at, updated_at';

function toVersion(row: VersionRow): StoredModelVersion {
  return {
    model: row.model,
    version: row.version,
    task: row.task,
    features: row.features,
    threshold: row.threshold,
    onnx: row.onnx,
    revision: row.revision,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function sameDefinition(row: VersionRow, input: VersionInput): boolean {
  return (
    row.task === input.task &&
    row.threshold === input.threshold &&
    JSON.stringify(row.features) === JSON.stringify(input.features) &&
    JSON.stringify(row.onnx ?? null) === JSON.stringify(input.onnx ?? null)
  );
}

function sameSchema(row: VersionRow, input: VersionInput): boolean {
  return row.task === input.task && JSON.stringify(row.features) === JSON.stringify(input.features);
}

export class ModelStore {
  constructor(private readonly pool: Pool) {}

  /**
   * Creates or updates a version. Changing the feature schema or task of a
   * version that already has predictions is refused: the stored rows were
   * validated against the old schema and would no longer mean the same thing.
   */
  async upsertVersion(
    input: VersionInput,
  ): Promise<{ outcome: UpsertOutcome; version: StoredModelVersion }> {
    return withTransaction(this.pool, async (client) => {
      await client.query('INSERT INTO models (name) VALUES ($1) ON CONFLICT DO NOTHING', [
        input.model,
      ]);
      const existing = await client.query<VersionRow>(
        `SELECT ${COLUMNS} FROM model_versions WHERE model = $1 AND version = $2 FOR UPDATE`,
        [input.model, input.version],
      );
      const row = existing.rows[0];
      if (!row) {
        const created = await client.query<VersionRow>(
          `INSERT INTO model_versions (model, version, task, features, threshold, onnx, source)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
          [
            input.model,
            input.version,
            input.task,
            JSON.stringify(input.features),
            input.threshold,
            input.onnx === null ? null : JSON.stringify(input.onnx),
            input.source,
          ],
        );
        return { outcome: 'created', version: toVersion(created.rows[0]!) };
      }
      if (sameDefinition(row, input)) return { outcome: 'unchanged', version: toVersion(row) };
      if (!sameSchema(row, input)) {
        const used = await client.query(
          'SELECT 1 FROM predictions WHERE model = $1 AND model_version = $2 LIMIT 1',
          [input.model, input.version],
        );
        if ((used.rowCount ?? 0) > 0) {
          throw new ConflictError(
            `model ${input.model} version ${input.version} already has predictions; its feature schema and task cannot change — register a new version instead`,
          );
        }
      }
      const updated = await client.query<VersionRow>(
        `UPDATE model_versions
            SET task = $3, features = $4, threshold = $5, onnx = $6, source = $7,
                revision = revision + $8, updated_at = now()
          WHERE model = $1 AND version = $2 RETURNING ${COLUMNS}`,
        [
          input.model,
          input.version,
          input.task,
          JSON.stringify(input.features),
          input.threshold,
          input.onnx === null ? null : JSON.stringify(input.onnx),
          input.source,
          // The revision tracks what ingestion validates against (schema and
          // task); a new threshold or artifact does not invalidate cached copies.
          sameSchema(row, input) ? 0 : 1,
        ],
      );
      return { outcome: 'updated', version: toVersion(updated.rows[0]!) };
    });
  }

  /**
   * Locks the versions FOR SHARE inside the caller's transaction, so that a
   * concurrent schema change (`upsertVersion` locks FOR UPDATE) waits for it,
   * and returns their current revisions. A version that no longer exists is
   * not in the answer.
   */
  async lockRevisions(
    client: PoolClient,
    versions: readonly { model: string; version: string }[],
  ): Promise<VersionRevision[]> {
    const { rows } = await client.query<VersionRevision>(
      `SELECT model, version, revision FROM model_versions
        WHERE (model, version) IN (SELECT * FROM unnest($1::text[], $2::text[]))
        FOR SHARE`,
      [versions.map((v) => v.model), versions.map((v) => v.version)],
    );
    return rows;
  }

  async getVersion(model: string, version: string): Promise<StoredModelVersion | null> {
    try {
      const { rows } = await this.pool.query<VersionRow>(
        `SELECT ${COLUMNS} FROM model_versions WHERE model = $1 AND version = $2`,
        [model, version],
      );
      return rows[0] ? toVersion(rows[0]) : null;
    } catch (error) {
      throw translateDatabaseError(error);
    }
  }

  async listVersions(): Promise<StoredModelVersion[]> {
    try {
      const { rows } = await this.pool.query<VersionRow>(
        `SELECT ${COLUMNS} FROM model_versions ORDER BY model, created_at, version`,
      );
      return rows.map(toVersion);
    } catch (error) {
      throw translateDatabaseError(error);
    }
  }

  async modelExists(model: string): Promise<boolean> {
    try {
      const { rowCount } = await this.pool.query('SELECT 1 FROM models WHERE name = $1', [model]);
      return (rowCount ?? 0) > 0;
    } catch (error) {
      throw translateDatabaseError(error);
    }
  }
}
