/**
 * Other processes as Linux shows them under /proc: enough to tell whether a
 * PID still runs, what it runs, who its parent is and when it started (so a
 * reused PID is not mistaken for the process that had it).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/** A process as Linux shows it under /proc. */
export interface ProcessView {
  /** State letter from /proc/<pid>/stat: R, S, D, Z (exited, not yet reaped), … */
  state: string;
  parentPid: number;
  /** Start time in clock ticks after boot: with the PID it names one process, whatever reuses the PID later. */
  startTicks: string;
  argv: string[];
}

const HAS_PROC = existsSync('/proc/self/stat');

/** The process as /proc shows it; null when there is no such process (or no /proc). */
export async function viewProcess(pid: number): Promise<ProcessView | null> {
  try {
    const [stat, cmdline] = await Promise.all([
      readFile(`/proc/${pid}/stat`, 'utf8'),
      readFile(`/proc/${pid}/cmdline`, 'utf8'),
    ]);
    // `pid (comm) state ppid …`: the command name may hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      state: fields[0] ?? '',
      parentPid: Number(fields[1]),
      startTicks: fields[19] ?? '',
      argv: cmdline.split('\0').filter((arg) => arg !== ''),
    };
  } catch {
    return null;
  }
}

/** Whether the process runs; a zombie has exited even though signals still reach it. */
export async function isRunning(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it runs, as a user this process may not signal.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (!HAS_PROC) return true;
  const view = await viewProcess(pid);
  return view !== null && view.state !== 'Z';
}
