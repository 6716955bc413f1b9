/**
 * Ingestion of prediction records: splits the streamed body into records,
 * validates each, stores the valid ones in one transaction and reports every
 * rejection by index. Valid records are stored even when others in the batch
 * are bad; a batch with no valid record stores nothing and is a client error.
 */
import type { Config } from '../config/schema.js';
import { AppError } from '../core/errors.js';
import { featureLayout } from '../core/featureLayout.js';
import type { StoredModelVersion } from '../core/model.js';
import { buildMinuteSummaries, encodeMinuteSummary } from '../drift/minute/index.js';
import type { ModelRegistry } from '../registry/modelRegistry.js';
import type { MinuteSummaryStore } from '../storage/minuteSummaryStore.js';
import type { PoolClient } from '../storage/pool.js';
import type { PredictionStore, WriteOptions } from '../storage/predictionStore.js';
import {
  ATTR_INGEST_ACCEPTED,
  ATTR_INGEST_DUPLICATES,
  ATTR_INGEST_LINKS_DROPPED,
  ATTR_INGEST_RECORDS,
  ATTR_INGEST_REJECTED,
  ATTR_LINK_RECORD_INDEX,
  ATTR_LINK_SOURCE,
  ATTR_MODEL_NAME,
  ATTR_MODEL_VERSION,
  SPAN_INGEST,
} from '../telemetry/attributes.js';
import type { Metrics } from '../telemetry/metrics.js';
import { spanContextFromTraceparent, withSpan, type Link, type Span } from '../telemetry/tracer.js';
import { BatchValidator } from './batchValidator.js';
import type { RawSampler } from './rawSampler.js';
import { KNOWN_STATUSES } from './recordSchema.js';
import { feedRecords, type RawRecord, type RecordSplitter } from './recordSplitter.js';
import type { ValidRow } from './validateRecord.js';
import type { Rejection } from './rejection.js';

export interface IngestResult {
  accepted: number;
  duplicates: number;
  /** The first `ingest.maxRejectionsListed` rejections (all of them for the file tailer). */
  rejected: Rejection[];
  /** Every rejected record, listed or not. */
  rejected_count: number;
  /**
   * Of `accepted`, the records summarised but not kept as raw rows (outside
   * the raw sample); present only when a version of the batch is sampled.
   */
  sampled_out?: number;
  /**
   * Of `sampled_out`, those a retry of this batch would count again: the
   * batch came without an idempotency key (docs/reliability.md).
   */
  unkeyed_sampled?: number;
  /** Present when the batch's idempotency key was already stored: what its first attempt stored. */
  replay?: {
    received_at: string;
    accepted: number;
    duplicates: number;
    rejected_count: number;
    sampled_out: number;
  };
}

/** What the HTTP layer knows of the request, for the ingest span. */
export interface IngestRequestContext {
  /** The request's own `traceparent` header. */
  traceparent?: string | undefined;
  /** The request's validated `Idempotency-Key` header. */
  idempotencyKey?: string | undefined;
}

/** Where records came from, the `source` label of `driftwatch_ingest_records_total`. */
export type IngestSource = 'http' | 'file' | 'kserve';

/** Per-call options of `ingestRecords`. */
export interface IngestCallOptions {
  source?: IngestSource;
  /** Rejections listed with their message (default `ingest.maxRejectionsListed`). */
  maxRejectionsListed?: number;
  /**
   * Runs inside the transaction that stores the valid records (file tailing
   * saves its read offset here, so rows and offset commit together; it may
   * run twice when that transaction is retried). Not called when no record
   * is valid: nothing is stored then.
   */
  inTransaction?: (client: PoolClient) => Promise<void>;
  /** The batch's idempotency key (the file tailer's file and offset range). */
  batchKey?: string;
}

