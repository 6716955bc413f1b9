/**
 * A checked-out client whose connection the server ends between two queries
 * (a shutdown, a terminated backend) must not become an uncaught exception:
 * the pool listens to idle clients only, so createPool gives every client a
 * listener of its own and reports the error.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../../src/storage/pool.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { until } from '../helpers/until.js';

describe('pool clients losing their connection', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    await database.drop();
  });

  it('reports a checked-out client terminated by the server instead of crashing', async () => {
    const errors: Error[] = [];
    const pool = createPool({ url: database.url, max: 2, onError: (error) => errors.push(error) });
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      const client = await pool.connect();
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
      await until(() => errors.length > 0, 'the error reported', 5_000);
      expect((errors[0] as Error & { code?: string }).code).toBe('57P01');
      client.release(true);
      // The pool still serves queries on a fresh connection.
      const again = await pool.query<{ one: number }>('SELECT 1 AS one');
      expect(again.rows[0]!.one).toBe(1);
    } finally {
      await admin.end();
      await pool.end();
    }
  });
});
