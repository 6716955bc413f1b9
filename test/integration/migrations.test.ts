import { cp, mkdtemp, rm, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  migrate,
  pendingMigrations,
  readMigrations,
  SQL_DIR,
} from '../../src/storage/migrations.js';
import { createPool, type Pool } from '../../src/storage/pool.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

describe('migrations', () => {
  let database: TestDatabase;
  let pool: Pool;

  beforeEach(async () => {
    database = await createTestDatabase();
    pool = createPool({ url: database.url, max: 4 });
  });

  afterEach(async () => {
    await pool.end();
    await database.drop();
  });

  it('applies every migration to an empty database and records them', async () => {
    const all = await readMigrations();
    expect(all.length).toBeGreaterThan(0);
    expect(await pendingMigrations(pool)).toEqual(all.map((m) => m.name));

    const result = await migrate(pool);
    expect(result.applied).toEqual(all.map((m) => m.name));
    expect(await pendingMigrations(pool)).toEqual([]);

    const { rows } = await pool.query<{ table: string }>(
      `SELECT tablename AS table FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`,
    );
    const tables = rows.map((row) => row.table);
    for (const table of [
      'models',
      'model_versions',
      'prediction_keys',
      'labels',
      'reference_sets',
      'reference_features',
    ]) {
      expect(tables).toContain(table);
    }
    const partitioned = await pool.query(
      `SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid WHERE c.relname = 'predictions'`,
    );
    expect(partitioned.rowCount).toBe(1);
  });

  it('is idempotent: a second run applies nothing', async () => {
    await migrate(pool);
    const again = await migrate(pool);
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied).toBe((await readMigrations()).length);
  });

  it('lets two migrators started together apply each migration exactly once', async () => {
    const other = createPool({ url: database.url, max: 2 });
    try {
      const [a, b] = await Promise.all([migrate(pool), migrate(other)]);
      const total = (await readMigrations()).length;
      // One of them did the work, the other found it done; neither failed.
      expect(a.applied.length + b.applied.length).toBe(total);
      const { rows } = await pool.query<{ count: number }>(
        'SELECT count(*)::int AS count FROM driftwatch_migrations',
      );
      expect(rows[0]!.count).toBe(total);
    } finally {
      await other.end();
    }
  });

  describe('with a copy of the migrations folder', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'dw-sql-'));
      await cp(SQL_DIR, dir, { recursive: true });
    });
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('applies a new numbered file in order after the existing ones', async () => {
      await migrate(pool, dir);
      await writeFile(path.join(dir, '999_extra.sql'), 'CREATE TABLE extra_for_test (id int);');
      const result = await migrate(pool, dir);
      expect(result.applied).toEqual(['999_extra.sql']);
    });

    it('refuses to run when an applied migration was edited', async () => {
      await migrate(pool, dir);
      const first = (await readMigrations(dir))[0]!;
      await appendFile(path.join(dir, first.name), '\n-- edited\n');
      await expect(migrate(pool, dir)).rejects.toThrow(/was changed after it was applied/);
    });

    it('rolls back every file of a failing run', async () => {
      await writeFile(path.join(dir, '998_ok.sql'), 'CREATE TABLE before_failure (id int);');
      await writeFile(path.join(dir, '999_broken.sql'), 'CREATE TABLE broken (;');
      await expect(migrate(pool, dir)).rejects.toThrow();
      const exists = await pool.query(
        "SELECT to_regclass('before_failure') IS NOT NULL AS present",
      );
      expect(exists.rows[0].present).toBe(false);
      expect(await pendingMigrations(pool, dir)).toContain('001_init.sql');
    });
  });
});
