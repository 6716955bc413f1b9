/**
 * Composition root: config → storage → services → HTTP, and the ordered
 * shutdown in reverse. Nothing else wires components together.
 */
import { hostname } from 'node:os';
import path from 'node:path';
import { CheckJobs } from './checks/checkJobs.js';
import { CheckService } from './checks/checkService.js';
import { DriftCheck } from './checks/driftCheck.js';
import { ParityCheck } from './checks/parityCheck.js';
import { PerformanceCheck } from './checks/performanceCheck.js';
import { ShadowCheck } from './checks/shadowCheck.js';
import { SessionCache } from './scoring/index.js';
import { WindowSummaries } from './checks/windowSummaries.js';
import type { Config } from './config/schema.js';
import { retentionJob } from './scheduler/retentionJob.js';
import { intakeExpiryJob } from './scheduler/intakeExpiryJob.js';
import { compactionJob } from './scheduler/compactionJob.js';
import { Scheduler } from './scheduler/scheduler.js';
import { RunStore } from './storage/runStore.js';
import { PostgresRunCoordinator } from './storage/schedulerSlots.js';
import { MinuteSummaryStore } from './storage/minuteSummaryStore.js';
import { MinuteWindows } from './checks/minuteWindow.js';
import { SummaryStore } from './storage/summaryStore.js';
import { versionsWithTraffic } from './storage/windowReader.js';
import { createApp } from './http/app.js';
import { listen } from './http/listen.js';
import type { HttpServices } from './http/services.js';
import { IngestService } from './ingest/ingestService.js';
import { KServeIntake } from './ingest/kserve/kserveIntake.js';
import { KServePendingStore } from './storage/kservePendingStore.js';
import { FileTailer } from './ingest/fileTailer.js';
import { LabelIngest } from './ingest/labelIngest.js';
import { importManifestReferences } from './ingest/manifestReferences.js';
import { ReferenceImport } from './ingest/referenceImport.js';
import { timestampLimits, type TimestampBounds } from './ingest/timestamp.js';
import { ModelRegistry } from './registry/modelRegistry.js';
import { startEmbeddedPostgres, type EmbeddedServer } from './storage/embeddedPostgres.js';
import { LabelStore } from './storage/labelStore.js';
import { migrate, pendingMigrations } from './storage/migrations.js';
import { ModelStore } from './storage/modelStore.js';
import { PartitionManager } from './storage/partitions.js';
import { createPool, type Pool } from './storage/pool.js';
import { PredictionStore } from './storage/predictionStore.js';
import { RawSamplingStore } from './storage/rawSamplingStore.js';
import { RawSampler } from './ingest/rawSampler.js';
import { rawSampleLookup } from './checks/rawSampleNote.js';
import { ReferenceStore } from './storage/referenceStore.js';
import { TailCheckpoints } from './storage/tailCheckpoints.js';
import { OutboxStore } from './storage/outboxStore.js';
import { createLogger, type Logger } from './telemetry/logger.js';
import { Metrics } from './telemetry/metrics.js';
import { WebhookDispatcher, WebhookOutbox } from './webhooks/index.js';

export interface RunningService {
  /** Base URL of the HTTP server. */
  url: string;
  databaseUrl: string;
  /** The pool of API requests (short limits). */
  pool: Pool;
  /** The pool of checks, retention, webhook delivery and migrations (long limits). */
  jobsPool: Pool;
  logger: Logger;
  metrics: Metrics;
  registry: ModelRegistry;
  checks: CheckService;
  scheduler: Scheduler | null;
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** Clock for record validation (tests pass a fixed one). */
  now?: () => number;
}

const HOUR_MS = 3_600_000;
/** SQLSTATE 57P01: the server ends connections because it is shutting down. */
const ADMIN_SHUTDOWN = '57P01';

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
    onWarning: (message) => log.warn(message),
  });
  logger.info({ port: embedded.port }, 'embedded PostgreSQL is up');
  return { url: embedded.url, embedded };
}

export interface ComposeDeps {
  config: Config;
  /** The pool of API requests. */
  pool: Pool;
  /** The pool checks read and record on (default: `pool`). */
  jobsPool?: Pool;
  logger: Logger;
  metrics: Metrics;
  partitions: PartitionManager;
  now: () => number;
  /** ONNX sessions (default: a new cache on the configured models folder). */
  sessions?: SessionCache;
}

export function createSessionCache(config: Config, logger: Logger): SessionCache {
  return new SessionCache({
    modelsDir: config.models.directory,
    intraOpThreads: config.scoring.intraOpThreads,
    batchSize: config.scoring.batchSize,
    logger: logger.child({ component: 'scoring' }),
  });
}

/**
 * Builds every service; what the HTTP layer needs, plus the check service.
 * Checks — scheduled or asked for over HTTP — read and record on the jobs
 * pool, whose limits allow minutes; everything else on the request pool.
 */
/**
 * The base of absolute links (webhook payloads, CLI and demo output):
 * `server.publicUrl`, else the configured address — loopback for a wildcard
 * host — when the port is fixed, else '' (paths only: the port is known only
 * once listening).
 */
