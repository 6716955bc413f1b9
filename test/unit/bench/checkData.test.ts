import { describe, expect, it } from 'vitest';
import {
  benchColumnChunks,
  benchColumns,
  encodePredictionChunk,
  NUMERIC_COUNT,
  requestId,
  summaryRow,
  timestampOf,
  type WindowRowsOptions,
} from '../../../bench/checkData.js';

const OPTIONS: WindowRowsOptions = {
  totalRows: 1_000,
  endMs: Date.UTC(2026, 11, 3, 12),
  spreadMs: 50 * 60_000,
  version: '2',
};

describe('bench check data', () => {
  it('generates the same values whatever the chunk size', () => {
    const whole = benchColumns(1_000, 7, true);
    const chunks = [...benchColumnChunks(1_000, 7, true, 300)];
    expect(chunks.map((chunk) => [chunk.firstRow, chunk.rows])).toEqual([
      [0, 300],
      [300, 300],
      [600, 300],
      [900, 100],
    ]);
    for (const chunk of chunks) {
      for (let f = 0; f < NUMERIC_COUNT; f++) {
        expect(chunk.numeric[f]).toEqual(
          whole.numeric[f]!.subarray(chunk.firstRow, chunk.firstRow + chunk.rows),
        );
      }
      expect(chunk.score).toEqual(
        whole.score.subarray(chunk.firstRow, chunk.firstRow + chunk.rows),
      );
    }
  });

  it('keeps one row in `every` by window position, across chunks', () => {
    const chunks = [...benchColumnChunks(1_000, 7, true, 300)];
    const kept = chunks.map((chunk) => encodePredictionChunk(chunk, OPTIONS, 16).rows);
    // Positions 0, 16, …, 992: 63 rows, split where the chunks split.
    expect(kept).toEqual([19, 19, 19, 6]);
    expect(kept.reduce((a, b) => a + b)).toBe(63);
    expect(encodePredictionChunk(chunks[0]!, OPTIONS).rows).toBe(300);
  });

  it('describes a row to the summary builder as it is stored', () => {
    const [, second] = [...benchColumnChunks(1_000, 7, true, 300)];
    const row = summaryRow(second!, 5, OPTIONS);
    expect(row.requestId).toBe(requestId(305, '2'));
    expect(row.version).toBe('2');
    expect(row.epochMs).toBe(timestampOf(305, OPTIONS));
    expect(row.numValues[3]).toBe(second!.numeric[3]![5]);
    expect(row.score).toBe(second!.score[5]);
  });

  it('spreads timestamps evenly over the window, in row order', () => {
    const first = timestampOf(0, OPTIONS);
    const last = timestampOf(999, OPTIONS);
    expect(first).toBeGreaterThanOrEqual(OPTIONS.endMs - OPTIONS.spreadMs);
    expect(last).toBeLessThan(OPTIONS.endMs);
    expect(timestampOf(500, OPTIONS)).toBeGreaterThan(first);
  });
});
