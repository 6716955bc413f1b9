/**
 * The benchmarks' database: a fresh `<prefix><random>` database on the
 * server of DATABASE_URL, dropped at the end — also on failure and on
 * Ctrl-C — and binary COPY into it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { COPY_BINARY_HEADER, COPY_BINARY_TRAILER } from '../../src/storage/binaryCopyWriter.js';
import type { Pool } from '../../src/storage/pool.js';
import { killChildren } from './service.js';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** The server URL with another database name. */
export function databaseUrlFor(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** One connection for `work`, closed afterwards. */
export async function withClient<T>(
  url: string,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'driftwatch-bench' });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Binary COPY of `chunks` (tuples without signature or trailer) into
 * `table (columns)`; an async source may do other work between chunks.
 */
export async function copyIn(
  pool: Pool,
  table: string,
  columns: readonly string[],
  chunks: Iterable<Buffer> | AsyncIterable<Buffer>,
): Promise<void> {
  const client = await pool.connect();
  try {
    const sink = client.query(
      copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN (FORMAT binary)`),
    );
    await pipeline(
      Readable.from(
        (async function* () {
          yield COPY_BINARY_HEADER;
          yield* chunks;
          yield COPY_BINARY_TRAILER;
        })(),
      ),
      sink,
    );
  } finally {
    client.release();
  }
}

export interface BenchDatabase {
  /** `<prefix><8 hex digits>`. */
  name: string;
  /** DATABASE_URL pointing at it. */
  url: string;
  /** A temporary folder, removed with the database. */
  dir: string;
}

/**
 * Creates a fresh database (and a temporary folder), runs `work`, then kills
 * any child process still running, removes the folder and drops the
 * database — whether `work` succeeds, fails or the bench is interrupted.
 */
export async function withBenchDatabase<T>(
  serverUrl: string,
  prefix: string,
  work: (database: BenchDatabase) => Promise<T>,
): Promise<T> {
  const name = `${prefix}${randomBytes(4).toString('hex')}`;
  const dir = mkdtempSync(path.join(tmpdir(), `driftwatch-${prefix.replace(/_/g, '-')}`));
  let created = false;
  const cleanup = async (): Promise<void> => {
    killChildren();
    rmSync(dir, { recursive: true, force: true });
    if (created) {
      created = false;
      await withClient(serverUrl, (client) =>
        client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
      );
    }
  };
  const interrupted = (signal: NodeJS.Signals): void => {
    console.error(`\n${signal}: cleaning up`);
    void cleanup()
      .catch((error: unknown) => console.error(`cleanup failed: ${String(error)}`))
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    await withClient(serverUrl, (client) => client.query(`CREATE DATABASE ${name}`));
    created = true;
    return await work({ name, url: databaseUrlFor(serverUrl, name), dir });
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    await cleanup();
  }
}
