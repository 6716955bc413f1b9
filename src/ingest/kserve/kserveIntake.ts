/**
 * KServe payload-logger intake: each event is decoded, offered to the
 * shared pending table (storage/kservePendingStore.ts) and, when it
 * completes a request/response pair, turned into prediction records that go
 * through the one ingest path of POST /v1/predictions (IngestService:
 * validation, dedup by request_id, minute summaries in the same
 * transaction). The pair is marked joined inside that transaction, so its
 * records and its mark commit together.
 */
import { AppError } from '../../core/errors.js';
import type { StoredModelVersion } from '../../core/model.js';
import type { ModelRegistry } from '../../registry/modelRegistry.js';
import type { KServePendingStore } from '../../storage/kservePendingStore.js';
import type { Metrics } from '../../telemetry/metrics.js';
import type { IngestRequestContext, IngestResult, IngestService } from '../ingestService.js';
import type { RawRecord } from '../recordSplitter.js';
import type { Rejection } from '../rejection.js';
import type { EventOutcome, InferenceHalf } from './cloudEvent.js';
import {
  joinedRecords,
  pendingKey,
  resolveIdentity,
  toPendingHalf,
  type JoinedRecord,
  type KServeBinding,
  type PendingHalf,
} from './joinRecords.js';
import { decodeRequest, decodeResponse } from './tensors.js';

/** Longest rejection message listed, as for POST /v1/predictions (rejectionList.ts). */
const MAX_MESSAGE_LENGTH = 300;

export interface KServeIntakeResult extends IngestResult {
  /** Events in the request. */
  events: number;
  /** Events now waiting for their other half. */
  pending: number;
  /** Events that completed a pair (their pair's records were stored or rejected). */
  joined: number;
}

export interface KServeIntakeOptions {
  bindings: readonly KServeBinding[];
  maxRejectionsListed: number;
  now: () => number;
}

/** Another request joined some of this batch's pairs first (keys in the caller's set). */
class JoinRace extends Error {
  constructor() {
    super('a pair was joined by another request');
    this.name = 'JoinRace';
  }
}

interface Join {
  index: number;
  key: string;
  records: JoinedRecord[];
  /** The pair was joined before: this event is a retry. */
  retried: boolean;
}

type Built =
  { ok: true; records: JoinedRecord[] } | { ok: false; rejection: Omit<Rejection, 'index'> };

export class KServeIntake {
  constructor(
    private readonly registry: ModelRegistry,
    private readonly ingest: IngestService,
    private readonly pending: KServePendingStore,
    private readonly metrics: Metrics,
    private readonly options: KServeIntakeOptions,
  ) {}

  /** Receives the events of one HTTP request (parsed by cloudEvent.ts), in order. */
  async receive(
    events: readonly EventOutcome[],
    request: IngestRequestContext = {},
  ): Promise<KServeIntakeResult> {
    if (events.length === 0) throw new AppError('body_unparseable', 'the batch holds no events');
    const nowMs = this.options.now();
    const rejected: Rejection[] = [];
    let rejectedUnlisted = 0;
    const joins: Join[] = [];
    const resolvedWithoutRecords: string[] = [];
    const versions = new Map<string, Promise<StoredModelVersion | Omit<Rejection, 'index'>>>();
    let pendingCount = 0;

    const count = (half: InferenceHalf | 'unknown', outcome: string): void =>
      this.metrics.intakeEventsTotal.inc({ source: 'kserve', half, outcome });

    for (let index = 0; index < events.length; index += 1) {
      const outcome = events[index]!;
      if (!outcome.ok) {
        rejected.push({ index, code: outcome.code, message: outcome.message });
        count('unknown', 'rejected');
        continue;
      }
      const event = outcome.event;
      const decoded =
        event.half === 'request' ? decodeRequest(event.data) : decodeResponse(event.data);
      if (!decoded.ok) {
        rejected.push({ index, code: decoded.code, message: `${event.half}: ${decoded.message}` });
        count(event.half, 'rejected');
        continue;
      }
      const key = pendingKey(event);
      const half = toPendingHalf(event, decoded.payload, nowMs);
      const row = await this.pending.offer(key, event.half, JSON.stringify(half), nowMs);
      if (row.request === null || row.response === null) {
        pendingCount += 1;
        count(event.half, 'pending');
        continue;
      }
      const built = await this.build(
        JSON.parse(row.request) as PendingHalf,
        JSON.parse(row.response) as PendingHalf,
        versions,
      );
      if (!built.ok) {
        rejected.push({ index, ...built.rejection });
        resolvedWithoutRecords.push(key);
        count(event.half, 'rejected');
        continue;
      }
      count(event.half, row.joined ? 'retried' : 'joined');
      joins.push({ index, key, records: built.records, retried: row.joined });
    }

    // Rejected pairs are done with: not waiting, and not to be counted as expired.
    await this.pending.markJoined(resolvedWithoutRecords, nowMs);
    const stored = await this.store(joins, request, nowMs);
    const origin = joins.flatMap((join) =>
      join.records.map((_, row) => ({ index: join.index, row })),
    );
    for (const rejection of stored.rejected) {
      const from = origin[rejection.index]!;
      rejected.push({
        ...rejection,
        index: from.index,
        message: `row ${from.row}: ${rejection.message}`,
      });
    }
    rejectedUnlisted += stored.rejected_count - stored.rejected.length;
    rejected.sort((a, b) => a.index - b.index);

    const max = this.options.maxRejectionsListed;
    const listed = rejected
      .slice(0, max)
      .map((rejection) =>
        rejection.message.length > MAX_MESSAGE_LENGTH
          ? { ...rejection, message: `${rejection.message.slice(0, MAX_MESSAGE_LENGTH)}…` }
          : rejection,
      );
    const result: KServeIntakeResult = {
      events: events.length,
      pending: pendingCount,
      joined: joins.filter((join) => !join.retried).length,
      accepted: stored.accepted,
      duplicates: stored.duplicates,
      rejected: listed,
      rejected_count: rejected.length + rejectedUnlisted,
    };
    // As POST /v1/predictions: a request that adds nothing and was refused in part is a client error.
    if (
      result.accepted === 0 &&
      result.duplicates === 0 &&
      result.pending === 0 &&
      result.rejected_count > 0
    ) {
      throw new AppError('validation_failed', `nothing of the ${events.length} events is valid`, {
        details: result,
      });
    }
    return result;
  }

