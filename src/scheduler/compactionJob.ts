/**
 * The `compaction` job: replaces the partials of each closed minute (one
 * row per batch that wrote to it) by one merged row, so a drift check over
 * a window reads one summary per minute however many batches fed it. A
 * minute counts as closed `closedAfterMs` (2 minutes) after it ends; a late
 * batch may still add a partial to it afterwards, which the next run merges
 * in (storage/minuteSummaryStore.ts argues why that is safe, with ingest and
 * with other replicas running at the same time).
 *
 * Bounded: at most `maxMinutes` minutes and `budgetMs` per run; what is left
 * is taken by the next run. A minute whose partials cannot be merged (a
 * malformed summary) is logged and skipped, never stops the others.
 */
import { compactMinutePartials, MINUTE_MS } from '../drift/minute/index.js';
import type { MinuteSummaryStore } from '../storage/minuteSummaryStore.js';
import { isDatabaseUnavailable } from '../storage/pool.js';
import type { Logger } from '../telemetry/logger.js';
import type { ScheduledJob } from './scheduler.js';

/** A minute is compacted once it ended this long ago. */
export const CLOSED_AFTER_MS = 2 * MINUTE_MS;
const DEFAULT_MAX_MINUTES = 2_000;
const DEFAULT_BUDGET_MS = 20_000;
/** Minutes asked for per query. */
const PAGE = 200;

export interface CompactionDeps {
  store: MinuteSummaryStore;
  logger: Logger;
  now: () => number;
  maxMinutes?: number;
  budgetMs?: number;
}

export interface CompactionResult {
  minutes: number;
  partials: number;
  /** Minutes skipped because their partials could not be merged. */
  failed: number;
}

/** One compaction pass over the closed minutes (also what the job runs). */
export async function compactClosedMinutes(deps: CompactionDeps): Promise<CompactionResult> {
  const { store, logger, now } = deps;
  const maxMinutes = deps.maxMinutes ?? DEFAULT_MAX_MINUTES;
  const deadline = now() + (deps.budgetMs ?? DEFAULT_BUDGET_MS);
  // Minutes that ended before the cutoff: their start is < now − 2 min − 1 min.
  const cutoff = new Date(Math.floor(now() / MINUTE_MS) * MINUTE_MS - CLOSED_AFTER_MS);
  const result: CompactionResult = { minutes: 0, partials: 0, failed: 0 };
  const skipped = new Set<string>();
  while (result.minutes + result.failed < maxMinutes && now() < deadline) {
    const keys = (await store.minutesToCompact(cutoff, PAGE + skipped.size)).filter(
      (key) => !skipped.has(`${key.model}\u0000${key.version}\u0000${key.minuteMs}`),
    );
    if (keys.length === 0) break;
    for (const key of keys) {
      if (result.minutes + result.failed >= maxMinutes || now() >= deadline) break;
      try {
        const done = await store.compactMinute(key, compactMinutePartials);
        result.minutes += 1;
        result.partials += done.partials;
      } catch (error) {
        if (isDatabaseUnavailable(error)) throw error;
        result.failed += 1;
        skipped.add(`${key.model}\u0000${key.version}\u0000${key.minuteMs}`);
        logger.warn(
          { err: error, model: key.model, version: key.version, minute: new Date(key.minuteMs) },
          'minute summaries could not be compacted',
        );
      }
    }
  }
  return result;
}

export function compactionJob(deps: CompactionDeps & { schedule: string }): ScheduledJob {
  return {
    name: 'compaction',
    schedule: deps.schedule,
    run: async () => {
      const result = await compactClosedMinutes(deps);
      if (result.minutes > 0 || result.failed > 0) {
        deps.logger.info(result, 'compacted minute summaries');
      }
    },
  };
}
