/**
 * The error handler answers with the JSON error shape whatever happens —
 * also when logging or building the answer throws — and never lets
 * express's own HTML page (with its stack trace and file paths) out.
 */
import express from 'express';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../src/core/errors.js';
import { errorHandler } from '../../../src/http/errorMapping.js';

type Logger = Parameters<typeof errorHandler>[0];

const servers: { close(): void }[] = [];

afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** An app whose one route fails with `error`, answered by errorHandler(logger). */
async function failingApp(error: unknown, logger: Logger): Promise<string> {
  const app = express();
  app.get('/fail', () => {
    throw error;
  });
  app.use(errorHandler(logger));
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A logger whose every call throws, as a broken transport would. */
function throwingLogger(): Logger {
  const logger = pino({ level: 'silent' });
  const explode = (): never => {
    throw new Error('logger is broken at /secret/path/file.ts:12');
  };
  return Object.assign(Object.create(logger) as Logger, {
    error: explode,
    debug: explode,
  });
}

async function fetchJson(url: string): Promise<{ status: number; type: string; text: string }> {
  const response = await fetch(url);
  return {
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    text: await response.text(),
  };
}

describe('errorHandler', () => {
  it('answers JSON without a stack trace when the logger throws', async () => {
    const base = await failingApp(new Error('boom at /work/src/x.ts:1'), throwingLogger());
    const answer = await fetchJson(`${base}/fail`);
    expect(answer.status).toBe(500);
    expect(answer.type).toMatch(/^application\/json/);
    expect(JSON.parse(answer.text)).toEqual({
      error: { code: 'internal', message: 'internal error' },
    });
    expect(answer.text).not.toMatch(/\/work|\/secret|at /);
  });

  it('keeps the status and code when the details cannot be serialised', async () => {
    const details: Record<string, unknown> = { big: 10n };
    const base = await failingApp(
      new AppError('validation_failed', 'bad batch', { details }),
      pino({ level: 'silent' }),
    );
    const answer = await fetchJson(`${base}/fail`);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text)).toEqual({
      error: { code: 'validation_failed', message: 'bad batch' },
    });
  });

  it('answers an internal error with the generic message only', async () => {
    const base = await failingApp(
      new TypeError("Cannot read properties of undefined (reading 'x') at /work/main/src/y.ts"),
      pino({ level: 'silent' }),
    );
    const answer = await fetchJson(`${base}/fail`);
    expect(answer.status).toBe(500);
    expect(answer.text).not.toContain('/work');
    expect(JSON.parse(answer.text)).toEqual({
      error: { code: 'internal', message: 'internal error' },
    });
  });
});
