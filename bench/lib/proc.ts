/**
 * Linux /proc accounting for the benchmarks: CPU seconds of a process, of the
 * PostgreSQL processes serving a bench database and of the whole machine, and
 * a process's resident memory.
 */
import { readdirSync, readFileSync } from 'node:fs';

export const CLOCK_TICKS_PER_SECOND = 100; // getconf CLK_TCK on Linux x86-64

/** utime + stime of a process in seconds, or null when it is gone. */
export function processCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/**
 * PostgreSQL processes working for the bench: the backends of its database and
 * the server's own processes (WAL writer, checkpointer, …). Backends of other
 * databases on a shared server are someone else's work and are left out.
 */
export function postgresPids(database: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
      const title = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const clientBackend = /\(\d+\)|\[local\]/.test(title);
      if (!clientBackend || title.includes(` ${database} `)) pids.push(Number(entry));
    } catch {
      // the process ended while we listed
    }
  }
  return pids;
}

/** CPU seconds of PostgreSQL processes serving `database`, by pid (see {@link postgresPids}). */
export function postgresCpuSeconds(database: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of postgresPids(database)) out.set(pid, processCpuSeconds(pid) ?? 0);
  return out;
}

/** Sum of the growth from `before` to `after`; a pid born in between counts whole. */
export function cpuGrowth(before: Map<number, number>, after: Map<number, number>): number {
  let seconds = 0;
  for (const [pid, value] of after) seconds += value - (before.get(pid) ?? 0);
  return seconds;
}

export interface MachineCpu {
  /** user + nice + system + irq + softirq + steal, all cores. */
  busySeconds: number;
  iowaitSeconds: number;
}

/** The machine's CPU counters since boot (first line of /proc/stat). */
export function machineCpu(): MachineCpu {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const [user = 0, nice = 0, system = 0, , iowait = 0, irq = 0, softirq = 0, steal = 0] = line
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return {
    busySeconds: (user + nice + system + irq + softirq + steal) / CLOCK_TICKS_PER_SECOND,
    iowaitSeconds: iowait / CLOCK_TICKS_PER_SECOND,
  };
}

/** Peak (`VmHWM`) or current (`VmRSS`) resident memory of a process, MiB. */
export function rssMiB(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}
