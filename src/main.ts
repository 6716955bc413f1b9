/**
 * Composition root: config → storage → services → HTTP, and the ordered
 * shutdown in reverse. Nothing else wires components together.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Config } from './config/schema.js';
import { createApp } from './http/app.js';
import { IngestService } from './ingest/ingestService.js';
import { LabelIngest } from './ingest/labelIngest.js';
import { ReferenceImport } from './ingest/referenceImport.js';
import { ModelRegistry } from './registry/modelRegistry.js';
import { startEmbeddedPostgres, type EmbeddedServer } from './storage/embeddedPostgres.js';
import { LabelStore } from './storage/labelStore.js';
import { migrate, pendingMigrations } from './storage/migrations.js';
import { ModelStore } from './storage/modelStore.js';
import { PartitionManager } from './storage/partitions.js';
import { createPool, type Pool } from './storage/pool.js';
import { PredictionStore } from './storage/predictionStore.js';
import { ReferenceStore } from './storage/referenceStore.js';
import { createLogger, type Logger } from './telemetry/logger.js';
import { Metrics } from './telemetry/metrics.js';

export interface RunningService {
  /** Base URL of the HTTP server. */
  url: string;
  databaseUrl: string;
  pool: Pool;
  logger: Logger;
  metrics: Metrics;
  registry: ModelRegistry;
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** Clock for record validation (tests pass a fixed one). */
  now?: () => number;
}

const HOUR_MS = 3_600_000;

/** Starts the embedded server when no database URL is configured. */
export async function openDatabase(
  config: Config,
  logger: Logger,
): Promise<{ url: string; embedded: EmbeddedServer | null }> {
  if (config.database.url) return { url: config.database.url, embedded: null };
  const log = logger.child({ component: 'embedded-postgres' });
  logger.info(
    { dataDir: path.resolve(config.database.dataDir) },
    'no DATABASE_URL: starting embedded PostgreSQL',
  );
  const embedded = await startEmbeddedPostgres({
    dataDir: config.database.dataDir,
    port: config.database.embeddedPort,
    onLog: (line) => log.debug(line),
  });
  logger.info({ port: embedded.port }, 'embedded PostgreSQL is up');
  return { url: embedded.url, embedded };
}

export async function startService(
  config: Config,
  options: StartOptions = {},
): Promise<RunningService> {
  const logger = options.logger ?? createLogger(config.logging.level);
  const now = options.now ?? Date.now;
  const { url: databaseUrl, embedded } = await openDatabase(config, logger);
  const pool = createPool({
    url: databaseUrl,
    max: config.database.poolSize,
    onError: (error) => logger.warn({ err: error }, 'idle database connection failed'),
  });
  const cleanups: (() => Promise<void> | void)[] = [];
  cleanups.push(async () => {
    await pool.end();
    await embedded?.stop();
  });

  try {
    const migrated = await migrate(pool);
    if (migrated.applied.length > 0)
      logger.info({ applied: migrated.applied }, 'migrations applied');

    const partitions = new PartitionManager(pool);
    await partitions.refresh();
    await partitions.createAhead(now(), config.database.partitionsAheadDays);
    // Keep partitions ahead of the calendar; a failure is logged and retried next hour.
    const partitionTimer = setInterval(() => {
      partitions
        .createAhead(now(), config.database.partitionsAheadDays)
        .catch((error: unknown) => logger.error({ err: error }, 'creating partitions failed'));
    }, HOUR_MS);
    partitionTimer.unref();
    cleanups.push(() => clearInterval(partitionTimer));

    const metrics = new Metrics();
    const registry = new ModelRegistry(
      new ModelStore(pool),
      logger.child({ component: 'registry' }),
    );
    const manifests = await registry.registerManifests(config.models.directory);
    if (manifests.registered.length + manifests.failed.length > 0) {
      logger.info(manifests, 'model manifests processed');
    }
    const referenceStore = new ReferenceStore(pool);
    const bounds = () => ({
      nowMs: now(),
      maxFutureMs: config.ingest.maxFutureSeconds * 1000,
      maxAgeMs: config.ingest.maxAgeDays * 86_400_000,
    });
    const ingest = new IngestService(
      registry,
      new PredictionStore(pool, partitions),
      config,
      metrics,
      {
        now,
        maxFutureMs: config.ingest.maxFutureSeconds * 1000,
        maxAgeMs: config.ingest.maxAgeDays * 86_400_000,
      },
    );

    const app = createApp({
      config,
      logger: logger.child({ component: 'http' }),
      metrics,
      registry,
      ingest,
      labels: new LabelIngest(registry, new LabelStore(pool), metrics, bounds),
      references: new ReferenceImport(referenceStore),
      referenceStore,
      readiness: async () => {
        const pending = await pendingMigrations(pool);
        if (pending.length > 0) throw new Error(`migrations pending: ${pending.join(', ')}`);
      },
    });

    const server: Server = await new Promise((resolve, reject) => {
      const listening = app.listen(config.server.port, config.server.host, () =>
        resolve(listening),
      );
      listening.once('error', reject);
    });
    // Long uploads are fine; idle keep-alive sockets should not pin shutdown.
    server.keepAliveTimeout = 5_000;
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        }),
    );
    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `http://${host}:${address.port}`;
    logger.info({ url }, 'driftwatch is listening');

    let closed = false;
    return {
      url,
      databaseUrl,
      pool,
      logger,
      metrics,
      registry,
      async close() {
        if (closed) return;
        closed = true;
        // Reverse order: stop taking requests, then timers, then storage.
        for (const cleanup of cleanups.reverse()) await cleanup();
      },
    };
  } catch (error) {
    for (const cleanup of cleanups.reverse())
      await Promise.resolve(cleanup()).catch(() => undefined);
    throw error;
  }
}