export interface IngestOptions {
  maxFutureMs: number;
  maxAgeMs: number;
  now: () => number;
  /**
   * Where the minute summaries of stored records go, in the batch's own
   * transaction (docs/scaling.md, "Summaries at ingest"); none: not built.
   */
  minuteSummaries?: MinuteSummaryStore;
  /** Which raw rows are kept (none: every row). */
  sampler?: RawSampler;
}

export class IngestService {
  constructor(
    private readonly registry: ModelRegistry,
    private readonly predictions: PredictionStore,
    private readonly config: Config,
    private readonly metrics: Metrics,
    private readonly options: IngestOptions,
  ) {}

  /**
   * Validates records as the body streams in, keeping only the compact COPY
   * line of each valid record (never the whole body), then stores them.
   */
  async ingestStream(
    body: AsyncIterable<unknown>,
    splitter: RecordSplitter,
    request: IngestRequestContext = {},
  ): Promise<IngestResult> {
    return this.traced(request, (batch) => feedRecords(body, splitter, (raw) => batch.add(raw)));
  }

  /** Same as ingestStream for records already split (tests, file tailing). */
  async ingestRecords(
    records: Iterable<RawRecord>,
    request: IngestRequestContext = {},
    options: IngestCallOptions = {},
  ): Promise<IngestResult> {
    return this.traced(
      request,
      async (batch) => {
        for (const raw of records) {
          const pending = batch.add(raw);
          if (pending) await pending;
        }
      },
      options,
    );
  }

  /**
   * Validates (`fill`) and stores one request's batch inside the span
   * `driftwatch.ingest`, which links to the request's traceparent and to the
   * distinct traceparents the records carry (docs/tracing.md).
   */
  private traced(
    request: IngestRequestContext,
    fill: (batch: BatchValidator) => Promise<void>,
    options: IngestCallOptions = {},
  ): Promise<IngestResult> {
    return withSpan(SPAN_INGEST, {}, async (span) => {
      const batch = new BatchValidator(
        this.registry,
        this.config,
        {
          nowMs: this.options.now(),
          maxFutureMs: this.options.maxFutureMs,
          maxAgeMs: this.options.maxAgeMs,
        },
        span.isRecording(),
        options.maxRejectionsListed ?? this.config.ingest.maxRejectionsListed,
      );
      try {
        await fill(batch);
        const batchKey = options.batchKey ?? request.idempotencyKey;
        const result = await this.store(
          batch,
          batchKey === undefined ? options : { ...options, batchKey },
        );
        span.setAttributes({
          [ATTR_INGEST_ACCEPTED]: result.accepted,
          [ATTR_INGEST_DUPLICATES]: result.duplicates,
        });
        return result;
      } finally {
        if (span.isRecording()) annotateIngestSpan(span, batch, request);
      }
    });
  }

