/**
 * Applies the numbered SQL files of `sql/` in order. All pending files run in
 * one transaction under a transaction-scoped advisory lock, so replicas that
 * start together serialise: the first applies, the others then see nothing to do.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '../core/errors.js';
import { withTransaction, type Pool } from './pool.js';

export const SQL_DIR = fileURLToPath(new URL('../../sql/', import.meta.url));

// An arbitrary constant that names "driftwatch migrations" among advisory locks.
const MIGRATION_LOCK_KEY = 7_301_905_117;

export interface Migration {
  id: number;
  name: string;
  sql: string;
  checksum: string;
}

export async function readMigrations(dir: string = SQL_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((file) => /^\d+_[\w-]+\.sql$/.test(file)).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const sql = await readFile(path.join(dir, file), 'utf8');
    migrations.push({
      id: Number.parseInt(file, 10),
      name: file,
      sql,
      checksum: createHash('sha256').update(sql).digest('hex'),
    });
  }
  const ids = new Set<number>();
  for (const migration of migrations) {
    if (ids.has(migration.id)) {
      throw new AppError('internal', `two migrations share number ${migration.id}`);
    }
    ids.add(migration.id);
  }
  return migrations;
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
}

export async function migrate(pool: Pool, dir: string = SQL_DIR): Promise<MigrationResult> {
  const migrations = await readMigrations(dir);
  return withTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(`
      CREATE TABLE IF NOT EXISTS driftwatch_migrations (
        id          integer PRIMARY KEY,
        name        text NOT NULL,
        checksum    text NOT NULL,
        applied_at  timestamptz NOT NULL DEFAULT now()
      )`);
    const { rows } = await client.query<{ id: number; name: string; checksum: string }>(
      'SELECT id, name, checksum FROM driftwatch_migrations',
    );
    const done = new Map(rows.map((row) => [row.id, row]));
    const applied: string[] = [];
    for (const migration of migrations) {
      const previous = done.get(migration.id);
      if (previous) {
        // An edited migration would leave databases in different states.
        if (previous.checksum !== migration.checksum) {
          throw new AppError(
            'internal',
            `migration ${migration.name} was changed after it was applied (checksum differs); add a new migration instead`,
          );
        }
        continue;
      }
      await client.query(migration.sql);
      await client.query(
        'INSERT INTO driftwatch_migrations (id, name, checksum) VALUES ($1, $2, $3)',
        [migration.id, migration.name, migration.checksum],
      );
      applied.push(migration.name);
    }
    return { applied, alreadyApplied: done.size };
  });
}

/** Names of migrations not yet applied (for /ready). */
export async function pendingMigrations(pool: Pool, dir: string = SQL_DIR): Promise<string[]> {
  const migrations = await readMigrations(dir);
  const exists = await pool.query<{ present: boolean }>(
    "SELECT to_regclass('driftwatch_migrations') IS NOT NULL AS present",
  );
  if (!exists.rows[0]?.present) return migrations.map((m) => m.name);
  const { rows } = await pool.query<{ id: number }>('SELECT id FROM driftwatch_migrations');
  const done = new Set(rows.map((row) => row.id));
  return migrations.filter((m) => !done.has(m.id)).map((m) => m.name);
}
