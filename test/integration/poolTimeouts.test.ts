/**
 * The pool limits against a real PostgreSQL: a statement over
 * `statementMs` is cancelled by the server (the connection stays usable), a
 * query without an answer after `queryMs` fails on the client (the connection
 * is destroyed, so its late answer reaches nobody), and both read as "the
 * database is unavailable" to the API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPool,
  isBrokenConnection,
  isConnectionError,
  isQueryCanceled,
  withTransaction,
  type Pool,
} from '../../src/storage/pool.js';
import { migrate } from '../../src/storage/migrations.js';
import { PartitionManager } from '../../src/storage/partitions.js';
import { readWindow } from '../../src/storage/windowReader.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

const NO_LIMITS = { connectMs: 5_000, statementMs: 0, queryMs: 0, idleInTransactionMs: 0 };

describe('pool limits', () => {
  let database: TestDatabase;
  const pools: Pool[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    await Promise.all(pools.map((pool) => pool.end()));
    await database?.drop();
  });

  function pool(timeouts: Partial<typeof NO_LIMITS>): Pool {
    const created = createPool({
      url: database.url,
      max: 2,
      timeouts: { ...NO_LIMITS, ...timeouts },
    });
    pools.push(created);
    return created;
  }

  it('sets statement_timeout and idle_in_transaction_session_timeout on every session', async () => {
    const limited = pool({ statementMs: 1_234, idleInTransactionMs: 5_678 });
    const { rows } = await limited.query<{ statement: string; idle: string }>(
      "SELECT current_setting('statement_timeout') AS statement, current_setting('idle_in_transaction_session_timeout') AS idle",
    );
    expect(rows[0]).toEqual({ statement: '1234ms', idle: '5678ms' });
  });

  it('lets the server cancel a slow statement and keeps the connection', async () => {
    const limited = pool({ statementMs: 100, queryMs: 5_000 });
    const error: unknown = await withTransaction(limited, (client) =>
      client.query('SELECT pg_sleep(2)'),
    ).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'database_unavailable' });
    expect(isQueryCanceled(error)).toBe(true);
    expect(isConnectionError((error as Error).cause)).toBe(true);
    expect(isBrokenConnection((error as Error).cause)).toBe(false);
    // Rolled back and returned to the pool, not destroyed.
    expect(limited.totalCount).toBe(1);
    expect((await limited.query<{ n: number }>('SELECT 1 AS n')).rows[0]?.n).toBe(1);
  });

  it('destroys a connection whose query went unanswered, so its late answer reaches nobody', async () => {
    const limited = pool({ queryMs: 200 });
    const startedMs = Date.now();
    const error: unknown = await withTransaction(limited, (client) =>
      client.query("SELECT pg_sleep(0.6), 'late' AS answer"),
    ).catch((caught: unknown) => caught);
    expect(Date.now() - startedMs).toBeLessThan(600);
    expect(error).toMatchObject({
      code: 'database_unavailable',
      message: 'the database did not answer in time',
    });
    expect(isBrokenConnection((error as Error).cause)).toBe(true);
    expect(limited.totalCount).toBe(0);
    const next = await limited.query<{ answer: string }>("SELECT 'mine' AS answer");
    expect(next.rows[0]?.answer).toBe('mine');
  });

  /** The score column of model m version 1 over the last hour. */
  function scoreWindow(): Parameters<typeof readWindow>[1] {
    return {
      model: 'm',
      version: '1',
      startMs: Date.now() - 3_600_000,
      endMs: Date.now() + 60_000,
      numeric: false,
      categorical: false,
      score: true,
    };
  }

  /** A row sink that only counts rows. */
  function rowCounter(onRow: () => void): Parameters<typeof readWindow>[2] {
    return {
      numeric: () => undefined,
      categorical: () => undefined,
      score: () => undefined,
      endRow: onRow,
    };
  }

  it('bounds a window COPY the same way, and drops the rows that arrive after the limit', async () => {
    const setup = pool({});
    await migrate(setup);
    const partitions = new PartitionManager(setup);
    await partitions.createAhead(Date.now(), 1);
    await setup.query(
      `INSERT INTO predictions (model, model_version, request_id, ts, num_values, cat_values, score)
       SELECT 'm', '1', 'r' || i, now() - interval '1 minute', '{}', '{}', i / 1000.0
         FROM generate_series(1, 2000) AS i`,
    );
    const limited = pool({ queryMs: 200 });
    // A lock held elsewhere keeps the COPY waiting past the limit; released,
    // the server sends the rows to a client that has given up on them.
    const blocker = await setup.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE predictions IN ACCESS EXCLUSIVE MODE');
      let rows = 0;
      const error: unknown = await readWindow(
        limited,
        scoreWindow(),
        rowCounter(() => (rows += 1)),
      ).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'database_unavailable' });
      expect(rows).toBe(0);
      expect(limited.totalCount).toBe(0);
    } finally {
      await blocker.query('COMMIT');
      blocker.release();
    }
    // The abandoned backend runs its COPY now and goes away; nothing reaches
    // this process (which would throw out of pg's message handler).
    const deadline = Date.now() + 5_000;
    for (;;) {
      const { rows } = await setup.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'COPY (SELECT score FROM predictions%'",
      );
      if (rows[0]?.n === 0) break;
      if (Date.now() > deadline) throw new Error('the abandoned COPY is still running');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    let read = 0;
    await readWindow(
      limited,
      scoreWindow(),
      rowCounter(() => (read += 1)),
    );
    expect(read).toBe(2_000);
  });
});
