import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createLogShipper,
  type LogShipper,
  type LogShipperOptions,
} from '../../src/client/index.js';
import { call, startTestService, type TestService } from '../helpers/service.js';
import { CHURN_DEFINITION, churnRecord } from '../helpers/records.js';

interface SeenRequest {
  atMs: number;
  contentEncoding: string | undefined;
  answered: number;
  idempotencyKey?: string | undefined;
}

interface CannedAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/**
 * A small HTTP front for the real service that can be taken down and brought
 * back on the same port, and told to answer the next requests itself.
 */
interface Gate {
  url: string;
  seen: SeenRequest[];
  canned: CannedAnswer[];
  /** Requests still to forward whose answer is then lost: the client gets a 502. */
  loseAnswers: number;
  up(): Promise<void>;
  down(): Promise<void>;
}

async function startGate(targetUrl: string): Promise<Gate> {
  let server: Server | undefined;
  let port = 0;
  const seen: SeenRequest[] = [];
  const canned: CannedAnswer[] = [];

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const atMs = performance.now();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const contentEncoding = req.headers['content-encoding'];
    const answer = canned.shift();
    if (answer) {
      seen.push({ atMs, contentEncoding, answered: answer.status });
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(JSON.stringify(answer.body ?? { error: { code: 'canned', message: 'canned' } }));
      return;
    }
    const headers: Record<string, string> = {};
    for (const name of ['content-type', 'content-encoding', 'authorization', 'idempotency-key']) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const upstream = await fetch(`${targetUrl}${req.url ?? '/'}`, {
      method: req.method ?? 'POST',
      headers,
      body: new Uint8Array(Buffer.concat(chunks)),
    });
    const idempotencyKey = req.headers['idempotency-key'] as string | undefined;
    if (gate.loseAnswers > 0) {
      // Stored upstream, but the answer never reaches the client.
      gate.loseAnswers -= 1;
      await upstream.arrayBuffer();
      seen.push({ atMs, contentEncoding, answered: 502, idempotencyKey });
      res.writeHead(502);
      res.end('answer lost');
      return;
    }
    seen.push({ atMs, contentEncoding, answered: upstream.status, idempotencyKey });
    const forwarded: Record<string, string> = {};
    for (const name of ['content-type', 'retry-after']) {
      const value = upstream.headers.get(name);
      if (value !== null) forwarded[name] = value;
    }
    res.writeHead(upstream.status, forwarded);
    res.end(Buffer.from(await upstream.arrayBuffer()));
  }

  const gate: Gate = {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    seen,
    canned,
    loseAnswers: 0,
    async up() {
      const next = createServer((req, res) => {
        handle(req, res).catch((error: unknown) => {
          res.writeHead(502);
          res.end(String(error));
        });
      });
      await new Promise<void>((resolve) => next.listen(port, '127.0.0.1', resolve));
      port = (next.address() as AddressInfo).port;
      server = next;
    },
    async down() {
      const current = server;
      server = undefined;
      if (!current) return;
      current.closeAllConnections();
      await new Promise<void>((resolve) => current.close(() => resolve()));
    },
  };
  await gate.up();
  return gate;
}

