/**
 * The article's `DriftDetector` loop (bench/check_scipy.py: `ks_2samp` over
 * the 20 numeric columns of in-memory numpy arrays), timed on the same
 * values as the bench's window, and the agreement of a run's KS statistics
 * with SciPy's.
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  NUMERIC_COUNT,
  NUMERIC_FEATURES,
  numericMatrixChunks,
  type BenchColumns,
} from '../checkData.js';
import { ROOT } from '../lib/index.js';

const PYTHON = process.env.DRIFTWATCH_PYTHON ?? '/usr/bin/python3';
export const SCIPY_REPEATS = 3;

export interface ScipyTiming {
  seconds: number;
  times: number[];
  statistics: number[];
  pValues: number[];
  scipy: string;
  numpy: string;
}

export async function writeMatrix(file: string, columns: BenchColumns): Promise<void> {
  const out = createWriteStream(file);
  for (const chunk of numericMatrixChunks(columns)) {
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** Best of SCIPY_REPEATS runs of the loop; loading the files is not timed. */
export async function runScipy(referenceFile: string, windowFile: string): Promise<ScipyTiming> {
  const { stdout } = await promisify(execFile)(
    PYTHON,
    [
      path.join(ROOT, 'bench', 'check_scipy.py'),
      referenceFile,
      windowFile,
      String(NUMERIC_COUNT),
      String(SCIPY_REPEATS),
    ],
    { encoding: 'utf8', maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout) as ScipyTiming;
}

/** Largest |D − D_scipy| over f0..f19 (Infinity when a feature has no KS statistic). */
export function maxKsDifference(scipy: ScipyTiming, statistics: Map<string, number>): number {
  let max = 0;
  NUMERIC_FEATURES.forEach((name, f) => {
    const ours = statistics.get(name);
    const theirs = scipy.statistics[f];
    max = Math.max(
      max,
      ours === undefined || theirs === undefined ? Infinity : Math.abs(ours - theirs),
    );
  });
  return max;
}
