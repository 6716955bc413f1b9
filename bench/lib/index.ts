/**
 * Helpers shared by the benchmarks in bench/: options, /proc and CPU
 * accounting, the service as a child process and its configuration, the
 * ingest load client, and the bench database and what PostgreSQL wrote.
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
export {
  cpuBetween,
  othersCpu,
  printCpu,
  snapshotCpu,
  type CpuSnapshot,
  type CpuUse,
} from './cpu.js';
export { runLoadClient, type LoadOptions, type LoadRun } from './loadClient.js';
export {
  snapshotWrites,
  writtenSince,
  type Written,
  type WriteSnapshot,
} from './postgresWrites.js';
export {
  fractionText,
  KEEP_ALL_BELOW_PER_SECOND,
  rawStorageSupported,
  sampleFractionFor,
  writeServiceConfig,
  type RawMode,
  type ServiceConfigOptions,
} from './serviceConfig.js';
