/**
 * Webhooks end to end on the real PostgreSQL, with real HTTP receivers on
 * 127.0.0.1: the outbox written with its run, the dispatcher's retries,
 * timeouts, leases and dead letters, Alertmanager intake, and the documented
 * signature snippets run against a captured delivery.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { webhooksSchema, type WebhooksConfig } from '../../src/config/webhooksSchema.js';
import type { CheckRun, NewRun } from '../../src/core/run.js';
import { startService } from '../../src/main.js';
import { migrate } from '../../src/storage/migrations.js';
import { OutboxStore } from '../../src/storage/outboxStore.js';
import { createPool, type Pool } from '../../src/storage/pool.js';
import { RunStore } from '../../src/storage/runStore.js';
import { Metrics } from '../../src/telemetry/metrics.js';
import { WebhookDispatcher } from '../../src/webhooks/dispatcher.js';
import { WebhookOutbox } from '../../src/webhooks/outbox.js';
import { signatureMatches } from '../../src/webhooks/signature.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { metricValue } from '../helpers/metrics.js';
import { CHURN_DEFINITION } from '../helpers/records.js';
import { call } from '../helpers/service.js';

const exec = promisify(execFile);
const SECRET = 'webhook-secret-0123456789';
const silent = pino({ level: 'silent' });

interface Captured {
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

type Responder = (request: Captured, index: number) => { status: number; delayMs?: number };

/** A local HTTP receiver; `respond` decides each answer; `down()`/`up()` on the same port. */
class Receiver {
  readonly requests: Captured[] = [];
  respond: Responder = () => ({ status: 200 });
  private server: Server | null = null;
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  async up(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const captured = {
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          at: Date.now(),
        };
        this.requests.push(captured);
        const answer = this.respond(captured, this.requests.length - 1);
        const send = () => {
          if (res.destroyed) return;
          res.writeHead(answer.status, { 'content-type': 'text/plain' }).end('ok');
        };
        if (answer.delayMs) setTimeout(send, answer.delayMs).unref();
        else send();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Requests that carried this idempotency key. */
  keys(): string[] {
    return this.requests.map((r) => String(r.headers['idempotency-key']));
  }
}

async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
}

function webhooksConfig(
  targets: { name: string; url: string; events?: string[] }[],
  overrides: Record<string, unknown> = {},
): WebhooksConfig {
  return webhooksSchema.parse({
    targets: targets.map((t) => ({
      name: t.name,
      url: t.url,
      events: t.events ?? ['dataset_drift', 'score_drift', 'parity_broken', 'check_failed'],
      secretEnv: 'UNUSED',
      secret: SECRET,
    })),
    consecutiveDriftRuns: 2,
    timeoutMs: 1_000,
    maxAgeHours: 1,
    pollIntervalMs: 20,
    initialBackoffMs: 20,
    maxBackoffMs: 40,
    ...overrides,
  });
}

let database: TestDatabase;
let pool: Pool;
let runs: RunStore;
let store: OutboxStore;

beforeAll(async () => {
  database = await createTestDatabase();
  pool = createPool({ url: database.url, max: 10 });
  await migrate(pool);
  runs = new RunStore(pool);
  store = new OutboxStore(pool);
});

afterAll(async () => {
  await pool.end();
  await database.drop();
});

let windowEndMs = Date.UTC(2026, 0, 1, 0, 30);

