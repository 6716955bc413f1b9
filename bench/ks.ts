/**
 * KS benchmark: driftwatch's ksTwoSample against scipy.stats.ks_2samp on the
 * same float64 data, in the same run. Both timings cover the whole call from
 * unsorted input (copy, sort, statistic, p-value); best of N repeats.
 *
 *   npx tsx bench/ks.ts            (needs /usr/bin/python3 with scipy)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { createRandom, ksTwoSample } from '../src/stats/index.js';

const PYTHON = process.env.DRIFTWATCH_PYTHON ?? '/usr/bin/python3';
const REPEATS = 5;
const here = path.dirname(fileURLToPath(import.meta.url));

function sample(seed: number, n: number, shift: number): Float64Array {
  const random = createRandom(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = shift + random.normal();
  return out;
}

interface ScipyTiming {
  seconds: number;
  statistic: number;
  pValue: number;
  scipy: string;
}

function benchCase(label: string, n: number, m: number, shift: number, dir: string): void {
  const a = sample(1, n, 0);
  const b = sample(2, m, shift);
  const fileA = path.join(dir, 'a.f64');
  const fileB = path.join(dir, 'b.f64');
  // Float64Array bytes are little-endian on every platform Node supports.
  writeFileSync(fileA, Buffer.from(a.buffer, a.byteOffset, a.byteLength));
  writeFileSync(fileB, Buffer.from(b.buffer, b.byteOffset, b.byteLength));

  let best = Infinity;
  let result = ksTwoSample(a, b); // warm-up (JIT)
  for (let i = 0; i < REPEATS; i++) {
    const start = performance.now();
    result = ksTwoSample(a, b);
    best = Math.min(best, (performance.now() - start) / 1000);
  }
  const scipy = JSON.parse(
    execFileSync(PYTHON, [path.join(here, 'ks_scipy.py'), fileA, fileB, String(REPEATS)], {
      encoding: 'utf8',
    }),
  ) as ScipyTiming;

  const ratio = best / scipy.seconds;
  console.log(
    `\n${label}: n = ${n.toLocaleString('en')}, m = ${m.toLocaleString('en')}, shift ${shift}`,
  );
  console.log(
    `  driftwatch ${(best * 1000).toFixed(1)} ms   D = ${result.statistic}  p = ${result.pValue}  (${result.method})`,
  );
  console.log(
    `  scipy ${scipy.scipy} ${(scipy.seconds * 1000).toFixed(1)} ms   D = ${scipy.statistic}  p = ${scipy.pValue}`,
  );
  console.log(`  ratio driftwatch / scipy = ${ratio.toFixed(3)}  (target <= 1.0)`);
  console.log(`  statistic equal: ${Math.abs(result.statistic - scipy.statistic) <= 1e-12}`);
}

const dir = mkdtempSync(path.join(tmpdir(), 'driftwatch-bench-ks-'));
try {
  benchCase('1M vs 1M, same distribution', 1_000_000, 1_000_000, 0, dir);
  benchCase('1M vs 1M, shifted 0.01', 1_000_000, 1_000_000, 0.01, dir);
  benchCase('100k vs 1M, same distribution', 100_000, 1_000_000, 0, dir);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
