/**
 * The send loop of driftwatch/client against a fake server (a `fetch`
 * stand-in): how it isolates a record the server keeps failing on, and how it
 * tells that from an outage. The real service is in test/integration and
 * test/fault.
 */
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createLogShipper,
  type LogShipper,
  type LogShipperOptions,
} from '../../../src/client/index.js';

interface FakeAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** Request ids of each request, in order; `answer` decides the reply. */
function fakeServer(answer: (ids: string[]) => FakeAnswer) {
  const requests: string[][] = [];
  /** The Idempotency-Key header of each request, in order. */
  const keys: (string | undefined)[] = [];
  const fetchImpl = ((_url: URL, init: RequestInit) => {
    keys.push((init.headers as Record<string, string>)['idempotency-key']);
    const text = gunzipSync(init.body as Uint8Array).toString('utf8');
    const ids = text
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => (JSON.parse(line) as { request_id: string }).request_id);
    requests.push(ids);
    const reply = answer(ids);
    return Promise.resolve(
      new Response(JSON.stringify(reply.body ?? {}), {
        status: reply.status,
        headers: { 'content-type': 'application/json', ...reply.headers },
      }),
    );
  }) as unknown as typeof fetch;
  return { requests, keys, fetchImpl };
}

const stored = (ids: string[]): FakeAnswer => ({
  status: 200,
  body: { accepted: ids.length, duplicates: 0, rejected: [], rejected_count: 0 },
});

const internal: FakeAnswer = {
  status: 500,
  body: { error: { code: 'internal', message: 'internal error' } },
};

