import { describe, expect, it } from 'vitest';
import {
  decodeWindowSummary,
  encodeWindowSummary,
  WindowSummaryError,
} from '../../../../src/drift/index.js';
import { buildWindow, summarise } from './fixtures.js';

describe('encodeWindowSummary and decodeWindowSummary', () => {
  const window = buildWindow(21, 60_000, (z) => 51 + 10 * z);

  it('round-trips through JSON', () => {
    const summary = summarise(window);
    const json = JSON.stringify(encodeWindowSummary(summary));
    expect(decodeWindowSummary(JSON.parse(json))).toEqual(summary);
    const hour = summarise(window, 0, 500);
    expect(decodeWindowSummary(JSON.parse(JSON.stringify(encodeWindowSummary(hour))))).toEqual(
      hour,
    );
    // Sparse: 500 values fill at most 500 of the ~2 000 bins.
    const encoded = encodeWindowSummary(hour) as { features: { bins?: { count: number[] } }[] };
    expect(encoded.features[0]!.bins!.count.length).toBeLessThanOrEqual(500);
  });

  it('refuses an encoded summary that does not add up', () => {
    const encoded = encodeWindowSummary(summarise(window, 0, 500)) as {
      features: { n: number; bins: { count: number[] } }[];
      rows: number;
    };
    const broken = structuredClone(encoded);
    broken.features[0]!.bins.count[0]! += 1;
    expect(() => decodeWindowSummary(broken)).toThrow(
      /summary\.features\[0\]\.bins\.count must be summing to n/,
    );
    const negative = structuredClone(encoded);
    negative.rows = -1;
    expect(() => decodeWindowSummary(negative)).toThrow(WindowSummaryError);
    expect(() => decodeWindowSummary({ version: 2 })).toThrow(
      expect.objectContaining({ reason: 'invalid_format' }),
    );
  });
});
