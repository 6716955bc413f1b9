/**
 * Where a check's time goes, when a target is missed: the pieces of both
 * ways a check can read a window, timed one by one in this process with the
 * service's own modules (best of `repeats`; wall, and this process's CPU —
 * PostgreSQL's is not in it):
 *
 * - today's count of the raw rows per UTC hour (`SummaryStore.hourlyCounts`)
 *   and the raw read (`readWindow` into a sink that drops the values);
 * - the reference profile (`ReferenceStore.load`);
 * - the minute-summary read: `MinuteSummaryStore.load`, decode, and
 *   `mergeAllMinuteSummaries` — the floor of the summaries path before its
 *   tests.
 */
import { decodeMinuteSummary, mergeAllMinuteSummaries } from '../../src/drift/minute/index.js';
import { MinuteSummaryStore } from '../../src/storage/minuteSummaryStore.js';
import { createPool } from '../../src/storage/pool.js';
import { ReferenceStore } from '../../src/storage/referenceStore.js';
import { SummaryStore } from '../../src/storage/summaryStore.js';
import { readWindow, type WindowRowSink } from '../../src/storage/windowReader.js';
import { BENCH_MODEL } from '../checkData.js';
import { bestOf, fmtInt } from '../lib/index.js';

const HOUR_MS = 3_600_000;

export interface Phase {
  name: string;
  ms: number;
  cpuMs: number;
  note: string;
}

class NoopSink implements WindowRowSink {
  rows = 0;
  numeric(): void {}
  categorical(): void {}
  score(): void {}
  endRow(): void {
    this.rows += 1;
  }
}

/** The phases of a 1-hour check of `version`, ending now. */
export async function timePhases(
  benchUrl: string,
  version: string,
  repeats: number,
): Promise<Phase[]> {
  const pool = createPool({ url: benchUrl, max: 2, applicationName: 'driftwatch-bench-phases' });
  try {
    const endMs = Date.now();
    const startMs = endMs - HOUR_MS;
    const phases: Phase[] = [];
    const counts = await bestOf(repeats, () =>
      new SummaryStore(pool).hourlyCounts(BENCH_MODEL, version, startMs, endMs),
    );
    const rawRows = [...counts.result.values()].reduce((sum, n) => sum + n, 0);
    phases.push({
      name: 'hourlyCounts (raw rows per UTC hour; today)',
      ...counts,
      note: `${fmtInt(rawRows)} raw rows`,
    });
    const reference = await bestOf(repeats, () =>
      new ReferenceStore(pool).load(BENCH_MODEL, version),
    );
    phases.push({
      name: 'ReferenceStore.load',
      ...reference,
      note: 'a fresh store each time: uncached',
    });
    const raw = await bestOf(repeats, async () => {
      const sink = new NoopSink();
      await readWindow(
        pool,
        {
          model: BENCH_MODEL,
          version,
          startMs,
          endMs,
          numeric: true,
          categorical: true,
          score: true,
        },
        sink,
      );
      return sink.rows;
    });
    phases.push({
      name: 'readWindow → no-op sink (raw read)',
      ...raw,
      note: `${fmtInt(raw.result)} rows`,
    });
    const stored = await bestOf(repeats, () =>
      new MinuteSummaryStore(pool).load(BENCH_MODEL, version, startMs, endMs),
    );
    phases.push({
      name: 'MinuteSummaryStore.load',
      ...stored,
      note: `${fmtInt(stored.result.length)} stored summaries`,
    });
    const decoded = await bestOf(repeats, () =>
      stored.result.map((row) => decodeMinuteSummary(row.summary)),
    );
    phases.push({ name: 'decodeMinuteSummary × each', ...decoded, note: '' });
    const merged = await bestOf(repeats, () => mergeAllMinuteSummaries(decoded.result));
    phases.push({
      name: 'mergeAllMinuteSummaries',
      ...merged,
      note: `${fmtInt(merged.result?.rows ?? 0)} rows summarised`,
    });
    return phases.map(({ name, ms, cpuMs, note }) => ({ name, ms, cpuMs, note }));
  } finally {
    await pool.end();
  }
}
