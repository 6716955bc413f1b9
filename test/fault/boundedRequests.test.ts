/**
 * No request can take the service down: a 32 MB body of `[1,1,…]` (16
 * million bad records), three at once, gets a small answer, the service's
 * memory grows by less than 300 MB, and `/health` answers throughout. An
 * error raised before the body is read leaves the keep-alive connection fit
 * for the client's next request. The service runs as its own process (the
 * real CLI) so that its memory is its own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { call } from '../helpers/service.js';
import { CHURN_DEFINITION, churnRecord } from '../helpers/records.js';

const MAX_BODY_BYTES = 32 * 1024 * 1024;

/** A kernel memory figure of a process (VmRSS, VmHWM) in MiB. */
async function memoryMiB(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!match) throw new Error(`no ${field} for ${pid}`);
  return Number(match[1]) / 1024;
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  reusedSocket: boolean;
}

function request(
  baseUrl: string,
  options: { method: string; path: string; headers?: Record<string, string>; body?: Buffer },
  agent: http.Agent | false = false,
  timeoutMs = 120_000,
): Promise<Answer> {
  const url = new URL(options.path, baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: options.method,
        headers: {
          ...options.headers,
          ...(options.body ? { 'content-length': String(options.body.length) } : {}),
        },
        agent,
        timeout: timeoutMs,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            text: Buffer.concat(chunks).toString('utf8'),
            reusedSocket: req.reusedSocket,
          }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${options.path} timed out`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('bounded requests', () => {
  let database: TestDatabase;
  let child: ChildProcess;
  let url: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli.ts',
        'serve',
        '--port',
        '0',
        '--config',
        'test/fixtures/driftwatch.test.yaml',
      ],
      {
        env: { ...process.env, DATABASE_URL: database.url, DRIFTWATCH_LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not start:\n${output}`)), 60_000);
      const onData = (chunk: Buffer): void => {
        output += chunk.toString();
        const match = /listening on (http:\/\/\S+?)["\s]/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}:\n${output}`)));
    });
    const put = await call(url, '/v1/models/churn/versions/1', {
      method: 'PUT',
      body: CHURN_DEFINITION,
    });
    expect(put.status).toBe(201);
  });

  afterAll(async () => {
    if (child?.pid !== undefined && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    await database?.drop();
  });

  it(
    'answers four 32 MB bodies of [1,1,…] at once (three of predictions, one of labels) with small answers, in bounded memory, staying healthy',
    { timeout: 180_000 },
    async () => {
      const pid = child.pid!;
      // Warm up: one valid batch and one small bad one, so that lazy loading is not counted.
      expect((await call(url, '/v1/predictions', { body: [churnRecord(1)] })).status).toBe(200);
      expect((await call(url, '/v1/predictions', { raw: '[1,1,1]' })).status).toBe(400);
      const baselineMiB = await memoryMiB(pid, 'VmRSS');

      const count = Math.floor((MAX_BODY_BYTES - 2) / 2);
      // ",1,1,…,1," with its first and last comma made brackets: "[1,1,…,1]".
      const body = Buffer.alloc(count * 2 + 1, ',1');
      body[0] = 0x5b;
      body[body.length - 1] = 0x5d;
      expect(body.subarray(0, 4).toString()).toBe('[1,1');
      expect(body.subarray(-4).toString()).toBe(',1,1]'.slice(1));
      expect(body.length).toBeLessThanOrEqual(MAX_BODY_BYTES);

      let uploading = true;
      const healthLatencies: number[] = [];
      const healthFailures: string[] = [];
      let peakSampledMiB = baselineMiB;
      const watcher = (async () => {
        // Bounded: at most 20 minutes of 100 ms probes.
        for (let i = 0; uploading && i < 12_000; i += 1) {
          const started = performance.now();
          try {
            const health = await request(url, { method: 'GET', path: '/health' }, false, 5_000);
            if (health.status !== 200) healthFailures.push(`status ${health.status}`);
          } catch (error) {
            healthFailures.push(String(error));
          }
          healthLatencies.push(performance.now() - started);
          peakSampledMiB = Math.max(peakSampledMiB, await memoryMiB(pid, 'VmRSS'));
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      })();

      let answers: Answer[];
      try {
        answers = await Promise.all(
          // Three to the predictions endpoint, one to the labels endpoint.
          ['/v1/predictions', '/v1/predictions', '/v1/predictions', '/v1/labels'].map((path) =>
            request(url, {
              method: 'POST',
              path,
              headers: { 'content-type': 'application/json' },
              body,
            }),
          ),
        );
      } finally {
        uploading = false;
        await watcher;
      }
      const peakMiB = Math.max(peakSampledMiB, await memoryMiB(pid, 'VmHWM'));

      for (const answer of answers) {
        expect(answer.status).toBe(400);
        expect(answer.headers['content-type']).toMatch(/^application\/json/);
        expect(answer.text.length).toBeLessThan(64 * 1024);
        const parsed = JSON.parse(answer.text) as {
          error: { code: string };
          rejected: unknown[];
          rejected_count: number;
        };
        expect(parsed.error.code).toBe('validation_failed');
        expect(parsed.rejected).toHaveLength(100);
        expect(parsed.rejected_count).toBe(count);
      }
      expect(healthFailures).toEqual([]);
      expect(healthLatencies.length).toBeGreaterThan(0);
      // Growth of the service's resident memory over the whole test, peak included.
      expect(peakMiB - baselineMiB).toBeLessThan(300);
      // The measured figures, for docs/reliability.md.
      // eslint-disable-next-line no-console
      console.info(
        `4 × 32 MB: RSS ${baselineMiB.toFixed(0)} → peak ${peakMiB.toFixed(0)} MiB; /health max ${Math.max(...healthLatencies).toFixed(0)} ms over ${healthLatencies.length} probes`,
      );
    },
  );

  it('answers the next request on the same keep-alive connection after an error raised before the body was read', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const early: {
        name: string;
        headers: Record<string, string>;
        body: Buffer;
        status: number;
      }[] = [
        {
          name: 'body_unparseable at the first byte of a 512 KiB JSON body',
          headers: { 'content-type': 'application/json' },
          body: Buffer.alloc(512 * 1024, 'x'),
          status: 400,
        },
        {
          name: 'unsupported content type with a 512 KiB body',
          headers: { 'content-type': 'text/plain' },
          body: Buffer.alloc(512 * 1024, 'y'),
          status: 415,
        },
      ];
      for (const item of early) {
        const first = await request(
          url,
          { method: 'POST', path: '/v1/predictions', headers: item.headers, body: item.body },
          agent,
          10_000,
        );
        expect(first.status, item.name).toBe(item.status);
        const next = await request(url, { method: 'GET', path: '/health' }, agent, 5_000);
        expect(next.status, item.name).toBe(200);
        expect(next.reusedSocket, item.name).toBe(true);
      }

      // A body too large to drain: the answer closes the connection (the
      // client may see that as EPIPE/ECONNRESET while still sending), and
      // the client's next request goes out on a new one and is answered.
      const large = await request(
        url,
        {
          method: 'POST',
          path: '/v1/predictions',
          headers: { 'content-type': 'application/json' },
          body: Buffer.alloc(8 * 1024 * 1024, 'z'),
        },
        agent,
        10_000,
      ).catch((error: NodeJS.ErrnoException) => error);
      if (large instanceof Error) {
        expect(['EPIPE', 'ECONNRESET']).toContain(large.code);
      } else {
        expect(large.status).toBe(400);
        expect(large.headers.connection).toBe('close');
      }
      const after = await request(url, { method: 'GET', path: '/health' }, agent, 5_000);
      expect(after.status).toBe(200);
    } finally {
      agent.destroy();
    }
  });
});