  private async store(batch: BatchValidator, options: IngestCallOptions): Promise<IngestResult> {
    const { valid, rejected, total } = batch;
    const source = options.source ?? 'http';
    if (total === 0) throw new AppError('body_unparseable', 'the body holds no records');
    for (const [code, count] of rejected.byCode) {
      this.metrics.ingestRecordsTotal.inc({ source, outcome: 'rejected', reason: code }, count);
    }
    if (valid.length === 0) {
      throw new AppError('validation_failed', `none of the ${total} records is valid`, {
        details: { accepted: 0, duplicates: 0, ...rejected.toJSON() },
      });
    }

    const versions = [...batch.versions.values()];
    const summaries = this.options.minuteSummaries;
    const decision = this.options.sampler ? await this.options.sampler.decide(versions) : undefined;
    const writeOptions: WriteOptions<ValidRow> = {};
    if (decision?.sampling) {
      writeOptions.keep = (row) => decision.keeps(row.model, row.version, row.requestId);
    }
    if (options.batchKey !== undefined) {
      writeOptions.batch = {
        key: options.batchKey,
        records: total,
        rejectedCount: rejected.count,
        receivedAtMs: this.options.now(),
      };
    }
    const result = await this.predictions.write(
      valid,
      async (client) => {
        await this.confirmRevisions(client, versions);
        if (options.inTransaction) await options.inTransaction(client);
      },
      summaries
        ? (client, fresh) => summaries.insert(client, minuteSummariesOf(fresh, batch))
        : undefined,
      writeOptions,
    );
    if (decision) {
      for (const version of versions) {
        this.metrics.rawSampleFraction.set(
          { model: version.model, model_version: version.version },
          decision.fractionOf(version.model, version.version),
        );
      }
    }
    if (result.replayOf) {
      this.metrics.ingestBatchReplaysTotal.inc({ source });
      this.metrics.ingestRecordsTotal.inc(
        { source, outcome: 'duplicate', reason: 'none' },
        result.duplicates,
      );
      const first = result.replayOf;
      return {
        accepted: 0,
        duplicates: result.duplicates,
        ...rejected.toJSON(),
        replay: {
          received_at: first.receivedAt,
          accepted: first.accepted,
          duplicates: first.duplicates,
          rejected_count: first.rejectedCount,
          sampled_out: first.sampledOut,
        },
      };
    }
    this.countSampledOut(result.sampledOutRows);

    this.metrics.ingestRecordsTotal.inc(
      { source, outcome: 'accepted', reason: 'none' },
      result.inserted,
    );
    if (result.duplicates > 0) {
      this.metrics.ingestRecordsTotal.inc(
        { source, outcome: 'duplicate', reason: 'none' },
        result.duplicates,
      );
    }
    for (const row of result.byStatus) {
      const status = KNOWN_STATUSES.has(row.status) ? row.status : 'other';
      this.metrics.predictionsTotal.inc(
        { model: row.model, model_version: row.modelVersion, status },
        row.count,
      );
    }
    this.countFeatureGaps(valid);
    this.observeStored(result.fresh);
    const answer: IngestResult = {
      accepted: result.inserted,
      duplicates: result.duplicates,
      ...rejected.toJSON(),
    };
    if (decision?.sampling) {
      answer.sampled_out = result.sampledOut;
      if (options.batchKey === undefined) {
        answer.unkeyed_sampled = result.sampledOut;
        if (result.sampledOut > 0) {
          this.metrics.ingestUnkeyedSampledTotal.inc({ source }, result.sampledOut);
        }
      }
    }
    return answer;
  }

