/**
 * An embedded PostgreSQL server of a test's own, on its own port, so that the
 * test can stop it, start it again, or freeze it (SIGSTOP) without touching
 * the server the other tests share. Signals go only to this server's
 * processes, found by PID: the postmaster named in its postmaster.pid and the
 * processes whose parent it is.
 */
import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../src/storage/embeddedPostgres.js';
import { until } from '../helpers/until.js';

export interface OwnPostgres {
  url: string;
  port: number;
  /** Stops the server (fast shutdown); `start()` brings it back on the same port and data. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** SIGSTOPs the postmaster, then every process it started; resolves with their PIDs. */
  freeze(): Promise<number[]>;
  /** SIGCONTs what `freeze` stopped (a no-op when nothing is frozen). */
  thaw(): void;
  /** A short-lived client for the test's own queries. */
  withClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T>;
  /** Thaws, stops and removes the data folder. */
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** PIDs whose parent is `parentPid`, from /proc. */
async function childrenOf(parentPid: number): Promise<number[]> {
  const children: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // `pid (comm) state ppid …`: comm may hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[1]) === parentPid) children.push(Number(entry));
  }
  return children;
}

export async function startOwnPostgres(prefix: string): Promise<OwnPostgres> {
  const root = await mkdtemp(path.join(tmpdir(), prefix));
  // As root the server runs as the postgres user, which must be able to enter the folder.
  await chmod(root, 0o755);
  const dataDir = path.join(root, 'pg');
  const port = await freePort();
  let server: EmbeddedServer | null = await startEmbeddedPostgres({ dataDir, port });
  const url = server.url;
  let frozen: number[] = [];

  const own: OwnPostgres = {
    url,
    port,
    async stop() {
      const running = server;
      server = null;
      await running?.stop();
    },
    async start() {
      if (server) return;
      server = await startEmbeddedPostgres({ dataDir, port });
    },
    async freeze() {
      const lock = await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8');
      const postmasterPid = Number(lock.split('\n')[0]);
      if (!Number.isInteger(postmasterPid) || postmasterPid <= 0) {
        throw new Error(`no postmaster PID in ${dataDir}/postmaster.pid`);
      }
      // The postmaster first, so that it forks no backend the scan would miss.
      process.kill(postmasterPid, 'SIGSTOP');
      frozen = [postmasterPid];
      for (const pid of await childrenOf(postmasterPid)) {
        try {
          process.kill(pid, 'SIGSTOP');
          frozen.push(pid);
        } catch {
          // exited between the scan and the signal
        }
      }
      return [...frozen];
    },
    thaw() {
      for (const pid of frozen) {
        try {
          process.kill(pid, 'SIGCONT');
        } catch {
          // gone
        }
      }
      frozen = [];
    },
    async withClient(work) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return await work(client);
      } finally {
        await client.end();
      }
    },
    async close() {
      own.thaw();
      await own.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
  return own;
}

/**
 * Holds every ingest transaction right after its COPY of keys (a trigger
 * sleeping 30 s), so a test can stop the server while a batch is half-way
 * through; `ingestHeld` resolves once a transaction is waiting there.
 */
export async function holdIngestAfterKeys(database: OwnPostgres): Promise<void> {
  await database.withClient((c) =>
    c.query(`
      CREATE FUNCTION hold_ingest() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_sleep(30); RETURN NULL; END $$;
      CREATE TRIGGER hold_ingest AFTER INSERT ON prediction_keys
        FOR EACH STATEMENT EXECUTE FUNCTION hold_ingest();`),
  );
}

export async function ingestHeld(database: OwnPostgres): Promise<void> {
  await until(
    () =>
      database.withClient(async (c) => {
        const { rowCount } = await c.query(
          "SELECT 1 FROM pg_stat_activity WHERE query LIKE 'COPY prediction_keys%' AND wait_event = 'PgSleep'",
        );
        return (rowCount ?? 0) > 0;
      }),
    'the ingest transaction to reach the trigger',
  );
}
