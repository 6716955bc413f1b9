/**
 * Helpers shared by the benchmarks in bench/: options, /proc accounting, the
 * service as a child process, and the bench database.
 */
export { fmtInt, positiveInt } from './options.js';
export {
  CLOCK_TICKS_PER_SECOND,
  cpuGrowth,
  machineCpu,
  postgresCpuSeconds,
  postgresPids,
  processCpuSeconds,
  rssMiB,
  type MachineCpu,
} from './proc.js';
export {
  killChildren,
  ROOT,
  startService,
  stopService,
  track,
  waitExit,
  type RunningService,
} from './service.js';
export {
  copyIn,
  databaseUrlFor,
  DEFAULT_DATABASE_URL,
  withBenchDatabase,
  withClient,
  type BenchDatabase,
} from './database.js';
export { bestOf, type Timed } from './timing.js';
