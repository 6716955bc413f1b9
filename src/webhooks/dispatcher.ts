/**
 * Sends outbox rows to their targets. A poll loop claims due rows (lease +
 * SKIP LOCKED, so replicas never send the same row concurrently), posts each
 * signed payload with a timeout, and records the outcome: `delivered`,
 * `failed` (retried after exponential backoff with full jitter) or
 * `dead_letter` (older than maxAgeHours). The loop skips a tick while the last
 * is running, never throws into the host, and `stop()` waits for it.
 */
import { context, propagation } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { WebhookTarget, WebhooksConfig } from '../config/webhooksSchema.js';
import type { OutboxRow, OutboxStore } from '../storage/outboxStore.js';
import type { Metrics } from '../telemetry/metrics.js';
import { webhookDeliverySpan } from '../telemetry/tracer.js';
import { retryDelayMs } from './backoff.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signPayload } from './signature.js';

export type DeliveryOutcome = 'delivered' | 'failed' | 'dead_letter';

export interface DispatcherDeps {
  config: WebhooksConfig;
  store: OutboxStore;
  metrics: Metrics;
  logger: Logger;
  /** Lease owner, e.g. `host:pid`. */
  owner: string;
  now?: () => number;
  random?: () => number;
}

/** Redirects followed, and only to the same origin (scheme, host and port). */
const MAX_REDIRECTS = 3;

interface AttemptResult {
  ok: boolean;
  status: number | null;
  error: string | null;
}

export class WebhookDispatcher {
  private readonly config: WebhooksConfig;
  private readonly store: OutboxStore;
  private readonly metrics: Metrics;
  private readonly logger: Logger;
  private readonly owner: string;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly targets: ReadonlyMap<string, WebhookTarget>;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;

