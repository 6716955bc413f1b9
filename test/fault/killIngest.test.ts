/**
 * kill -9 of the service in the middle of an ingest. Clients send every batch
 * until it is acknowledged (retrying connection failures and 503s), the
 * service is started again, and the table ends with exactly one row per
 * record — and the minute summaries built at ingest count each record once —
 * on an external PostgreSQL, and on the embedded one, which the restarted
 * service must bring back by itself. With a raw sample (a quarter of the rows
 * kept) and an `Idempotency-Key` per batch, the summaries still count each
 * record once and exactly the sampled ids are stored.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inRawSample } from '../../src/core/sampleHash.js';
import { embeddedDatabaseUrl } from '../../src/storage/embeddedPostgres.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { CHURN_DEFINITION, churnRecord } from '../helpers/records.js';
import { call, ndjson } from '../helpers/service.js';
import {
  ProcessTracker,
  isRunning,
  readPostmaster,
  type RunningServe,
  type ServeOptions,
} from './serveProcess.js';

const RECORDS = 20_000;
const BATCH_SIZE = 500;
const SENDERS = 3;
/** The service is killed once a quarter of the batches are acknowledged. */
const KILL_AFTER_BATCHES = RECORDS / BATCH_SIZE / 4;
const MAX_ATTEMPTS = 200;
const REQUEST_TIMEOUT_MS = 15_000;
const SEND_DEADLINE_MS = 60_000;
const MAX_BACKOFF_MS = 400;
const RETRYABLE_STATUSES = new Set([502, 503, 504]);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface IngestResult {
  accepted: number;
  duplicates: number;
  rejected: unknown[];
}

/**
 * Sends one batch until the service acknowledges all of it, as a client with
 * at-least-once delivery does. Resolves with the number of attempts.
 */
async function sendUntilAcknowledged(
  url: string,
  body: string,
  deadline: number,
  cancel: AbortSignal,
  idempotencyKey: string | undefined,
): Promise<number> {
  let last = '';
  for (let attempt = 1; attempt <= MAX_ATTEMPTS && !cancel.aborted; attempt++) {
    let response: { status: number; text: string } | undefined;
    try {
      const reply = await fetch(`${url}/v1/predictions`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-ndjson',
          ...(idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey }),
        },
        body,
        signal: AbortSignal.any([cancel, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
      });
      response = { status: reply.status, text: await reply.text() };
    } catch (error) {
      // Refused, reset or timed out: the service is down or going down.
      last = String((error as Error).cause ?? error);
    }
    if (response?.status === 200) {
      const result = JSON.parse(response.text) as IngestResult;
      if (result.accepted + result.duplicates !== BATCH_SIZE || result.rejected.length !== 0) {
        throw new Error(`batch not stored in full: ${response.text.slice(0, 500)}`);
      }
      return attempt;
    }
    if (response && !RETRYABLE_STATUSES.has(response.status)) {
      throw new Error(`HTTP ${response.status}: ${response.text.slice(0, 500)}`);
    }
    if (response) last = `HTTP ${response.status}`;
    if (Date.now() > deadline) break;
    await sleep(Math.min(25 * 2 ** attempt, MAX_BACKOFF_MS));
  }
  throw new Error(`batch not acknowledged in time; last outcome: ${last}`);
}

interface Counts {
  rows: number;
  distinct: number;
  /** Rows counted by the minute summaries built at ingest (Σ of every partial's `rows`). */
  summarised: number;
}

async function countPredictions(url: string): Promise<Counts> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ rows: string; distinct: string; summarised: string }>(
      `SELECT count(*) AS rows, count(DISTINCT request_id) AS distinct,
              (SELECT coalesce(sum((summary->>'rows')::bigint), 0) FROM minute_summaries) AS summarised
         FROM predictions`,
    );
    return {
      rows: Number(result.rows[0]!.rows),
      distinct: Number(result.rows[0]!.distinct),
      summarised: Number(result.rows[0]!.summarised),
    };
  } finally {
    await client.end();
  }
}

interface Outcome {
  counts: Counts;
  /** Batches that needed more than one attempt. */
  retriedBatches: number;
  /** The embedded server the killed service left behind. */
  orphanedPostmasterPid: number | null;
  /** What the restarted service wrote to stderr (at warn level). */
  restartStderr: string;
}

/**
 * Starts the service, sends RECORDS records from SENDERS concurrent clients,
 * kills the service with SIGKILL once a quarter is acknowledged, starts it
 * again with the same options and lets the clients finish.
 */