describe('createLogShipper (driftwatch/client)', () => {
  let t: TestService;
  let db: pg.Pool;
  let gate: Gate;
  const shippers: LogShipper[] = [];

  /** Small timings so retries happen quickly; the interval only matters for partial batches. */
  function shipper(options: Partial<LogShipperOptions> = {}): LogShipper {
    const created = createLogShipper({
      url: gate.url,
      batchSize: 100,
      flushIntervalMs: 20,
      retryBaseMs: 10,
      retryMaxMs: 50,
      ...options,
    });
    shippers.push(created);
    return created;
  }

  beforeAll(async () => {
    t = await startTestService();
    db = new pg.Pool({ connectionString: t.database.url, max: 2 });
    const registered = await call(t.url, '/v1/models/churn/versions/1', {
      method: 'PUT',
      body: CHURN_DEFINITION,
    });
    expect(registered.status).toBe(201);
    gate = await startGate(t.url);
  });

  afterAll(async () => {
    await gate.down();
    await db.end();
    await t.close();
  });

  beforeEach(async () => {
    await db.query('TRUNCATE predictions, prediction_keys');
    await gate.down();
    await gate.up();
    gate.seen.length = 0;
    gate.canned.length = 0;
  });

  afterEach(async () => {
    await Promise.all(shippers.splice(0).map((s) => s.close({ timeoutMs: 100 })));
  });

  async function storedRequestIds(): Promise<string[]> {
    const { rows } = await db.query<{ request_id: string }>('SELECT request_id FROM predictions');
    return rows.map((row) => row.request_id).sort();
  }

  const ids = (from: number, to: number): string[] =>
    Array.from({ length: to - from }, (_, k) => `req-${from + k}`).sort();

  it('delivers logged records in gzipped batches', async () => {
    const s = shipper({ batchSize: 20 });
    for (let i = 0; i < 50; i += 1) s.log(churnRecord(i));

    expect(await s.flush({ timeoutMs: 10_000 })).toBe(true);

    expect(await storedRequestIds()).toEqual(ids(0, 50));
    expect(gate.seen.length).toBeGreaterThanOrEqual(3);
    expect(gate.seen.every((seen) => seen.contentEncoding === 'gzip')).toBe(true);
    expect(s.stats()).toMatchObject({
      buffered: 0,
      sent: 50,
      duplicates: 0,
      dropped: { overflow: 0, invalid: 0, rejected: 0 },
      retries: 0,
    });
  });

  it('returns from log() at once while the sidecar is down and delivers once it is back', async () => {
    await gate.down();
    const s = shipper({ batchSize: 10 });

    for (let i = 0; i < 30; i += 1) {
      const returned: unknown = s.log(churnRecord(i));
      // Synchronous: nothing to await, and the record is buffered before log() returns.
      expect(returned).toBeUndefined();
      expect(s.stats().buffered).toBe(i + 1);
    }
    await vi.waitFor(() => expect(s.stats().retries).toBeGreaterThanOrEqual(2), {
      timeout: 10_000,
    });
    expect(s.stats().lastError).toMatch(/fetch failed/);
    expect(await storedRequestIds()).toEqual([]);

    await gate.up();
    expect(await s.flush({ timeoutMs: 10_000 })).toBe(true);

    expect(await storedRequestIds()).toEqual(ids(0, 30));
    expect(s.stats()).toMatchObject({
      buffered: 0,
      sent: 30,
      duplicates: 0,
      dropped: { overflow: 0, invalid: 0, rejected: 0 },
    });
  });

  it('keeps at most maxBufferedRecords, dropping and counting the oldest', async () => {
    await gate.down();
    const s = shipper({ maxBufferedRecords: 10 });

    for (let i = 0; i < 25; i += 1) s.log(churnRecord(i));
    expect(s.stats().buffered).toBe(10);
    expect(s.stats().dropped.overflow).toBe(15);
    await vi.waitFor(() => expect(s.stats().retries).toBeGreaterThanOrEqual(1), {
      timeout: 10_000,
    });
    expect(s.stats().buffered).toBe(10);

    await gate.up();
    expect(await s.flush({ timeoutMs: 10_000 })).toBe(true);

    expect(await storedRequestIds()).toEqual(ids(15, 25));
    expect(s.stats()).toMatchObject({ sent: 10, dropped: { overflow: 15 } });
  });

  it('waits at least Retry-After before resending a batch answered 503', async () => {
    gate.canned.push({
      status: 503,
      headers: { 'retry-after': '1' },
      body: { error: { code: 'database_unavailable', message: 'try later' } },
    });
    const s = shipper();
    for (let i = 0; i < 5; i += 1) s.log(churnRecord(i));

    expect(await s.flush({ timeoutMs: 10_000 })).toBe(true);

    expect(gate.seen.map((seen) => seen.answered)).toEqual([503, 200]);
    const [first, second] = gate.seen;
    expect(second!.atMs - first!.atMs).toBeGreaterThanOrEqual(900);
    expect(await storedRequestIds()).toEqual(ids(0, 5));
    expect(s.stats()).toMatchObject({ sent: 5, retries: 1 });
  });

  it('retries 429 and 5xx answers', async () => {
    gate.canned.push({ status: 429 }, { status: 500 }, { status: 502 });
    const s = shipper();
    for (let i = 0; i < 5; i += 1) s.log(churnRecord(i));

    expect(await s.flush({ timeoutMs: 10_000 })).toBe(true);

    expect(gate.seen.map((seen) => seen.answered)).toEqual([429, 500, 502, 200]);
    expect(s.stats()).toMatchObject({ sent: 5, retries: 3 });
    expect(await storedRequestIds()).toEqual(ids(0, 5));
  });

  it('counts records the server rejects and never resends them', async () => {
    const s = shipper();
    s.log(churnRecord(0));
    s.log(churnRecord(1, { features: { tenure_months: 'twelve' } }));
    s.log(churnRecord(2));
    s.log(churnRecord(3, { model: 'unknown-model' }));
    expect(await s.flush({ timeoutMs: 10_000 })).toBe(true);

    expect(await storedRequestIds()).toEqual(['req-0', 'req-2']);
    expect(s.stats()).toMatchObject({ sent: 2, dropped: { rejected: 2 }, retries: 0 });
    expect(s.stats().lastError).toMatch(/2 record\(s\) rejected: index 1 wrong_type/);

    // A batch with no valid record is a 400 validation_failed: given up, not retried.
    s.log(churnRecord(4, { model_version: '9' }));
    expect(await s.flush({ timeoutMs: 10_000 })).toBe(true);
    expect(gate.seen.map((seen) => seen.answered)).toEqual([200, 400]);
    expect(s.stats()).toMatchObject({ sent: 2, dropped: { rejected: 3 }, retries: 0 });
    expect(s.stats().lastError).toMatch(/HTTP 400 validation_failed/);
  });

  it('gives up on a 4xx such as 401 without retrying', async () => {
    gate.canned.push({
      status: 401,
      body: { error: { code: 'unauthorized', message: 'missing bearer token' } },
    });
    const s = shipper();
    for (let i = 0; i < 3; i += 1) s.log(churnRecord(i));

    expect(await s.flush({ timeoutMs: 10_000 })).toBe(true);

    expect(gate.seen.map((seen) => seen.answered)).toEqual([401]);
    expect(s.stats()).toMatchObject({ sent: 0, dropped: { rejected: 3 }, retries: 0 });
    expect(s.stats().lastError).toBe('HTTP 401 unauthorized: missing bearer token');
  });

  it('counts input it cannot take as invalid instead of throwing', () => {
    const s = shipper();
    const circular: Record<string, unknown> = {};
    circular.self = circular;

    for (const bad of [null, undefined, 'text', 42, [churnRecord(0)], circular, { n: 1n }]) {
      expect(() => s.log(bad)).not.toThrow();
    }

    expect(s.stats()).toMatchObject({ buffered: 0, dropped: { invalid: 7 } });
    expect(s.stats().lastError).toMatch(/not serialisable/);
  });

  it('sends what is buffered on close() and refuses records afterwards', async () => {
    const s = shipper({ flushIntervalMs: 60_000 });
    for (let i = 0; i < 7; i += 1) s.log(churnRecord(i));

    const final = await s.close({ timeoutMs: 10_000 });
    s.log(churnRecord(7));

    expect(final).toMatchObject({ buffered: 0, sent: 7 });
    expect(s.stats().dropped.invalid).toBe(1);
    expect(await storedRequestIds()).toEqual(ids(0, 7));
  });

  it('stops within the close() timeout while the sidecar is down, keeping the records counted', async () => {
    await gate.down();
    const s = shipper();
    for (let i = 0; i < 4; i += 1) s.log(churnRecord(i));

    const final = await s.close({ timeoutMs: 200 });

    expect(final).toMatchObject({ buffered: 4, sent: 0 });
  });
});

