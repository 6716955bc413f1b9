/** Repeated timings in the bench process. */
import { performance } from 'node:perf_hooks';

export interface Timed<T> {
  /** Best (lowest) wall time, ms. */
  ms: number;
  /** Median wall time, ms. */
  medianMs: number;
  /** CPU time of this process (user + system, every thread) during the best run, ms. */
  cpuMs: number;
  /** What the last run returned. */
  result: T;
}

/** Runs `work` `repeats` times in a row; the best and median wall time and the best run's CPU. */
export async function bestOf<T>(repeats: number, work: () => Promise<T> | T): Promise<Timed<T>> {
  if (!Number.isInteger(repeats) || repeats < 1) {
    throw new RangeError(`repeats must be a positive integer, got ${repeats}`);
  }
  const times: number[] = [];
  let ms = Infinity;
  let cpuMs = 0;
  let result: T | undefined;
  for (let i = 0; i < repeats; i++) {
    const cpu = process.cpuUsage();
    const started = performance.now();
    result = await work();
    const elapsed = performance.now() - started;
    times.push(elapsed);
    if (elapsed < ms) {
      ms = elapsed;
      const used = process.cpuUsage(cpu);
      cpuMs = (used.user + used.system) / 1000;
    }
  }
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  const medianMs = times.length % 2 === 1 ? times[mid]! : (times[mid - 1]! + times[mid]!) / 2;
  return { ms, medianMs, cpuMs, result: result as T };
}