export function publicBaseUrl(config: Config): string {
  if (config.server.publicUrl) return config.server.publicUrl.replace(/\/+$/, '');
  if (config.server.port === 0) return '';
  const host = config.server.host;
  const shown =
    host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${config.server.port}`;
}

export function composeServices(deps: ComposeDeps): HttpServices {
  const { config, pool, logger, metrics, partitions, now } = deps;
  const jobsPool = deps.jobsPool ?? pool;
  const registry = new ModelRegistry(new ModelStore(pool), logger.child({ component: 'registry' }));
  const referenceStore = new ReferenceStore(pool);
  const labelStore = new LabelStore(pool);
  const runStore = new RunStore(pool);
  const sessions = deps.sessions ?? createSessionCache(config, logger);
  const outboxStore = new OutboxStore(pool);
  const outbox = new WebhookOutbox({
    config: config.webhooks,
    pool,
    runs: runStore,
    baseUrl: publicBaseUrl(config),
    logger: logger.child({ component: 'webhooks' }),
    now,
  });
  const limits = timestampLimits(config.ingest);
  const bounds = (): TimestampBounds => ({ nowMs: now(), ...limits });
  const minuteSummaries = new MinuteSummaryStore(pool);
  const rawSample = rawSampleLookup(
    new RawSamplingStore(jobsPool),
    config.storage.raw.fixedFraction,
  );
  // Each reference store caches profiles; a second one only on a second pool.
  const checkReferences = jobsPool === pool ? referenceStore : new ReferenceStore(jobsPool);
  const checks = new CheckService({
    config,
    registry,
    runs: new RunStore(jobsPool),
    runners: [
      new DriftCheck(
        jobsPool,
        checkReferences,
        new WindowSummaries(jobsPool, new SummaryStore(jobsPool), checkReferences),
        new MinuteWindows(new MinuteSummaryStore(jobsPool)),
        rawSample,
      ),
      new PerformanceCheck(new LabelStore(jobsPool), rawSample, checkReferences),
      new ParityCheck(jobsPool, sessions, registry, rawSample),
      new ShadowCheck(jobsPool, sessions, registry, rawSample),
    ],
    metrics,
    logger: logger.child({ component: 'checks' }),
    now,
    activeVersions: async (model, startMs, endMs) => {
      const versions = (await registry.list())
        .filter((v) => v.model === model)
        .map((v) => v.version);
      return versionsWithTraffic(jobsPool, model, versions, startMs, endMs);
    },
    onRunStored: outbox.onRunStored,
  });
  const ingest = new IngestService(
    registry,
    new PredictionStore(pool, partitions),
    config,
    metrics,
    {
      now,
      ...limits,
      minuteSummaries,
      sampler: new RawSampler({
        settings: config.storage.raw,
        store: new RawSamplingStore(pool),
        now,
        logger: logger.child({ component: 'raw-sample' }),
      }),
    },
  );
  return {
    config,
    logger: logger.child({ component: 'http' }),
    metrics,
    registry,
    ingest,
    kserve: new KServeIntake(registry, ingest, new KServePendingStore(pool), metrics, {
      bindings: config.intake.kserve,
      maxRejectionsListed: config.ingest.maxRejectionsListed,
      now,
    }),
    labels: new LabelIngest(registry, labelStore, metrics, bounds, {
      limits: config.ingest.limits,
      maxRejectionsListed: config.ingest.maxRejectionsListed,
    }),
    references: new ReferenceImport(referenceStore, config.ingest.limits),
    referenceStore,
    runStore,
    minuteSummaries: { store: minuteSummaries, now },
    checks,
    webhooks: { store: outboxStore, outbox },
    readiness: async () => {
      const pending = await pendingMigrations(pool);
      if (pending.length > 0) throw new Error(`migrations pending: ${pending.join(', ')}`);
    },
  };
}

export async function startService(
  config: Config,
  options: StartOptions = {},
): Promise<RunningService> {
  const logger =
    options.logger ?? createLogger(config.logging.level, { format: config.logging.format });
  const now = options.now ?? Date.now;
  /** This replica, in the scheduler's lease and the webhook dispatcher's claims. */
  const owner = `${hostname()}:${process.pid}`;
  const { url: databaseUrl, embedded } = await openDatabase(config, logger);
  let closing = false;
  const onPoolError = (error: Error): void => {
    // Ctrl-C in a terminal signals the whole process group, so the embedded
    // server shuts down beside us and ends our idle connections: expected,
    // as is any server's shutdown ending them (the pool reconnects).
    const code = (error as Error & { code?: string }).code;
    if (closing) logger.debug({ code }, `idle database connection closed: ${error.message}`);
    else if (code === ADMIN_SHUTDOWN)
      logger.info(`the database server closed an idle connection: ${error.message}`);
    else logger.warn({ err: error }, 'idle database connection failed');
  };
  // Two pools, so that API requests fail fast on a database that hangs (503
  // with Retry-After) while checks keep the minutes a large window needs.
  const pool = createPool({
    url: databaseUrl,
    max: config.database.poolSize,
    timeouts: config.database.timeouts.requests,
    onError: onPoolError,
  });
  const jobsPool = createPool({
    url: databaseUrl,
    max: config.database.jobsPoolSize,
    applicationName: 'driftwatch-jobs',
    timeouts: config.database.timeouts.jobs,
    onError: onPoolError,
  });
  const cleanups: (() => Promise<void> | void)[] = [];
  cleanups.push(async () => {
    await Promise.all([pool.end(), jobsPool.end()]);
    await embedded?.stop();
  });

  try {
    // A migration may rewrite a large table: the jobs pool's limits.
    const migrated = await migrate(jobsPool);
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
    const sessions = createSessionCache(config, logger);
    cleanups.push(() => sessions.close());
    const services = composeServices({
      config,
      pool,
      jobsPool,
      logger,
      metrics,
      partitions,
      now,
      sessions,
    });
    const { registry, checks } = services;
    const manifests = await registry.registerManifests(config.models.directory);
    if (manifests.registered.length + manifests.failed.length > 0) {
      const { registered, failed } = manifests;
      logger.info({ registered, failed }, 'model manifests processed');
    }
    await importManifestReferences(
      {
        config,
        registry,
        references: services.references,
        referenceStore: services.referenceStore,
        logger: logger.child({ component: 'registry' }),
      },
      manifests.references,
    );
    const restored = await checks.restoreGauges();
    if (restored > 0) logger.info({ runs: restored }, 'gauges restored from the latest runs');

    const scheduler = config.scheduler.enabled
      ? startScheduler({
          config,
          pool,
          jobsPool,
          logger,
          registry,
          checks,
          metrics,
          partitions,
          now,
          owner,
        })
      : null;
    if (scheduler) cleanups.push(() => scheduler.stop());

    if (config.webhooks.dispatch && config.webhooks.targets.length > 0) {
      const dispatcher = new WebhookDispatcher({
        config: config.webhooks,
        store: new OutboxStore(jobsPool),
        metrics,
        logger: logger.child({ component: 'webhook-dispatcher' }),
        owner,
        now,
      });
      dispatcher.start();
      cleanups.push(() => dispatcher.stop());
    }

    if (config.logs.files.length > 0) {
      const tailer = new FileTailer({
        patterns: config.logs.files,
        pollIntervalMs: config.logs.pollIntervalMs,
        batchRecords: config.logs.batchRecords,
        ingest: services.ingest,
        checkpoints: new TailCheckpoints(pool),
        metrics,
        logger,
      });
      tailer.start();
      cleanups.push(() => tailer.stop());
    }

    const http = await listen(createApp(services), config.server.port, config.server.host);
    cleanups.push(() => http.close());
    const url = http.url;
    logger.info({ url }, 'driftwatch is listening');

    let closed = false;
    return {
      url,
      databaseUrl,
      pool,
      jobsPool,
      logger,
      metrics,
      registry,
      checks,
      scheduler: scheduler?.scheduler ?? null,
      async close() {
        if (closed) return;
        closed = true;
        closing = true;
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

interface SchedulerDeps {
  config: Config;
  /** The lease's short queries: the request pool, whose limits fail a claim fast. */
  pool: Pool;
  /** Retention's long deletes and drops. */
  jobsPool: Pool;
  logger: Logger;
  registry: ModelRegistry;
  checks: CheckService;
  metrics: Metrics;
  partitions: PartitionManager;
  now: () => number;
  /** This replica's identity in the lease. */
  owner: string;
}

/**
 * Scheduled work: the check jobs of every registered model (checkJobs.ts),
 * the retention job and the compaction of closed minutes' summaries.
 */
function startScheduler(deps: SchedulerDeps): { scheduler: Scheduler; stop(): Promise<void> } {
  const { config, pool, jobsPool, logger, registry, checks, metrics, partitions, now, owner } =
    deps;
  const log = logger.child({ component: 'scheduler' });
  const coordinator = new PostgresRunCoordinator({ pool, owner, logger: log });
  const checkJobs = new CheckJobs({ config, registry, checks, metrics, logger: log });
  const scheduler = new Scheduler({
    coordinator,
    logger,
    owner,
    onJobFinished: (outcome) => {
      if (!outcome.ok)
        log.error(
          { err: outcome.error, job: outcome.name, slot: outcome.slot },
          'scheduled job failed',
        );
    },
    onSlotMissed: checkJobs.onSlotMissed,
  });

  scheduler.add(
    retentionJob({
      retention: config.retention,
      pool: jobsPool,
      partitions,
      coordinator,
      metrics,
      logger: log,
      now,
    }),
  );
  scheduler.add(
    intakeExpiryJob({
      intake: config.intake,
      pending: new KServePendingStore(jobsPool),
      metrics,
      logger: log,
      now,
    }),
  );
  scheduler.add(
    compactionJob({
      schedule: config.retention.compactionSchedule,
      store: new MinuteSummaryStore(jobsPool),
      logger: log,
      now,
    }),
  );
  scheduler.start();
  checkJobs.start(scheduler);
  return {
    scheduler,
    async stop() {
      await checkJobs.stop();
      await scheduler.stop();
      coordinator.close();
    },
  };
}