/** A stored run of a fresh hour (so each gets its own dedup key), its events through the outbox. */
async function storeRun(
  outbox: WebhookOutbox,
  model: string,
  overrides: Partial<NewRun> & { datasetDrifted?: boolean; scoreDrifted?: boolean } = {},
): Promise<CheckRun> {
  windowEndMs += 3_600_000;
  const { datasetDrifted = false, scoreDrifted = false, ...rest } = overrides;
  const run: NewRun = {
    model,
    version: '1',
    kind: 'drift',
    trigger: 'schedule',
    windowStart: new Date(windowEndMs - 3_600_000),
    windowEnd: new Date(windowEndMs),
    status: datasetDrifted || scoreDrifted ? 'drift' : 'ok',
    path: 'exact',
    rows: 1000,
    startedAt: new Date(windowEndMs),
    finishedAt: new Date(windowEndMs + 1000),
    summary: {
      dataset: {
        share: datasetDrifted ? 0.6 : 0,
        drifted: datasetDrifted,
        driftedFeatures: 3,
        testedFeatures: 5,
        threshold: 0.5,
      },
      driftedFeatures: datasetDrifted ? ['tenure', 'plan', 'charges'] : [],
      score: { status: 'ok', drifted: scoreDrifted, pValue: 0.5, statistic: 0.01 },
    },
    error: null,
    results: [],
    ...rest,
  };
  return runs.insert(run, outbox.onRunStored);
}

function outboxFor(config: WebhooksConfig): WebhookOutbox {
  return new WebhookOutbox({
    config,
    pool,
    runs,
    baseUrl: 'https://dw.example.com',
    logger: silent,
    now: Date.now,
  });
}

function dispatcherFor(
  config: WebhooksConfig,
  options: { pool?: Pool; owner?: string; metrics?: Metrics } = {},
): { dispatcher: WebhookDispatcher; metrics: Metrics } {
  const metrics = options.metrics ?? new Metrics({ defaultMetrics: false });
  const dispatcher = new WebhookDispatcher({
    config,
    store: new OutboxStore(options.pool ?? pool),
    metrics,
    logger: silent,
    owner: options.owner ?? `test-${randomUUID()}`,
    random: () => 1,
  });
  return { dispatcher, metrics };
}

async function outcomes(metrics: Metrics, target: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const value of (await metrics.webhookDeliveriesTotal.get()).values) {
    if (value.labels.target !== target) continue;
    const outcome = String(value.labels.outcome);
    counts[outcome] = (counts[outcome] ?? 0) + value.value;
  }
  return counts;
}

async function rowsOf(model: string) {
  return store.list({ model, limit: 500 });
}