  private countSampledOut(rows: readonly ValidRow[]): void {
    if (rows.length === 0) return;
    const counts = new Map<string, number>();
    for (const row of rows) {
      const key = `${row.model}\u0000${row.version}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    for (const [key, count] of counts) {
      const [model = '', version = ''] = key.split('\u0000');
      this.metrics.rawRowsSampledOutTotal.inc({ model, model_version: version }, count);
    }
  }

  /** Latency and score histograms of the records just stored (duplicates are not observed twice). */
  private observeStored(rows: readonly ValidRow[]): void {
    // One labelled child per version of the batch: label hashing once, not per row.
    const children = new Map<
      string,
      { latency: { observe(v: number): void }; score: { observe(v: number): void } }
    >();
    for (const row of rows) {
      if (row.latencyMs === null && row.score === null) continue;
      const key = `${row.model}\u0000${row.version}`;
      let child = children.get(key);
      if (!child) {
        const labels = { model: row.model, model_version: row.version };
        child = {
          latency: this.metrics.predictionLatencySeconds.labels(labels),
          score: this.metrics.predictionScore.labels(labels),
        };
        children.set(key, child);
      }
      if (row.latencyMs !== null) child.latency.observe(row.latencyMs / 1000);
      if (row.score !== null) child.score.observe(row.score);
    }
  }

  private countFeatureGaps(rows: readonly ValidRow[]): void {
    const missing = new Map<string, number>();
    const ignored = new Map<string, number>();
    for (const row of rows) {
      const key = `${row.model}\u0000${row.version}`;
      if (row.missingFeatures > 0) missing.set(key, (missing.get(key) ?? 0) + row.missingFeatures);
      if (row.ignoredFeatures > 0) ignored.set(key, (ignored.get(key) ?? 0) + row.ignoredFeatures);
    }
    for (const [key, count] of missing) {
      const [model = '', version = ''] = key.split('\u0000');
      this.metrics.ingestMissingFeaturesTotal.inc({ model, model_version: version }, count);
    }
    for (const [key, count] of ignored) {
      const [model = '', version = ''] = key.split('\u0000');
      this.metrics.ingestIgnoredFeaturesTotal.inc({ model, model_version: version }, count);
    }
  }

  /**
   * Locks the versions used (FOR SHARE: a concurrent schema change waits for
   * this batch) and checks that each is still the revision validated against.
   */
  private async confirmRevisions(
    client: PoolClient,
    versions: readonly StoredModelVersion[],
  ): Promise<void> {
    const rows = await this.registry.lockRevisions(client, versions);
    const current = new Map(rows.map((row) => [`${row.model}\u0000${row.version}`, row.revision]));
    const stale = versions.filter(
      (v) => current.get(`${v.model}\u0000${v.version}`) !== v.revision,
    );
    if (stale.length > 0) {
      // Only possible when a version without predictions was re-registered
      // while this batch was being validated; the client's retry validates
      // against the new schema.
      this.registry.invalidate(stale);
      throw new AppError('schema_changed', 'a model schema changed during this request; retry it');
    }
  }
}

/**
 * The minute summaries of the rows just stored (only those: duplicates were
 * counted by the batch that stored them), in their JSON form.
 */
function minuteSummariesOf(rows: readonly ValidRow[], batch: BatchValidator) {
  const built = buildMinuteSummaries(rows, (model, version) => {
    const stored = batch.versions.get(`${model}\u0000${version}`);
    // Every valid row was validated against a version of the batch.
    if (!stored) throw new Error(`no schema for ${model} version ${version} in this batch`);
    return featureLayout(stored.features);
  });
  return built.map((entry) => ({
    model: entry.model,
    version: entry.version,
    minuteMs: entry.minuteMs,
    summary: encodeMinuteSummary(entry.summary),
  }));
}

/** Counts, model identity and links of an ingest span (also when the batch failed). */
function annotateIngestSpan(
  span: Span,
  batch: BatchValidator,
  request: IngestRequestContext,
): void {
  span.setAttributes({
    [ATTR_INGEST_RECORDS]: batch.total,
    [ATTR_INGEST_REJECTED]: batch.rejected.count,
  });
  const versions = [...batch.versions.values()];
  const models = new Set(versions.map((version) => version.model));
  if (models.size === 1) span.setAttribute(ATTR_MODEL_NAME, [...models][0]!);
  if (versions.length === 1) span.setAttribute(ATTR_MODEL_VERSION, versions[0]!.version);
  if (batch.traceparentsDropped > 0) {
    span.setAttribute(ATTR_INGEST_LINKS_DROPPED, batch.traceparentsDropped);
  }

  const links: Link[] = [];
  const own = span.spanContext().traceId;
  // The header's trace is already this span's parent when the HTTP server
  // span continued it; a link only adds something for another trace (the
  // caller did not propagate, or auto-instrumentation is off).
  const caller = spanContextFromTraceparent(request.traceparent);
  if (caller && caller.traceId !== own) {
    links.push({ context: caller, attributes: { [ATTR_LINK_SOURCE]: 'request' } });
  }
  for (const { traceparent, index } of batch.traceparents.values()) {
    const context = spanContextFromTraceparent(traceparent);
    if (!context) continue;
    links.push({
      context,
      attributes: { [ATTR_LINK_SOURCE]: 'record', [ATTR_LINK_RECORD_INDEX]: index },
    });
  }
  if (links.length > 0) span.addLinks(links);
}