  /** Stores the joined pairs' records in one batch, marking the pairs joined in its transaction. */
  private async store(
    joins: readonly Join[],
    request: IngestRequestContext,
    nowMs: number,
  ): Promise<IngestResult> {
    // A pair joined before (this event is a retry) was stored in full in the
    // transaction that joined it: its records are answered as duplicates,
    // never offered again — per-record keys would catch the raw rows they
    // kept, but not the sampled-out rows, which the minute summaries would
    // count twice.
    const fresh = joins.filter((join) => !join.retried);
    const retriedRecords = joins
      .filter((join) => join.retried)
      .reduce((sum, join) => sum + join.records.length, 0);
    const stored = await this.storeFresh(fresh, request, nowMs);
    return { ...stored, duplicates: stored.duplicates + retriedRecords };
  }

  /**
   * Stores pairs seen unjoined. Another request may join one of them between
   * that read and this transaction (the same event on two replicas): the
   * in-transaction claim then misses it, the transaction is rolled back and
   * the rest stored again without it (bounded: each round removes a pair).
   */
  private async storeFresh(
    joins: readonly Join[],
    request: IngestRequestContext,
    nowMs: number,
  ): Promise<IngestResult> {
    let remaining = joins;
    let lostRecords = 0;
    for (let round = 0; round <= joins.length; round++) {
      const raced = new Set<string>();
      try {
        const result = await this.storeJoins(remaining, request, nowMs, raced);
        return { ...result, duplicates: result.duplicates + lostRecords };
      } catch (error) {
        if (!(error instanceof JoinRace)) throw error;
        lostRecords += remaining
          .filter((join) => raced.has(join.key))
          .reduce((sum, join) => sum + join.records.length, 0);
        remaining = remaining.filter((join) => !raced.has(join.key));
      }
    }
    throw new Error('unreachable: every round removes at least one raced pair');
  }

  private async storeJoins(
    joins: readonly Join[],
    request: IngestRequestContext,
    nowMs: number,
    raced: Set<string>,
  ): Promise<IngestResult> {
    const records: RawRecord[] = [];
    for (const join of joins) {
      for (const record of join.records)
        records.push({ index: records.length, text: JSON.stringify(record) });
    }
    const empty: IngestResult = { accepted: 0, duplicates: 0, rejected: [], rejected_count: 0 };
    if (records.length === 0) {
      // A pair of an empty batch (zero rows) still completed: nothing to store.
      await this.pending.markJoined(
        joins.map((join) => join.key),
        nowMs,
      );
      return empty;
    }
    const keys = joins.map((join) => join.key);
    try {
      return await this.ingest.ingestRecords(records, request, {
        source: 'kserve',
        inTransaction: async (client) => {
          const claimed = await this.pending.claimJoins(keys, nowMs, client);
          if (claimed.size === keys.length) return;
          for (const key of keys) if (!claimed.has(key)) raced.add(key);
          throw new JoinRace();
        },
      });
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'validation_failed') throw error;
      // Every record was rejected: nothing stored, the pairs are done with all the same.
      await this.pending.markJoined(keys, nowMs);
      const details = error.details as Partial<IngestResult> | undefined;
      return {
        ...empty,
        rejected: details?.rejected ?? [],
        rejected_count: details?.rejected_count ?? records.length,
      };
    }
  }

  /** The records of a complete pair, or why there are none. */
  private async build(
    request: PendingHalf,
    response: PendingHalf,
    versions: Map<string, Promise<StoredModelVersion | Omit<Rejection, 'index'>>>,
  ): Promise<Built> {
    const identity = resolveIdentity(request, response, this.options.bindings);
    if (!identity.ok)
      return { ok: false, rejection: { code: identity.code, message: identity.message } };
    const cacheKey = `${identity.model}\u0000${identity.version}`;
    let lookup = versions.get(cacheKey);
    if (!lookup) {
      lookup = this.lookUp(identity.model, identity.version);
      versions.set(cacheKey, lookup);
    }
    const version = await lookup;
    if (!('features' in version)) return { ok: false, rejection: version };
    const joined = joinedRecords({
      request,
      response,
      model: identity.model,
      version: identity.version,
      definition: version,
      binding: identity.binding,
    });
    return joined.ok
      ? joined
      : { ok: false, rejection: { code: joined.code, message: joined.message } };
  }

  private async lookUp(
    model: string,
    version: string,
  ): Promise<StoredModelVersion | Omit<Rejection, 'index'>> {
    const stored = await this.registry.get(model, version);
    if (stored) return stored;
    return (await this.registry.modelExists(model))
      ? {
          code: 'unknown_version',
          message: `model ${model} has no version ${version}; register it first`,
        }
      : { code: 'unknown_model', message: `model ${model} is not registered` };
  }
}