describe('the outbox', () => {
  it('sends dataset_drift only after N consecutive drifted runs of the version', async () => {
    const outbox = outboxFor(webhooksConfig([{ name: 'policy', url: 'http://127.0.0.1:9/x' }]));
    await storeRun(outbox, 'policy', { datasetDrifted: true });
    await storeRun(outbox, 'policy', { datasetDrifted: false });
    await storeRun(outbox, 'policy', { datasetDrifted: true });
    expect(await rowsOf('policy')).toEqual([]);
    // An error run says nothing about drift and does not break the streak…
    const failed = await storeRun(outbox, 'policy', {
      status: 'error',
      error: 'boom',
      summary: {},
    });
    const second = await storeRun(outbox, 'policy', { datasetDrifted: true });
    const rows = await rowsOf('policy');
    expect(rows.map((r) => r.event).sort()).toEqual(['check_failed', 'dataset_drift']);
    const drift = rows.find((r) => r.event === 'dataset_drift')!;
    expect(drift.runId).toBe(second.id);
    expect(drift.payload).toMatchObject({
      event: 'dataset_drift',
      model: 'policy',
      model_version: '1',
      run_id: second.id,
      drifted_features: ['tenure', 'plan', 'charges'],
      drift_streak: 2,
      links: {
        run: `https://dw.example.com/v1/runs/${second.id}`,
        page: `https://dw.example.com/runs/${second.id}`,
      },
      window: { end: second.windowEnd.toISOString() },
    });
    expect(rows.find((r) => r.event === 'check_failed')!.runId).toBe(failed.id);
  });

  it('sends score_drift at once and only to targets subscribed to it', async () => {
    const outbox = outboxFor(
      webhooksConfig([
        { name: 'scores', url: 'http://127.0.0.1:9/a', events: ['score_drift'] },
        { name: 'others', url: 'http://127.0.0.1:9/b', events: ['check_failed'] },
      ]),
    );
    await storeRun(outbox, 'scored', { scoreDrifted: true });
    const rows = await rowsOf('scored');
    expect(rows.map((r) => [r.event, r.target])).toEqual([['score_drift', 'scores']]);
  });

  it('rolls the event back with its run', async () => {
    const outbox = outboxFor(webhooksConfig([{ name: 'rollback', url: 'http://127.0.0.1:9/x' }]));
    const failing = async (...args: Parameters<WebhookOutbox['onRunStored']>) => {
      await outbox.onRunStored(...args);
      throw new Error('after the outbox');
    };
    await expect(
      runs.insert(
        {
          model: 'rollback',
          version: '1',
          kind: 'drift',
          trigger: 'manual',
          windowStart: new Date(0),
          windowEnd: new Date(1000),
          status: 'error',
          path: null,
          rows: null,
          startedAt: new Date(0),
          finishedAt: new Date(1000),
          summary: {},
          error: 'x',
          results: [],
        },
        failing,
      ),
    ).rejects.toThrow('after the outbox');
    expect(await rowsOf('rollback')).toEqual([]);
  });

  it('turns a firing Alertmanager alert into the event the check raised (deduplicated)', async () => {
    const outbox = outboxFor(webhooksConfig([{ name: 'am', url: 'http://127.0.0.1:9/x' }]));
    await storeRun(outbox, 'am-model', { datasetDrifted: true });
    const run = await storeRun(outbox, 'am-model', { datasetDrifted: true });
    expect((await rowsOf('am-model')).length).toBe(1);
    const alert = (name: string, status: 'firing' | 'resolved' = 'firing', model = 'am-model') => ({
      status,
      labels: { alertname: name, model, model_version: '1', severity: 'page' },
      annotations: { summary: 'drift' },
      startsAt: new Date().toISOString(),
      endsAt: '0001-01-01T00:00:00Z',
      fingerprint: randomUUID(),
    });
    const result = await outbox.fromAlertmanager({
      version: '4',
      status: 'firing',
      alerts: [
        alert('DriftwatchDatasetDrift'),
        alert('DriftwatchDatasetDrift', 'resolved'),
        alert('DriftwatchDown'),
        alert('DriftwatchServingParityBroken', 'firing', 'am-parity'),
      ],
    });
    expect(result.ignored).toBe(2);
    expect(result.events.map((e) => e.event)).toEqual(['dataset_drift', 'parity_broken']);
    const rows = await rowsOf('am-model');
    expect(rows).toHaveLength(1);
    expect(rows[0]!.source).toBe('check');
    expect(rows[0]!.runId).toBe(run.id);
    // No parity run exists for am-parity: the alert alone makes the event.
    const parity = await rowsOf('am-parity');
    expect(parity.map((r) => [r.event, r.source, r.runId])).toEqual([
      ['parity_broken', 'alertmanager', null],
    ]);
    // The same notification again (Alertmanager repeats) adds nothing.
    await outbox.fromAlertmanager({
      alerts: [alert('DriftwatchServingParityBroken', 'firing', 'am-parity')],
    });
    expect(await rowsOf('am-parity')).toHaveLength(1);
  });
});