describe('createLogShipper against a service keeping a raw sample', () => {
  let t: TestService;
  let db: pg.Pool;
  let gate: Gate;

  beforeAll(async () => {
    t = await startTestService({ env: { DRIFTWATCH_RAW_FIXED_FRACTION: '0.25' } });
    db = new pg.Pool({ connectionString: t.database.url, max: 2 });
    const registered = await call(t.url, '/v1/models/churn/versions/1', {
      method: 'PUT',
      body: CHURN_DEFINITION,
    });
    expect(registered.status).toBe(201);
    gate = await startGate(t.url);
  });

  afterAll(async () => {
    await gate.down();
    await db.end();
    await t.close();
  });

  it('resends a batch whose answer was lost with the same Idempotency-Key, so it is counted once', async () => {
    const s = createLogShipper({
      url: gate.url,
      batchSize: 20,
      flushIntervalMs: 20,
      retryBaseMs: 10,
      retryMaxMs: 50,
    });
    try {
      gate.loseAnswers = 2;
      for (let i = 0; i < 60; i += 1) s.log(churnRecord(i));
      expect(await s.flush({ timeoutMs: 10_000 })).toBe(true);
    } finally {
      await s.close({ timeoutMs: 1_000 });
    }
    const [first, second, third] = gate.seen;
    expect(first).toMatchObject({ answered: 502 });
    expect(second).toMatchObject({ answered: 502, idempotencyKey: first!.idempotencyKey });
    expect(third).toMatchObject({ answered: 200, idempotencyKey: first!.idempotencyKey });
    expect(new Set(gate.seen.map((seen) => seen.idempotencyKey)).size).toBe(3);
    const { rows } = await db.query<{ summarised: number; raw: number }>(
      `SELECT (SELECT coalesce(sum((summary->>'rows')::int), 0)::int FROM minute_summaries) AS summarised,
              (SELECT count(*)::int FROM predictions) AS raw`,
    );
    expect(rows[0]!.summarised).toBe(60);
    expect(rows[0]!.raw).toBeLessThan(60);
    expect(s.stats()).toMatchObject({ sent: 60, duplicates: 20 });
  });
});
