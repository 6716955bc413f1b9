/**
 * The `retention` job: drops the daily prediction partitions older than
 * `retention.predictionsDays` (storage/retention.ts), then the scheduler
 * claims and hour summaries that nothing reads again, then the minute
 * summaries older than `retention.summariesDays`, then the batch idempotency
 * keys older than `retention.batchKeysDays`.
 */
import type { PartitionManager } from '../storage/partitions.js';
import type { Pool } from '../storage/pool.js';
import { applyRetention } from '../storage/retention.js';
import type { PostgresRunCoordinator } from '../storage/schedulerSlots.js';
import { pruneBatchKeys } from '../storage/ingestBatchStore.js';
import { MinuteSummaryStore } from '../storage/minuteSummaryStore.js';
import { SummaryStore } from '../storage/summaryStore.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { ScheduledJob } from './scheduler.js';

const DAY_MS = 86_400_000;

/**
 * Scheduler claims are kept a week: the margin keeps a replica with a
 * lagging clock from claiming a slot again.
 */
const SLOT_KEEP_MS = 7 * DAY_MS;

export interface RetentionJobDeps {
  retention: {
    schedule: string;
    predictionsDays: number;
    summariesDays: number;
    /** Default 7, as `retention.batchKeysDays`. */
    batchKeysDays?: number;
  };
  /** Long deletes and drops: the jobs pool. */
  pool: Pool;
  partitions: PartitionManager;
  coordinator: Pick<PostgresRunCoordinator, 'pruneSlots'>;
  metrics: Metrics;
  logger: Logger;
  now: () => number;
}

export function retentionJob(deps: RetentionJobDeps): ScheduledJob {
  const { retention, pool, partitions, coordinator, metrics, logger, now } = deps;
  return {
    name: 'retention',
    schedule: retention.schedule,
    run: async () => {
      const result = await applyRetention(pool, partitions, now(), retention.predictionsDays);
      if (result.droppedPartitions.length > 0) {
        metrics.retentionPartitionsDroppedTotal.inc(result.droppedPartitions.length);
        logger.info(result, 'retention dropped partitions');
      }
      await coordinator.pruneSlots(new Date(now() - SLOT_KEEP_MS));
      await new SummaryStore(pool).pruneBefore(
        new Date(now() - retention.predictionsDays * DAY_MS),
      );
      const deleted = await new MinuteSummaryStore(pool).pruneBefore(
        new Date(now() - retention.summariesDays * DAY_MS),
      );
      if (deleted > 0) logger.info({ deleted }, 'retention deleted minute summaries');
      const batchKeys = await pruneBatchKeys(
        pool,
        new Date(now() - (retention.batchKeysDays ?? 7) * DAY_MS),
      );
      if (batchKeys > 0) logger.info({ batchKeys }, 'retention deleted batch idempotency keys');
    },
  };
}