describe('createLogShipper against a server failing on one record', () => {
  const shippers: LogShipper[] = [];

  function shipper(options: Partial<LogShipperOptions>): LogShipper {
    const created = createLogShipper({
      url: 'http://driftwatch.invalid',
      batchSize: 16,
      flushIntervalMs: 10,
      retryBaseMs: 1,
      retryMaxMs: 1,
      random: () => 0,
      ...options,
    });
    shippers.push(created);
    return created;
  }

  afterEach(async () => {
    await Promise.all(shippers.splice(0).map((s) => s.close({ timeoutMs: 100 })));
  });

  const record = (i: number, requestId = `req-${i}`) => ({
    model: 'churn',
    model_version: '1',
    request_id: requestId,
    features: { plan: 'basic' },
  });

  it('splits the failing batch, sets the record aside once, and sends every other record in order', async () => {
    const delivered: string[] = [];
    const server = fakeServer((ids) => {
      if (ids.includes('poison')) return internal;
      delivered.push(...ids);
      return stored(ids);
    });
    const warnings: { details: Record<string, unknown>; message: string }[] = [];
    const s = shipper({
      fetch: server.fetchImpl,
      logger: { warn: (details, message) => warnings.push({ details, message }) },
    });
    for (let i = 0; i < 100; i += 1) s.log(record(i, i === 37 ? 'poison' : `req-${i}`));

    expect(await s.flush({ timeoutMs: 5000 })).toBe(true);

    const expected = Array.from({ length: 100 }, (_, i) => `req-${i}`).filter(
      (id) => id !== 'req-37',
    );
    expect(delivered).toEqual(expected);
    expect(s.stats()).toMatchObject({
      buffered: 0,
      sent: 99,
      dropped: { overflow: 0, invalid: 0, rejected: 0, poisoned: 1 },
    });
    expect(s.stats().lastError).toMatch(/set aside after 3 failures: HTTP 500 internal/);
    expect(warnings).toEqual([
      {
        details: expect.objectContaining({ model: 'churn', requestId: 'poison' }) as unknown,
        message: 'driftwatch kept failing on one record; set it aside',
      },
    ]);
    // Batch [32, 48) holds it: 16 → 8 → 4 → 2 → 1, three tries at each size.
    const withPoison = server.requests.filter((ids) => ids.includes('poison'));
    expect(withPoison.map((ids) => ids.length)).toEqual([
      16, 16, 16, 8, 8, 8, 4, 4, 4, 2, 2, 2, 1, 1, 1,
    ]);
    // Never resent after it was set aside.
    const lastTry = server.requests.lastIndexOf(withPoison[withPoison.length - 1]!);
    expect(server.requests.slice(lastTry + 1).flat()).not.toContain('poison');
    // The rest of the failing batch goes in the halves left to send, then full batches again.
    expect(server.requests.slice(lastTry + 1).map((ids) => ids.length)).toEqual([
      2, 8, 16, 16, 16, 4,
    ]);
  });

  it('never splits a batch while driftwatch answers 503 with Retry-After', async () => {
    let failures = 0;
    const server = fakeServer((ids) => {
      if (failures < 8) {
        failures += 1;
        return {
          status: 503,
          headers: { 'retry-after': '0' },
          body: { error: { code: 'database_unavailable', message: 'down' } },
        };
      }
      return stored(ids);
    });
    const s = shipper({ fetch: server.fetchImpl });
    for (let i = 0; i < 10; i += 1) s.log(record(i));

    expect(await s.flush({ timeoutMs: 5000 })).toBe(true);

    expect(server.requests.map((ids) => ids.length)).toEqual(Array<number>(9).fill(10));
    expect(s.stats()).toMatchObject({ sent: 10, retries: 8, dropped: { poisoned: 0 } });
  });

  it('never splits nor sets aside on 502/504 from a proxy or on network errors', async () => {
    let calls = 0;
    const server = fakeServer((ids) => {
      calls += 1;
      if (calls <= 4) return { status: calls % 2 === 0 ? 502 : 504 };
      return stored(ids);
    });
    let networkErrors = 0;
    const flaky = ((url: URL, init: RequestInit) => {
      if (networkErrors < 4) {
        networkErrors += 1;
        return Promise.reject(new TypeError('fetch failed'));
      }
      return server.fetchImpl(url, init);
    }) as typeof fetch;
    const s = shipper({ fetch: flaky });
    s.log(record(0));

    expect(await s.flush({ timeoutMs: 5000 })).toBe(true);

    expect(server.requests).toEqual([['req-0'], ['req-0'], ['req-0'], ['req-0'], ['req-0']]);
    expect(s.stats()).toMatchObject({ sent: 1, retries: 8, dropped: { poisoned: 0 } });
  });

  it('an outage answer between two 500s starts the count over', async () => {
    const answers: FakeAnswer[] = [internal, internal, { status: 503 }, internal, internal];
    const server = fakeServer((ids) => answers.shift() ?? stored(ids));
    const s = shipper({ fetch: server.fetchImpl });
    for (let i = 0; i < 4; i += 1) s.log(record(i));

    expect(await s.flush({ timeoutMs: 5000 })).toBe(true);

    expect(server.requests.map((ids) => ids.length)).toEqual([4, 4, 4, 4, 4, 4]);
    expect(s.stats()).toMatchObject({ sent: 4, dropped: { poisoned: 0 } });
  });

  it('counts rejected_count, not only the rejections listed', async () => {
    const server = fakeServer((ids) => ({
      status: 200,
      body: {
        accepted: ids.length - 5,
        duplicates: 0,
        rejected: [{ index: 0, code: 'bad_value', message: 'NUL' }],
        rejected_count: 5,
      },
    }));
    const s = shipper({ fetch: server.fetchImpl });
    for (let i = 0; i < 16; i += 1) s.log(record(i));

    expect(await s.flush({ timeoutMs: 5000 })).toBe(true);

    expect(s.stats()).toMatchObject({ sent: 11, dropped: { rejected: 5 } });
    expect(s.stats().lastError).toBe('5 record(s) rejected: index 0 bad_value');
  });

  it('counts the rejections listed when the server sends no rejected_count', async () => {
    const server = fakeServer((ids) => ({
      status: 200,
      body: {
        accepted: ids.length - 2,
        duplicates: 0,
        rejected: [
          { index: 0, code: 'wrong_type', message: 'x' },
          { index: 3, code: 'wrong_type', message: 'y' },
        ],
      },
    }));
    const s = shipper({ fetch: server.fetchImpl });
    for (let i = 0; i < 16; i += 1) s.log(record(i));

    expect(await s.flush({ timeoutMs: 5000 })).toBe(true);

    expect(s.stats()).toMatchObject({ sent: 14, dropped: { rejected: 2 } });
  });

  it('keeps sending when the logger throws', async () => {
    const server = fakeServer((ids) => (ids.includes('poison') ? internal : stored(ids)));
    const s = shipper({
      fetch: server.fetchImpl,
      logger: {
        warn() {
          throw new Error('logger broken');
        },
      },
    });
    s.log(record(0, 'poison'));
    s.log(record(1));

    expect(await s.flush({ timeoutMs: 5000 })).toBe(true);

    expect(s.stats()).toMatchObject({ sent: 1, dropped: { poisoned: 1 } });
  });

  it('refuses an isolateAfterFailures that is not a positive integer', () => {
    expect(() => createLogShipper({ url: 'http://x', isolateAfterFailures: 0 })).toThrow(
      /isolateAfterFailures/,
    );
  });
});

