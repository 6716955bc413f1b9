/** Starts the real service (real PostgreSQL, real HTTP) for a test file. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/load.js';
import { startService, type RunningService } from '../../src/main.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export interface TestService {
  service: RunningService;
  database: TestDatabase;
  url: string;
  close(): Promise<void>;
}

export interface TestServiceOptions {
  env?: Record<string, string>;
  configFile?: string;
  /**
   * YAML for `models.settings` of the test fixture's configuration (indented
   * as under it, starting with a newline), e.g. a model's `segments`.
   */
  modelSettings?: string;
  now?: () => number;
}

/** The test fixture's configuration with `settings` added under `models.settings`, in a temporary folder. */
function fixtureWithSettings(settings: string): { file: string; dir: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'driftwatch-config-'));
  const file = path.join(dir, 'driftwatch.yaml');
  const fixture = readFileSync('test/fixtures/driftwatch.test.yaml', 'utf8');
  if (!fixture.includes('  settings:\n'))
    throw new Error('the test fixture has no models.settings');
  writeFileSync(file, fixture.replace('  settings:\n', `  settings:${settings}`));
  return { file, dir };
}

export async function startTestService(options: TestServiceOptions = {}): Promise<TestService> {
  const database = await createTestDatabase();
  const written =
    options.modelSettings === undefined ? null : fixtureWithSettings(options.modelSettings);
  const config = loadConfig({
    file: written?.file ?? options.configFile ?? 'test/fixtures/driftwatch.test.yaml',
    env: { DATABASE_URL: database.url, DRIFTWATCH_PORT: '0', ...options.env },
  });
  const service = await startService(config, {
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    ...(options.now ? { now: options.now } : {}),
  });
  return {
    service,
    database,
    url: service.url,
    async close() {
      await service.close();
      await database.drop();
      if (written) rmSync(written.dir, { recursive: true, force: true });
    },
  };
}

export interface CallOptions {
  method?: string;
  body?: unknown;
  /** Raw body; takes precedence over `body`. */
  raw?: string | Buffer;
  contentType?: string;
  gzip?: boolean;
  token?: string;
  headers?: Record<string, string>;
}

export interface CallResult<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

/** A small fetch wrapper: JSON in, JSON out. */
export async function call<T = Record<string, unknown>>(
  baseUrl: string,
  path: string,
  options: CallOptions = {},
): Promise<CallResult<T>> {
  const headers: Record<string, string> = { ...options.headers };
  let payload: string | Buffer | undefined;
  if (options.raw !== undefined) payload = options.raw;
  else if (options.body !== undefined) payload = JSON.stringify(options.body);
  if (payload !== undefined) {
    headers['content-type'] = options.contentType ?? 'application/json';
    if (options.gzip) {
      payload = gzipSync(payload);
      headers['content-encoding'] = 'gzip';
    }
  }
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(`${baseUrl}${path}`, {
    method: options.method ?? (payload === undefined ? 'GET' : 'POST'),
    headers,
    body:
      payload === undefined
        ? undefined
        : new Uint8Array(payload instanceof Buffer ? payload : Buffer.from(payload)),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON (e.g. /metrics)
  }
  return { status: response.status, headers: response.headers, body: body as T };
}

export function ndjson(records: readonly unknown[]): string {
  return records.map((record) => JSON.stringify(record)).join('\n') + '\n';
}
