/**
 * Writes retraining events into the outbox, in the transaction of their
 * cause: `onRunStored` is RunStore.insert's `within` hook, `fromAlertmanager`
 * handles a notification of Alertmanager (POST /v1/alertmanager).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { WebhooksConfig } from '../config/webhooksSchema.js';
import type { CheckRun } from '../core/run.js';
import type { WebhookEventType } from '../core/webhookEvent.js';
import {
  datasetDriftStreak,
  enqueueOutbox,
  latestRunId,
  type NewOutboxRow,
} from '../storage/outboxStore.js';
import { withTransaction, type Pool, type PoolClient } from '../storage/pool.js';
import type { RunStore } from '../storage/runStore.js';
import type { AlertmanagerAlert, AlertmanagerNotification } from './alertmanager.js';
import { alertEvent } from './alertmanager.js';
import {
  dedupKey,
  eventPayload,
  eventTypesForRun,
  isDatasetDriftRun,
  type EventSource,
} from './events.js';

export interface WebhookOutboxDeps {
  config: WebhooksConfig;
  pool: Pool;
  runs: RunStore;
  /** Base of links in payloads ('' gives paths). */
  baseUrl: string;
  logger: Logger;
  now: () => number;
  newId?: () => string;
}

export interface AlertmanagerResult {
  /** Events written (per event, not per target). */
  events: { event: WebhookEventType; model: string; model_version: string; dedup_key: string }[];
  /** Alerts that cause no event: resolved, not a driftwatch alert, or without model labels. */
  ignored: number;
}

export class WebhookOutbox {
  private readonly config: WebhooksConfig;
  private readonly pool: Pool;
  private readonly runs: RunStore;
  private readonly baseUrl: string;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly newId: () => string;

  constructor(deps: WebhookOutboxDeps) {
    this.config = deps.config;
    this.pool = deps.pool;
    this.runs = deps.runs;
    this.baseUrl = deps.baseUrl.replace(/\/+$/, '');
    this.logger = deps.logger;
    this.now = deps.now;
    this.newId = deps.newId ?? randomUUID;
  }

  private targetsFor(type: WebhookEventType): string[] {
    return this.config.targets.filter((t) => t.events.includes(type)).map((t) => t.name);
  }

  /** RunStore.insert's `within` hook: the events of a run, in the run's transaction. */
  readonly onRunStored = async (client: PoolClient, run: CheckRun): Promise<void> => {
    if (this.config.targets.length === 0) return;
    const streak = isDatasetDriftRun(run)
      ? await datasetDriftStreak(client, run.model, run.version, this.config.consecutiveDriftRuns)
      : 0;
    const types = eventTypesForRun(run, streak, this.config.consecutiveDriftRuns);
    const rows = types.flatMap((type) =>
      this.rowsFor(type, run, 'check', type === 'dataset_drift' ? { drift_streak: streak } : {}),
    );
    await enqueueOutbox(client, rows);
  };

  private rowsFor(
    type: WebhookEventType,
    run: CheckRun,
    source: EventSource,
    extra: Record<string, unknown>,
  ): NewOutboxRow[] {
    const targets = this.targetsFor(type);
    if (targets.length === 0) return [];
    const eventId = this.newId();
    const createdAt = new Date(this.now());
    const payload = eventPayload(type, run, {
      eventId,
      createdAt,
      baseUrl: this.baseUrl,
      source,
      extra,
    });
    const key = dedupKey(type, run.model, run.version, run.windowEnd);
    return targets.map((target) => ({
      eventId,
      event: type,
      target,
      dedupKey: key,
      model: run.model,
      version: run.version,
      runId: run.id,
      source,
      payload,
      createdAt,
    }));
  }

  /**
   * Turns the firing driftwatch alerts of a notification into events. The
   * event points at the version's latest run of the alert's kind, so it
   * collapses with the event that run raised (same dedup key). The
   * N-consecutive policy is not applied again: the alert rule decides.
   */
  async fromAlertmanager(notification: AlertmanagerNotification): Promise<AlertmanagerResult> {
    const result: AlertmanagerResult = { events: [], ignored: 0 };
    await withTransaction(this.pool, async (client) => {
      for (const alert of notification.alerts) {
        const mapped = alertEvent(alert);
        if (!mapped) {
          result.ignored += 1;
          continue;
        }
        const rows = await this.alertRows(client, alert, mapped);
        await enqueueOutbox(client, rows);
        result.events.push({
          event: mapped.type,
          model: mapped.model,
          model_version: mapped.version,
          dedup_key: rows[0]?.dedupKey ?? '',
        });
      }
    });
    this.logger.info(
      { events: result.events.length, ignored: result.ignored },
      'alertmanager notification processed',
    );
    return result;
  }

  private async alertRows(
    client: PoolClient,
    alert: AlertmanagerAlert,
    mapped: NonNullable<ReturnType<typeof alertEvent>>,
  ): Promise<NewOutboxRow[]> {
    const extra = {
      alert: {
        name: alert.labels.alertname,
        starts_at: alert.startsAt,
        labels: alert.labels,
        annotations: alert.annotations ?? {},
      },
    };
    const runId = await latestRunId(client, mapped.model, mapped.version, mapped.kind);
    const run = runId === null ? null : await this.runs.get(runId);
    if (run) return this.rowsFor(mapped.type, run, 'alertmanager', extra);

    // No run to point at (e.g. its rows were pruned): the alert alone.
    const targets = this.targetsFor(mapped.type);
    const eventId = this.newId();
    const createdAt = new Date(this.now());
    const startsAt = new Date(alert.startsAt ?? createdAt.toISOString());
    const windowEnd = Number.isNaN(startsAt.getTime()) ? createdAt : startsAt;
    const payload = {
      id: eventId,
      event: mapped.type,
      created_at: createdAt.toISOString(),
      source: 'alertmanager',
      model: mapped.model,
      model_version: mapped.version,
      run_id: null,
      check_kind: mapped.kind,
      status: null,
      window: null,
      summary: {},
      drifted_features: [],
      error: null,
      links: { run: null },
      ...extra,
    };
    return targets.map((target) => ({
      eventId,
      event: mapped.type,
      target,
      dedupKey: dedupKey(mapped.type, mapped.model, mapped.version, windowEnd),
      model: mapped.model,
      version: mapped.version,
      runId: null,
      source: 'alertmanager' as const,
      payload,
      createdAt,
    }));
  }
}
