/**
 * CPU used between two moments by named processes, by the PostgreSQL
 * processes serving a bench database, and by the whole machine (from /proc),
 * and its printing: what every "where the time goes" of the benches reads.
 */
import { availableParallelism } from 'node:os';
import { cpuGrowth, machineCpu, postgresCpuSeconds, processCpuSeconds } from './proc.js';

export interface CpuSnapshot {
  machineBusySeconds: number;
  machineIowaitSeconds: number;
  postgres: Map<number, number>;
  processes: Map<number, number>;
}

export function snapshotCpu(database: string, pids: readonly number[]): CpuSnapshot {
  const machine = machineCpu();
  const processes = new Map<number, number>();
  for (const pid of pids) processes.set(pid, processCpuSeconds(pid) ?? 0);
  return {
    machineBusySeconds: machine.busySeconds,
    machineIowaitSeconds: machine.iowaitSeconds,
    postgres: postgresCpuSeconds(database),
    processes,
  };
}

export interface CpuUse {
  machineBusy: number;
  iowait: number;
  /** PostgreSQL backends of the bench database and the server's own processes. */
  postgres: number;
  byPid: Map<number, number>;
}

/** CPU seconds used between two snapshots; backends born in between count whole. */
export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot): CpuUse {
  const byPid = new Map<number, number>();
  for (const [pid, seconds] of after.processes)
    byPid.set(pid, seconds - (before.processes.get(pid) ?? 0));
  return {
    machineBusy: after.machineBusySeconds - before.machineBusySeconds,
    iowait: after.machineIowaitSeconds - before.machineIowaitSeconds,
    postgres: cpuGrowth(before.postgres, after.postgres),
    byPid,
  };
}

/** CPU of everything else on the machine: other users' work disturbing the figures. */
export function othersCpu(cpu: CpuUse): number {
  let ours = cpu.postgres;
  for (const seconds of cpu.byPid.values()) ours += seconds;
  return Math.max(0, cpu.machineBusy - ours);
}

const fmt = (value: number, digits: number): string => value.toFixed(digits);

/** Prints CPU seconds (and cores busy on average) of a timed phase of `seconds`. */
export function printCpu(
  label: string,
  seconds: number,
  cpu: CpuUse,
  named: [string, number][],
): void {
  const cores = (used: number): string =>
    `${fmt(used, 2).padStart(7)} s  (${fmt(used / seconds, 2)} cores)`;
  console.log(`  ${label}: ${fmt(seconds, 2)} s wall, CPU seconds used (cores busy on average):`);
  for (const [name, pid] of named) console.log(`    ${name.padEnd(26)} ${cores(pid)}`);
  console.log(`    ${'postgres (bench db + aux)'.padEnd(26)} ${cores(cpu.postgres)}`);
  const ours = cpu.postgres + named.reduce((sum, [, used]) => sum + used, 0);
  const others = Math.max(0, cpu.machineBusy - ours);
  console.log(
    `    ${'everything else'.padEnd(26)} ${cores(others)}${others / seconds > 0.2 ? '  ← other work on the machine: figures are disturbed' : ''}`,
  );
  const share =
    seconds > 0
      ? `${((100 * cpu.machineBusy) / (availableParallelism() * seconds)).toFixed(1)} %`
      : 'n/a';
  console.log(
    `    ${'machine busy, total'.padEnd(26)} ${fmt(cpu.machineBusy, 2).padStart(7)} s  (${share} of ${availableParallelism()} cores; iowait ${fmt(cpu.iowait, 2)} s)`,
  );
}