  constructor(deps: DispatcherDeps) {
    this.config = deps.config;
    this.store = deps.store;
    this.metrics = deps.metrics;
    this.logger = deps.logger;
    this.owner = deps.owner;
    this.now = deps.now ?? Date.now;
    this.random = deps.random ?? Math.random;
    this.targets = new Map(deps.config.targets.map((t) => [t.name, t]));
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops polling and waits for the tick in progress (its rows are recorded). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.tick().finally(() => this.schedule(this.config.pollIntervalMs));
    }, delayMs);
    this.timer.unref();
  }

  /**
   * One poll: claims due rows and sends them. Skipped when a tick is already
   * running; never rejects. Returns the number of rows handled.
   */
  async tick(): Promise<number> {
    if (this.running) return 0;
    let handled = 0;
    const work = (async () => {
      try {
        handled = await this.dispatchDue();
        await this.refreshPending();
      } catch (error) {
        this.logger.error({ err: error }, 'webhook dispatch failed');
      }
    })();
    this.running = work;
    try {
      await work;
    } finally {
      this.running = null;
    }
    return handled;
  }

  private async dispatchDue(): Promise<number> {
    const now = this.now();
    // Long enough for every redirect hop to time out, plus margin to record.
    const leaseMs = this.config.timeoutMs * (MAX_REDIRECTS + 1) + 30_000;
    const rows = await this.store.claimDue(
      this.owner,
      new Date(now),
      new Date(now + leaseMs),
      this.config.batchSize,
    );
    await Promise.all(rows.map((row) => this.deliver(row)));
    return rows.length;
  }

  private async refreshPending(): Promise<void> {
    const pending = await this.store.pendingByTarget();
    for (const name of new Set([...this.targets.keys(), ...pending.keys()])) {
      this.metrics.webhookOutboxPending.set({ target: name }, pending.get(name) ?? 0);
    }
  }

  private async deliver(row: OutboxRow): Promise<void> {
    const log = this.logger.child({
      target: row.target,
      event: row.event,
      eventId: row.eventId,
      attempt: row.attempts,
    });
    try {
      const target = this.targets.get(row.target);
      const maxAgeMs = this.config.maxAgeHours * 3_600_000;
      const expiresAt = row.createdAt.getTime() + maxAgeMs;
      if (!target) {
        await this.record(row, 'dead_letter', () =>
          this.store.markDead(row, null, `target ${row.target} is no longer configured`),
        );
        return;
      }
      if (this.now() >= expiresAt) {
        await this.record(row, 'dead_letter', () =>
          this.store.markDead(row, row.lastStatus, `older than ${this.config.maxAgeHours} h`),
        );
        return;
      }
      const result = await this.attempt(target, row);
      if (result.ok) {
        await this.record(row, 'delivered', () =>
          this.store.markDelivered(row, new Date(this.now()), result.status ?? 0),
        );
        log.info({ status: result.status }, 'webhook delivered');
        return;
      }
      const error = result.error ?? `HTTP ${result.status}`;
      const delay = retryDelayMs(
        row.attempts,
        { initialMs: this.config.initialBackoffMs, maxMs: this.config.maxBackoffMs },
        this.random,
      );
      const next = this.now() + delay;
      if (next >= expiresAt) {
        await this.record(row, 'dead_letter', () =>
          this.store.markDead(row, result.status, `${error}; no retry before max age`),
        );
        log.warn({ status: result.status, error }, 'webhook dead-lettered');
        return;
      }
      await this.record(row, 'failed', () =>
        this.store.markFailed(row, new Date(next), result.status, error),
      );
      log.warn({ status: result.status, error, retryInMs: delay }, 'webhook delivery failed');
    } catch (error) {
      // The row keeps its lease and is retried when the lease ends.
      log.error({ err: error }, 'recording a webhook delivery failed');
    }
  }

  private async record(
    row: OutboxRow,
    outcome: DeliveryOutcome,
    settle: () => Promise<boolean>,
  ): Promise<void> {
    const kept = await settle();
    if (!kept) {
      // Another dispatcher took the row after our lease ended; its outcome stands.
      this.logger.warn({ eventId: row.eventId, target: row.target }, 'webhook lease lost');
      return;
    }
    this.metrics.webhookDeliveriesTotal.inc({ target: row.target, event: row.event, outcome });
  }

  /** One signed POST (following same-origin redirects only); never throws. */
  private async attempt(target: WebhookTarget, row: OutboxRow): Promise<AttemptResult> {
    const body = JSON.stringify(row.payload);
    const timestamp = Math.floor(this.now() / 1000);
    const secret = target.secret ?? '';
    const origin = new URL(target.url).origin;
    let url = target.url;
    let outcome: AttemptResult = { ok: false, status: null, error: 'not sent' };
    try {
      await webhookDeliverySpan(
        {
          webhookId: target.name,
          event: row.event,
          url: redactQuery(url),
          attempt: row.attempts,
        },
        async () => {
          for (let hop = 0; hop <= MAX_REDIRECTS; hop += 1) {
            const headers: Record<string, string> = {
              ...target.headers,
              'content-type': 'application/json',
              'idempotency-key': row.eventId,
              'x-driftwatch-event': row.event,
              'x-driftwatch-delivery': String(row.id),
              [TIMESTAMP_HEADER.toLowerCase()]: String(timestamp),
              [SIGNATURE_HEADER.toLowerCase()]: signPayload(secret, timestamp, body),
            };
            propagation.inject(context.active(), headers);
            const response = await fetch(url, {
              method: 'POST',
              headers,
              body,
              redirect: 'manual',
              signal: AbortSignal.timeout(this.config.timeoutMs),
            });
            // The body is not used; read it (bounded by the timeout) to free the socket.
            await response.arrayBuffer().catch(() => undefined);
            const location = response.headers.get('location');
            if (response.status >= 300 && response.status < 400 && location) {
              const next = new URL(location, url);
              if (next.origin !== origin || (response.status !== 307 && response.status !== 308)) {
                outcome = {
                  ok: false,
                  status: response.status,
                  error: `redirect to ${next.origin} not followed (only 307/308 to ${origin})`,
                };
                return response.status;
              }
              url = next.toString();
              continue;
            }
            outcome = {
              ok: response.status >= 200 && response.status < 300,
              status: response.status,
              error: null,
            };
            return response.status;
          }
          outcome = { ok: false, status: null, error: `more than ${MAX_REDIRECTS} redirects` };
          return 310;
        },
      );
    } catch (error) {
      const name = (error as { name?: unknown }).name;
      outcome = {
        ok: false,
        status: null,
        error:
          name === 'TimeoutError'
            ? `timed out after ${this.config.timeoutMs} ms`
            : describeFetchError(error),
      };
    }
    return outcome;
  }
}

function redactQuery(url: string): string {
  const parsed = new URL(url);
  parsed.search = '';
  return parsed.toString();
}

function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  const code = (cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? `${error.message} (${code})` : error.message;
}