describe('createLogShipper idempotency keys', () => {
  const shippers: LogShipper[] = [];
  afterEach(async () => {
    await Promise.all(shippers.splice(0).map((s) => s.close({ timeoutMs: 100 })));
  });
  const record = (i: number) => ({
    model: 'churn',
    model_version: '1',
    request_id: `req-${i}`,
    features: { plan: 'basic' },
  });

  it('reuses one key across the retries of a batch, which keeps its records, and gives the next batch a new key', async () => {
    let calls = 0;
    const late: { shipper?: LogShipper } = {};
    const server = fakeServer((ids) => {
      calls += 1;
      if (calls === 1) {
        // Logged while the first attempt fails: must not join its retry.
        for (let i = 3; i < 6; i += 1) late.shipper!.log(record(i));
        return { status: 503, headers: { 'retry-after': '0' } };
      }
      if (calls === 2) return { status: 504 };
      return stored(ids);
    });
    const s = createLogShipper({
      url: 'http://driftwatch.invalid',
      batchSize: 16,
      flushIntervalMs: 10,
      retryBaseMs: 1,
      retryMaxMs: 1,
      random: () => 0,
      fetch: server.fetchImpl,
    });
    late.shipper = s;
    shippers.push(s);
    for (let i = 0; i < 3; i += 1) s.log(record(i));
    expect(await s.flush({ timeoutMs: 5000 })).toBe(true);
    // The records logged during the first attempt.
    expect(await s.flush({ timeoutMs: 5000 })).toBe(true);

    expect(server.requests).toEqual([
      ['req-0', 'req-1', 'req-2'],
      ['req-0', 'req-1', 'req-2'],
      ['req-0', 'req-1', 'req-2'],
      ['req-3', 'req-4', 'req-5'],
    ]);
    const [first, second, third, fourth] = server.keys;
    expect(first).toMatch(/^[\x20-\x7e]{1,200}$/);
    expect(second).toBe(first);
    expect(third).toBe(first);
    expect(fourth).toBeDefined();
    expect(fourth).not.toBe(first);
  });

  it('gives the halves of a split batch keys of their own, stable across their retries', async () => {
    const server = fakeServer((ids) =>
      ids.includes('req-1') && ids.length > 1 ? internal : stored(ids),
    );
    const s = createLogShipper({
      url: 'http://driftwatch.invalid',
      batchSize: 4,
      flushIntervalMs: 10,
      retryBaseMs: 1,
      retryMaxMs: 1,
      isolateAfterFailures: 2,
      random: () => 0,
      fetch: server.fetchImpl,
    });
    shippers.push(s);
    for (let i = 0; i < 4; i += 1) s.log(record(i));
    expect(await s.flush({ timeoutMs: 5000 })).toBe(true);

    const keyOf = (ids: string[]) =>
      new Set(server.keys.filter((_, i) => server.requests[i]!.join() === ids.join()));
    const whole = keyOf(['req-0', 'req-1', 'req-2', 'req-3']);
    const firstHalf = keyOf(['req-0', 'req-1']);
    expect(whole.size).toBe(1);
    expect(firstHalf.size).toBe(1);
    expect([...firstHalf][0]).not.toBe([...whole][0]);
    const keys = new Set(server.keys);
    // whole, [0,1], [0], [1], [2,3]: five batches, five keys.
    expect(keys.size).toBe(5);
  });
});