async function ingestThroughKill(
  processes: ProcessTracker,
  options: ServeOptions,
  databaseUrl: () => Promise<string>,
  keyed = false,
): Promise<Outcome> {
  let service: RunningServe = await processes.start(options);
  const url = service.url;
  const orphanedPostmasterPid = options.dataDir
    ? ((await readPostmaster(options.dataDir))?.pid ?? null)
    : null;
  expect(
    (await call(url, '/v1/models/churn/versions/1', { method: 'PUT', body: CHURN_DEFINITION }))
      .status,
  ).toBe(201);

  const timestampMs = Date.now();
  const batches: string[] = [];
  for (let start = 0; start < RECORDS; start += BATCH_SIZE) {
    const records = [];
    for (let i = start; i < start + BATCH_SIZE; i++) records.push(churnRecord(i, {}, timestampMs));
    batches.push(ndjson(records));
  }

  const killed = service;
  let restarted: Promise<void> | undefined;
  const restartFailures: Error[] = [];
  let acknowledged = 0;
  let retriedBatches = 0;
  let next = 0;
  const deadline = Date.now() + SEND_DEADLINE_MS;
  // The first sender that fails stops the others.
  const cancel = new AbortController();
  const sender = async (): Promise<void> => {
    try {
      while (next < batches.length && !cancel.signal.aborted) {
        const index = next++;
        const attempts = await sendUntilAcknowledged(
          url,
          batches[index]!,
          deadline,
          cancel.signal,
          keyed ? `kill-batch-${index}` : undefined,
        );
        if (attempts > 1) retriedBatches++;
        acknowledged++;
        if (acknowledged >= KILL_AFTER_BATCHES && restarted === undefined) {
          // Other senders have batches in flight right now.
          killed.child.kill('SIGKILL');
          restarted = killed.exited
            .then(() => processes.start(options))
            .then(
              (started) => {
                service = started;
              },
              (error: unknown) => {
                restartFailures.push(error instanceof Error ? error : new Error(String(error)));
                cancel.abort();
              },
            );
        }
      }
    } catch (error) {
      cancel.abort();
      throw error;
    }
  };
  const sent = await Promise.allSettled(Array.from({ length: SENDERS }, sender));
  await restarted;
  if (restartFailures[0]) throw restartFailures[0];
  for (const outcome of sent) if (outcome.status === 'rejected') throw outcome.reason as Error;
  expect(restarted).toBeDefined();
  expect(service.pid).not.toBe(killed.pid);
  expect((await killed.exited).signal).toBe('SIGKILL');

  const counts = await countPredictions(await databaseUrl());
  service.child.kill('SIGTERM');
  expect((await service.exited).code).toBe(0);
  return { counts, retriedBatches, orphanedPostmasterPid, restartStderr: service.stderr() };
}

// Two service starts and 20,000 records per test, on a two-core machine.
describe('kill -9 of the service mid-ingest', { timeout: 120_000 }, () => {
  const processes = new ProcessTracker();
  let dir: string;
  let database: TestDatabase | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'dw-kill-ingest-'));
    // As root PostgreSQL runs as the postgres user, which must be able to enter the folder.
    await chmod(dir, 0o755);
  });
  afterAll(async () => {
    await processes.stopAll();
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('stores every record exactly once on the external PostgreSQL', async () => {
    database = await createTestDatabase();
    const url = database.url;
    const outcome = await ingestThroughKill(
      processes,
      { databaseUrl: url, port: await freePort() },
      () => Promise.resolve(url),
    );
    expect(outcome.counts).toEqual({ rows: RECORDS, distinct: RECORDS, summarised: RECORDS });
    expect(outcome.retriedBatches).toBeGreaterThan(0);
  });

  it('summarises every record exactly once with a raw sample and keyed batches', async () => {
    const sampled = await createTestDatabase();
    try {
      const url = sampled.url;
      const outcome = await ingestThroughKill(
        processes,
        {
          databaseUrl: url,
          port: await freePort(),
          env: { DRIFTWATCH_RAW_FIXED_FRACTION: '0.25' },
        },
        () => Promise.resolve(url),
        true,
      );
      let kept = 0;
      for (let i = 0; i < RECORDS; i++) if (inRawSample('churn', `req-${i}`, 0.25)) kept++;
      expect(kept).toBeLessThan(RECORDS / 2);
      expect(outcome.counts).toEqual({ rows: kept, distinct: kept, summarised: RECORDS });
      expect(outcome.retriedBatches).toBeGreaterThan(0);
    } finally {
      await sampled.drop();
    }
  });

  it('stores every record exactly once on the embedded PostgreSQL, which comes back by itself', async () => {
    const dataDir = path.join(dir, 'pg');
    const outcome = await ingestThroughKill(
      processes,
      { dataDir, port: await freePort() },
      async () => {
        const postmaster = await readPostmaster(dataDir);
        if (!postmaster) throw new Error(`no postmaster.pid in ${dataDir}`);
        return embeddedDatabaseUrl(postmaster.port);
      },
    );
    expect(outcome.counts).toEqual({ rows: RECORDS, distinct: RECORDS, summarised: RECORDS });
    expect(outcome.retriedBatches).toBeGreaterThan(0);
    // The restarted service stopped the server its killed predecessor left running.
    expect(outcome.orphanedPostmasterPid).not.toBeNull();
    expect(outcome.restartStderr).toContain(
      `stopping the embedded PostgreSQL (PID ${outcome.orphanedPostmasterPid})`,
    );
    expect(await isRunning(outcome.orphanedPostmasterPid!)).toBe(false);
  });
});
