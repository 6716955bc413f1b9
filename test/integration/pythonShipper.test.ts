/**
 * The Python shipper of docs/serving-pods.md, run by Debian's python3 against
 * a live driftwatch: its records must arrive in PostgreSQL.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { call, startTestService, type TestService } from '../helpers/service.js';
import { CHURN_DEFINITION } from '../helpers/records.js';

const execFileAsync = promisify(execFile);
const PYTHON = '/usr/bin/python3';
const SNIPPET = 'docs/snippets/driftwatch_shipper.py';

/** Logs `count` valid records plus three bad ones, closes, prints the stats as JSON. */
const DRIVER = `
import json, sys, time
sys.path.insert(0, "docs/snippets")
from driftwatch_shipper import DriftwatchShipper

url, count, prefix = sys.argv[1], int(sys.argv[2]), sys.argv[3]
shipper = DriftwatchShipper(url, batch_size=7, flush_interval_s=0.05,
                            retry_base_s=0.01, retry_max_s=0.1)

def record(i, **features):
    base = {"tenure_months": i % 72, "monthly_charges": 42.5, "support_calls": i % 5,
            "plan": "basic", "region": "eu"}
    base.update(features)
    return {"model": "churn", "model_version": "1", "request_id": "%s-%d" % (prefix, i),
            "timestamp": time.time(), "features": base, "score": 0.25,
            "prediction": 0, "latency_ms": 3.5}

for i in range(count):
    shipper.log(record(i))
shipper.log(record(count, tenure_months=float("nan")))   # not JSON: invalid
shipper.log("not a record")                              # invalid
shipper.log(record(count + 1, tenure_months="twelve"))   # rejected by driftwatch
print(json.dumps(shipper.close(timeout=30)))
`;

interface PythonStats {
  buffered: number;
  sent: number;
  duplicates: number;
  retries: number;
  dropped: { overflow: number; invalid: number; rejected: number };
  last_error: string | null;
}

async function runDriver(url: string, count: number, prefix: string): Promise<PythonStats> {
  const { stdout } = await execFileAsync(PYTHON, ['-c', DRIVER, url, String(count), prefix], {
    timeout: 60_000,
  });
  return JSON.parse(stdout) as PythonStats;
}

describe('the Python shipper of docs/serving-pods.md', () => {
  let t: TestService;
  let db: pg.Pool;

  beforeAll(async () => {
    t = await startTestService();
    db = new pg.Pool({ connectionString: t.database.url, max: 2 });
    const registered = await call(t.url, '/v1/models/churn/versions/1', {
      method: 'PUT',
      body: CHURN_DEFINITION,
    });
    expect(registered.status).toBe(201);
  });

  afterAll(async () => {
    await db.end();
    await t.close();
  });

  beforeEach(async () => {
    await db.query('TRUNCATE predictions, prediction_keys');
  });

  async function storedCount(prefix: string): Promise<number> {
    const { rows } = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM predictions WHERE request_id LIKE $1',
      [`${prefix}-%`],
    );
    return rows[0]!.n;
  }

  it('is included verbatim in docs/serving-pods.md', async () => {
    const doc = await readFile('docs/serving-pods.md', 'utf8');
    const snippet = await readFile(SNIPPET, 'utf8');
    const block =
      /<!-- snippet: docs\/snippets\/driftwatch_shipper\.py -->\n+```python\n([\s\S]*?)```/.exec(
        doc,
      );
    expect(block?.[1]).toBe(snippet);
  });

  it('delivers its records and counts the ones it or the server refuses', async () => {
    const stats = await runDriver(t.url, 40, 'py');

    expect(await storedCount('py')).toBe(40);
    expect(stats).toMatchObject({
      buffered: 0,
      sent: 40,
      duplicates: 0,
      dropped: { overflow: 0, invalid: 2, rejected: 1 },
    });
    expect(stats.last_error).toMatch(/rejected: index \d+ wrong_type/);
  });

  it('retries a 503 no sooner than Retry-After, then delivers', async () => {
    const arrivalsMs: number[] = [];
    const front: Server = createServer((req, res) => {
      arrivalsMs.push(performance.now());
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        if (arrivalsMs.length === 1) {
          res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
          res.end(JSON.stringify({ error: { code: 'database_unavailable', message: 'later' } }));
          return;
        }
        fetch(`${t.url}${req.url ?? '/'}`, {
          method: 'POST',
          headers: {
            'content-type': req.headers['content-type'] ?? 'application/x-ndjson',
            'content-encoding': req.headers['content-encoding'] ?? 'identity',
          },
          body: new Uint8Array(Buffer.concat(chunks)),
        })
          .then(async (upstream) => {
            res.writeHead(upstream.status, { 'content-type': 'application/json' });
            res.end(await upstream.text());
          })
          .catch((error: unknown) => {
            res.writeHead(502);
            res.end(String(error));
          });
      });
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = front.address() as AddressInfo;
      const stats = await runDriver(`http://127.0.0.1:${port}`, 5, 'py503');

      expect(await storedCount('py503')).toBe(5);
      expect(stats).toMatchObject({ sent: 5, dropped: { overflow: 0, rejected: 1 } });
      expect(stats.retries).toBeGreaterThanOrEqual(1);
      expect(arrivalsMs[1]! - arrivalsMs[0]!).toBeGreaterThanOrEqual(900);
    } finally {
      front.closeAllConnections();
      await new Promise<void>((resolve) => front.close(() => resolve()));
    }
  });
  it('resends a batch whose answer was lost with the same Idempotency-Key, answered as a replay', async () => {
    const seen: { key: string | undefined; upstream: string }[] = [];
    const front: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const key = req.headers['idempotency-key'] as string | undefined;
        fetch(`${t.url}${req.url ?? '/'}`, {
          method: 'POST',
          headers: {
            'content-type': req.headers['content-type'] ?? 'application/x-ndjson',
            'content-encoding': req.headers['content-encoding'] ?? 'identity',
            ...(key === undefined ? {} : { 'idempotency-key': key }),
          },
          body: new Uint8Array(Buffer.concat(chunks)),
        })
          .then(async (upstream) => {
            const text = await upstream.text();
            seen.push({ key, upstream: text });
            // The first answer is lost on its way back: stored, but the client sees 502.
            if (seen.length === 1) {
              res.writeHead(502);
              res.end('answer lost');
              return;
            }
            res.writeHead(upstream.status, { 'content-type': 'application/json' });
            res.end(text);
          })
          .catch((error: unknown) => {
            res.writeHead(502);
            res.end(String(error));
          });
      });
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = front.address() as AddressInfo;
      const stats = await runDriver(`http://127.0.0.1:${port}`, 5, 'pykey');

      expect(await storedCount('pykey')).toBe(5);
      expect(seen.length).toBeGreaterThanOrEqual(2);
      expect(seen[0]!.key).toMatch(/^dw-py-[0-9a-f]{32}-0-\d+$/);
      expect(seen[1]!.key).toBe(seen[0]!.key);
      expect(JSON.parse(seen[1]!.upstream)).toMatchObject({ accepted: 0, replay: { accepted: 5 } });
      expect(stats).toMatchObject({ sent: 5, duplicates: 5 });
    } finally {
      front.closeAllConnections();
      await new Promise<void>((resolve) => front.close(() => resolve()));
    }
  });
});