describe('the dispatcher', () => {
  it('delivers an event once after the receiver comes back up', async () => {
    const receiver = new Receiver();
    await receiver.up();
    await receiver.down(); // keeps its port: connections are refused until up()
    const config = webhooksConfig([{ name: 'downup', url: receiver.url }]);
    const outbox = outboxFor(config);
    await storeRun(outbox, 'downup', { status: 'error', error: 'x', summary: {} });
    const { dispatcher, metrics } = dispatcherFor(config);
    dispatcher.start();
    try {
      await waitFor(async () => ((await rowsOf('downup'))[0]!.attempts >= 2 ? true : undefined));
      expect((await rowsOf('downup'))[0]!.lastError).toMatch(/fetch failed|ECONNREFUSED/);
      await receiver.up();
      await waitFor(async () =>
        (await rowsOf('downup'))[0]!.status === 'delivered' ? true : undefined,
      );
      expect(receiver.requests).toHaveLength(1);
      const counts = await outcomes(metrics, 'downup');
      expect(counts.delivered).toBe(1);
      expect(counts.failed).toBeGreaterThanOrEqual(2);
    } finally {
      await dispatcher.stop();
      await receiver.down();
    }
  });

  it('retries after 5xx answers until a 2xx, with the same idempotency key and a valid signature', async () => {
    const receiver = new Receiver();
    receiver.respond = (_r, index) => ({ status: index < 2 ? 503 : 200 });
    await receiver.up();
    const config = webhooksConfig([{ name: 'retry', url: receiver.url }]);
    await storeRun(outboxFor(config), 'retry', { status: 'error', error: 'x', summary: {} });
    const { dispatcher, metrics } = dispatcherFor(config);
    dispatcher.start();
    try {
      const row = await waitFor(async () => {
        const first = (await rowsOf('retry'))[0]!;
        return first.status === 'delivered' ? first : undefined;
      });
      expect(row.attempts).toBe(3);
      expect(row.lastStatus).toBe(200);
      expect(receiver.requests).toHaveLength(3);
      expect(new Set(receiver.keys())).toEqual(new Set([row.eventId]));
      for (const request of receiver.requests) {
        const timestamp = Number(request.headers['x-driftwatch-timestamp']);
        const signature = String(request.headers['x-driftwatch-signature']);
        expect(signatureMatches(SECRET, timestamp, request.body, signature)).toBe(true);
        expect(request.headers['x-driftwatch-event']).toBe('check_failed');
      }
      expect(await outcomes(metrics, 'retry')).toEqual({ failed: 2, delivered: 1 });
      // Backoff: the retries were not sent back to back.
      const gaps = receiver.requests.slice(1).map((r, i) => r.at - receiver.requests[i]!.at);
      for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(15);
    } finally {
      await dispatcher.stop();
      await receiver.down();
    }
  });

  it('times out a slow receiver and retries', async () => {
    const receiver = new Receiver();
    receiver.respond = (_r, index) => ({ status: 200, delayMs: index === 0 ? 2_000 : 0 });
    await receiver.up();
    const config = webhooksConfig([{ name: 'slow', url: receiver.url }], { timeoutMs: 150 });
    await storeRun(outboxFor(config), 'slow', { status: 'error', error: 'x', summary: {} });
    const { dispatcher, metrics } = dispatcherFor(config);
    dispatcher.start();
    try {
      const row = await waitFor(async () => {
        const first = (await rowsOf('slow'))[0]!;
        return first.status === 'delivered' ? first : undefined;
      });
      expect(row.attempts).toBe(2);
      expect(receiver.requests).toHaveLength(2);
      expect(await outcomes(metrics, 'slow')).toEqual({ failed: 1, delivered: 1 });
    } finally {
      await dispatcher.stop();
      await receiver.down();
    }
  });

  it('dead-letters a delivery that cannot succeed within the maximum age', async () => {
    const receiver = new Receiver();
    receiver.respond = () => ({ status: 500 });
    await receiver.up();
    // 0.0001 h = 360 ms.
    const config = webhooksConfig([{ name: 'dead', url: receiver.url }], { maxAgeHours: 0.0001 });
    await storeRun(outboxFor(config), 'dead', { status: 'error', error: 'x', summary: {} });
    const { dispatcher, metrics } = dispatcherFor(config);
    dispatcher.start();
    try {
      const row = await waitFor(async () => {
        const first = (await rowsOf('dead'))[0]!;
        return first.status === 'dead' ? first : undefined;
      });
      expect(row.lastStatus).toBe(500);
      const counts = await outcomes(metrics, 'dead');
      expect(counts.dead_letter).toBe(1);
      expect(counts.delivered).toBeUndefined();
      const sent = receiver.requests.length;
      await dispatcher.tick();
      expect(receiver.requests.length).toBe(sent);
    } finally {
      await dispatcher.stop();
      await receiver.down();
    }
  });

  it('does not follow a redirect to another host', async () => {
    const other = new Receiver();
    await other.up();
    const receiver = new Receiver();
    // localhost is another origin than 127.0.0.1.
    receiver.respond = () => ({ status: 307 });
    const server = createServer((_req, res) => {
      res.writeHead(307, { location: `http://localhost:${other.port}/hook` }).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const config = webhooksConfig([{ name: 'redirect', url }]);
    await storeRun(outboxFor(config), 'redirect', { status: 'error', error: 'x', summary: {} });
    const { dispatcher } = dispatcherFor(config);
    try {
      await dispatcher.tick();
      const row = (await rowsOf('redirect'))[0]!;
      expect(row.status).toBe('pending');
      expect(row.lastStatus).toBe(307);
      expect(row.lastError).toMatch(/redirect to http:\/\/localhost:\d+ not followed/);
      expect(other.requests).toHaveLength(0);
    } finally {
      await dispatcher.stop();
      await other.down();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('delivers each event once with two dispatchers on separate connections', async () => {
    const receiver = new Receiver();
    receiver.respond = () => ({ status: 200, delayMs: 5 });
    await receiver.up();
    const config = webhooksConfig(
      [
        { name: 'pair-a', url: receiver.url },
        { name: 'pair-b', url: receiver.url },
      ],
      { batchSize: 3 },
    );
    const outbox = outboxFor(config);
    for (let i = 0; i < 15; i += 1)
      await storeRun(outbox, 'pair', { status: 'error', error: 'x', summary: {} });
    const otherPool = createPool({ url: database.url, max: 4 });
    const first = dispatcherFor(config, { owner: 'replica-1' });
    const second = dispatcherFor(config, { owner: 'replica-2', pool: otherPool });
    first.dispatcher.start();
    second.dispatcher.start();
    try {
      await waitFor(async () => {
        const rows = await rowsOf('pair');
        return rows.length === 30 && rows.every((r) => r.status === 'delivered') ? true : undefined;
      });
      const sent = receiver.requests.map(
        (r) =>
          `${String(r.headers['idempotency-key'])}/${String(r.headers['x-driftwatch-delivery'])}`,
      );
      expect(sent).toHaveLength(30);
      expect(new Set(sent).size).toBe(30);
      const a = await outcomes(first.metrics, 'pair-a');
      const b = await outcomes(second.metrics, 'pair-a');
      expect((a.delivered ?? 0) + (b.delivered ?? 0)).toBe(15);
    } finally {
      await first.dispatcher.stop();
      await second.dispatcher.stop();
      await otherPool.end();
      await receiver.down();
    }
  });

  it('keeps a delivery through a restart in the middle of its retries', async () => {
    const receiver = new Receiver();
    receiver.respond = () => ({ status: 502 });
    await receiver.up();
    const config = webhooksConfig([{ name: 'restart', url: receiver.url }], {
      initialBackoffMs: 200,
      maxBackoffMs: 200,
    });
    await storeRun(outboxFor(config), 'restart', { status: 'error', error: 'x', summary: {} });
    const beforePool = createPool({ url: database.url, max: 2 });
    const before = dispatcherFor(config, { pool: beforePool, owner: 'before-restart' });
    before.dispatcher.start();
    await waitFor(async () =>
      (await rowsOf('restart'))[0]!.attempts === 1 && receiver.requests.length === 1
        ? true
        : undefined,
    );
    await waitFor(async () =>
      (await rowsOf('restart'))[0]!.lastStatus === 502 ? true : undefined,
    );
    await before.dispatcher.stop();
    await beforePool.end();

    const pending = (await rowsOf('restart'))[0]!;
    expect(pending.status).toBe('pending');
    expect(pending.attempts).toBe(1);
    receiver.respond = () => ({ status: 204 });
    const afterPool = createPool({ url: database.url, max: 2 });
    const after = dispatcherFor(config, { pool: afterPool, owner: 'after-restart' });
    after.dispatcher.start();
    try {
      const row = await waitFor(async () => {
        const first = (await rowsOf('restart'))[0]!;
        return first.status === 'delivered' ? first : undefined;
      });
      expect(row.attempts).toBe(2);
      expect(receiver.requests.map((r) => r.headers['idempotency-key'])).toEqual([
        row.eventId,
        row.eventId,
      ]);
    } finally {
      await after.dispatcher.stop();
      await afterPool.end();
      await receiver.down();
    }
  });
});

describe('the documented signature snippets', () => {
  let captured: Captured;

  beforeAll(async () => {
    const receiver = new Receiver();
    await receiver.up();
    const config = webhooksConfig([{ name: 'snippet', url: receiver.url }]);
    await storeRun(outboxFor(config), 'snippet', {
      status: 'error',
      error: 'naïve ünïcode',
      summary: {},
    });
    const { dispatcher } = dispatcherFor(config);
    await dispatcher.tick();
    await receiver.down();
    captured = receiver.requests[0]!;
    expect(captured).toBeDefined();
  });

  async function snippet(language: 'ts' | 'python'): Promise<string> {
    const doc = await readFile('docs/webhooks.md', 'utf8');
    const match = new RegExp('```' + language + '\\n([\\s\\S]*?)```').exec(doc);
    if (!match?.[1]) throw new Error(`no ${language} snippet in docs/webhooks.md`);
    return match[1];
  }

  it('verifies with the TypeScript snippet', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'dw-snippet-'));
    try {
      const file = path.join(dir, 'verify.ts');
      await writeFile(file, await snippet('ts'));
      const { verifyDriftwatchSignature } = (await import(pathToFileURL(file).href)) as {
        verifyDriftwatchSignature: (
          s: string,
          b: string | Buffer,
          t: string,
          sig: string,
        ) => boolean;
      };
      const timestamp = String(captured.headers['x-driftwatch-timestamp']);
      const signature = String(captured.headers['x-driftwatch-signature']);
      const raw = Buffer.from(captured.body, 'utf8');
      expect(verifyDriftwatchSignature(SECRET, raw, timestamp, signature)).toBe(true);
      expect(verifyDriftwatchSignature(SECRET, captured.body, timestamp, signature)).toBe(true);
      expect(verifyDriftwatchSignature('another-secret-0123456', raw, timestamp, signature)).toBe(
        false,
      );
      expect(verifyDriftwatchSignature(SECRET, captured.body + ' ', timestamp, signature)).toBe(
        false,
      );
      expect(verifyDriftwatchSignature(SECRET, raw, String(Number(timestamp) - 1), signature)).toBe(
        false,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('verifies with the Python snippet', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'dw-snippet-'));
    try {
      const file = path.join(dir, 'verify.py');
      const harness = `
import base64, json, sys
case = json.loads(sys.argv[1])
body = base64.b64decode(case["body"])
print(json.dumps([
    verify_driftwatch_signature(case["secret"], body, case["timestamp"], case["signature"]),
    verify_driftwatch_signature(case["secret"], body + b" ", case["timestamp"], case["signature"]),
    verify_driftwatch_signature("another-secret-0123456", body, case["timestamp"], case["signature"]),
    verify_driftwatch_signature(case["secret"], body, case["timestamp"], case["signature"], now=0),
]))
`;
      await writeFile(file, (await snippet('python')) + harness);
      const input = JSON.stringify({
        secret: SECRET,
        body: Buffer.from(captured.body, 'utf8').toString('base64'),
        timestamp: String(captured.headers['x-driftwatch-timestamp']),
        signature: String(captured.headers['x-driftwatch-signature']),
      });
      const { stdout } = await exec('/usr/bin/python3', [file, input]);
      expect(JSON.parse(stdout)).toEqual([true, false, false, false]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the service', () => {
  it('delivers a failed check, lists it, counts it, and takes Alertmanager notifications', async () => {
    const receiver = new Receiver();
    await receiver.up();
    const db = await createTestDatabase();
    const dir = await mkdtemp(path.join(tmpdir(), 'dw-webhooks-'));
    const file = path.join(dir, 'driftwatch.yaml');
    await writeFile(
      file,
      [
        'server:',
        '  host: 127.0.0.1',
        'models:',
        '  directory: test/fixtures/models',
        'webhooks:',
        '  pollIntervalMs: 20',
        '  initialBackoffMs: 20',
        '  maxBackoffMs: 40',
        '  targets:',
        '    - name: pipeline',
        `      url: ${receiver.url}`,
        '      events: [check_failed, dataset_drift]',
        '      secretEnv: DW_TEST_WEBHOOK_SECRET',
        '      headers: { X-Team: ml-platform }',
        '',
      ].join('\n'),
    );
    const config = loadConfig({
      file,
      env: { DATABASE_URL: db.url, DRIFTWATCH_PORT: '0', DW_TEST_WEBHOOK_SECRET: SECRET },
    });
    const service = await startService(config, { logger: silent });
    try {
      const created = await call(service.url, '/v1/models/svc/versions/1', {
        method: 'PUT',
        body: CHURN_DEFINITION,
      });
      expect([200, 201]).toContain(created.status);
      // No reference imported: the drift check fails and is recorded as an error run.
      const ran = await call<{ runs: { id: number; status: string }[] }>(
        service.url,
        '/v1/models/svc/checks/drift/run',
        { method: 'POST' },
      );
      expect(ran.body.runs[0]!.status).toBe('error');
      const runId = ran.body.runs[0]!.id;

      await waitFor(() => (receiver.requests.length === 1 ? true : undefined));
      const delivery = receiver.requests[0]!;
      expect(delivery.headers['x-team']).toBe('ml-platform');
      expect(JSON.parse(delivery.body)).toMatchObject({
        event: 'check_failed',
        model: 'svc',
        run_id: runId,
        links: { run: `/v1/runs/${runId}`, page: `/runs/${runId}` },
      });

      const listed = await waitFor(async () => {
        const response = await call<{ deliveries: Record<string, unknown>[] }>(
          service.url,
          '/v1/webhooks/deliveries?status=delivered',
        );
        return response.body.deliveries.length === 1 ? response.body.deliveries : undefined;
      });
      expect(listed[0]).toMatchObject({
        event: 'check_failed',
        target: 'pipeline',
        status: 'delivered',
        attempts: 1,
        run_id: runId,
        last_status: 200,
      });
      const metricsText = (await call<string>(service.url, '/metrics')).body;
      expect(
        metricValue(
          metricsText,
          'driftwatch_webhook_deliveries_total{target="pipeline",event="check_failed",outcome="delivered"}',
        ),
      ).toBe(1);
      expect(metricValue(metricsText, 'driftwatch_webhook_outbox_pending{target="pipeline"}')).toBe(
        0,
      );

      const bad = await call(service.url, '/v1/alertmanager', { body: { alerts: 'nope' } });
      expect(bad.status).toBe(400);
      const notified = await call<{ events: unknown[]; ignored: number }>(
        service.url,
        '/v1/alertmanager',
        {
          body: {
            version: '4',
            status: 'firing',
            receiver: 'driftwatch',
            groupLabels: { alertname: 'DriftwatchDatasetDrift' },
            commonLabels: {},
            commonAnnotations: {},
            externalURL: 'http://alertmanager:9093',
            groupKey: '{}:{alertname="DriftwatchDatasetDrift"}',
            truncatedAlerts: 0,
            alerts: [
              {
                status: 'firing',
                labels: {
                  alertname: 'DriftwatchDatasetDrift',
                  model: 'svc',
                  model_version: '1',
                  severity: 'page',
                },
                annotations: { summary: 'Dataset drift' },
                startsAt: new Date().toISOString(),
                endsAt: '0001-01-01T00:00:00Z',
                generatorURL: 'http://prometheus/graph',
                fingerprint: 'abc',
              },
            ],
          },
        },
      );
      expect(notified.status).toBe(200);
      expect(notified.body.events).toHaveLength(1);
      await waitFor(() => (receiver.requests.length === 2 ? true : undefined));
      expect(JSON.parse(receiver.requests[1]!.body)).toMatchObject({
        event: 'dataset_drift',
        source: 'alertmanager',
        model: 'svc',
        run_id: runId,
      });
    } finally {
      await service.close();
      await receiver.down();
      await db.drop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
