import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  fractionText,
  rawStorageSupported,
  sampleFractionFor,
  writeServiceConfig,
} from '../../../bench/lib/serviceConfig.js';
import { configSchema } from '../../../src/config/schema.js';

describe('sampleFractionFor', () => {
  it('is the largest power of two at most 2,000 rows/s over the rate', () => {
    expect(sampleFractionFor(100_000)).toBe(1 / 64); // 2,000 / 100,000 = 0.02
    expect(sampleFractionFor(128_000)).toBe(1 / 64); // exactly 2,000 rows/s kept
    expect(sampleFractionFor(128_001)).toBe(1 / 128);
    expect(sampleFractionFor(3_000)).toBe(1 / 2);
  });

  it('keeps every row at or below the keepAll rate', () => {
    expect(sampleFractionFor(2_000)).toBe(1);
    expect(sampleFractionFor(10)).toBe(1);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => sampleFractionFor(0)).toThrow(RangeError);
    expect(() => sampleFractionFor(Number.NaN)).toThrow(RangeError);
  });
});

describe('fractionText', () => {
  it('writes powers of two as 1/n', () => {
    expect(fractionText(1 / 64)).toBe('1/64');
    expect(fractionText(1)).toBe('1');
  });
});

describe('writeServiceConfig', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dw-bench-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a configuration this build accepts, raw keys only where the schema has them', () => {
    const file = path.join(dir, 'sampled.yaml');
    const written = writeServiceConfig(file, {
      raw: 'sampled',
      sampleFraction: 1 / 64,
      scheduler: false,
      exactLimit: 5_000,
    });
    const config = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect(written).toBe(rawStorageSupported('sampled', 1 / 64));
    expect('storage' in config).toBe(written);
    const parsed = configSchema.parse(config);
    expect(parsed.scheduler.enabled).toBe(false);
    expect(parsed.models.defaults.checks?.drift?.exactLimit).toBe(5_000);
  });

  it('leaves storage.raw out in the default mode', () => {
    const file = path.join(dir, 'default.yaml');
    expect(writeServiceConfig(file, { raw: 'default', sampleFraction: 1, scheduler: true })).toBe(
      false,
    );
    const config = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect('storage' in config).toBe(false);
    expect(configSchema.parse(config).scheduler.enabled).toBe(true);
  });
});
