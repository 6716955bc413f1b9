import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expandFilePatterns, fileNamePattern } from '../../../src/ingest/fileGlob.js';
import { configSchema } from '../../../src/config/schema.js';

describe('fileNamePattern', () => {
  it('matches * and ? within a file name, not hidden files', () => {
    const pattern = fileNamePattern('*.ndjson');
    expect(pattern.test('a.ndjson')).toBe(true);
    expect(pattern.test('.a.ndjson')).toBe(false);
    expect(pattern.test('a.ndjson.1')).toBe(false);
    expect(fileNamePattern('p?.log').test('p1.log')).toBe(true);
    expect(fileNamePattern('p?.log').test('p12.log')).toBe(false);
    expect(fileNamePattern('a+b.log').test('a+b.log')).toBe(true);
  });
});

describe('expandFilePatterns', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'driftwatch-glob-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists matching regular files once, and nothing for a missing folder', async () => {
    writeFileSync(path.join(dir, 'b.ndjson'), '');
    writeFileSync(path.join(dir, 'a.ndjson'), '');
    writeFileSync(path.join(dir, 'a.ndjson.1'), '');
    mkdirSync(path.join(dir, 'c.ndjson'));
    expect(
      await expandFilePatterns([`${dir}/*.ndjson`, `${dir}/a.ndjson`, `${dir}/missing/*.ndjson`]),
    ).toEqual([path.join(dir, 'a.ndjson'), path.join(dir, 'b.ndjson')]);
  });
});

describe('logs config', () => {
  it('defaults to no files and rejects wildcards in folders', () => {
    expect(configSchema.parse({}).logs).toEqual({
      files: [],
      pollIntervalMs: 1000,
      batchRecords: 1000,
    });
    expect(configSchema.safeParse({ logs: { files: ['/var/*/p.ndjson'] } }).success).toBe(false);
    expect(configSchema.safeParse({ logs: { file: [] } }).success).toBe(false);
  });
});
