/**
 * The `intake-expiry` job: deletes KServe event halves that waited longer
 * than `intake.pendingSeconds` for their other half (and the joined pairs
 * kept that long to recognise retries), counting the unpaired ones in
 * `driftwatch_intake_pending_expired_total`. One replica runs each slot.
 */
import type { KServePendingStore } from '../storage/kservePendingStore.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { ScheduledJob } from './scheduler.js';

export interface IntakeExpiryJobDeps {
  intake: { pendingSeconds: number; expirySchedule: string };
  pending: Pick<KServePendingStore, 'expire'>;
  metrics: Metrics;
  logger: Logger;
  now: () => number;
}

export function intakeExpiryJob(deps: IntakeExpiryJobDeps): ScheduledJob {
  const { intake, pending, metrics, logger, now } = deps;
  return {
    name: 'intake-expiry',
    schedule: intake.expirySchedule,
    run: async () => {
      const expired = await pending.expire(now() - intake.pendingSeconds * 1000);
      const counter = metrics.intakePendingExpiredTotal;
      if (expired.requests > 0)
        counter.inc({ source: 'kserve', half: 'request' }, expired.requests);
      if (expired.responses > 0)
        counter.inc({ source: 'kserve', half: 'response' }, expired.responses);
      if (expired.unstoredPairs > 0) {
        counter.inc({ source: 'kserve', half: 'pair' }, expired.unstoredPairs);
      }
      if (expired.requests + expired.responses + expired.unstoredPairs > 0) {
        logger.warn(expired, 'intake expired unpaired KServe events');
      }
    },
  };
}
