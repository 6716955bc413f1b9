/**
 * Runs checks and records them. Whatever happens inside a check, a run is
 * written — with status `error` and the reason when the check itself failed —
 * so on-call sees failures in the same place as results. Only a failure to
 * record the run (the database is down) escapes to the caller.
 */
import { SpanStatusCode, context, trace } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { modelCheckSettings } from '../config/schema.js';
import { NotFoundError, ValidationError } from '../core/errors.js';
import type { StoredModelVersion } from '../core/model.js';
import type { CheckKind, CheckRun, NewRun, RunResult, RunTrigger } from '../core/run.js';
import { isDatabaseUnavailable, isQueryCanceled, type PoolClient } from '../storage/pool.js';
import type { ModelRegistry } from '../registry/modelRegistry.js';
import type { RunStore } from '../storage/runStore.js';
import {
  ATTR_CHECK_KIND,
  ATTR_CHECK_PATH,
  ATTR_CHECK_ROWS,
  ATTR_CHECK_RUN_ID,
  ATTR_CHECK_STATUS,
  ATTR_CHECK_TRIGGER,
  ATTR_CHECK_WINDOW_END,
  ATTR_CHECK_WINDOW_SECONDS,
  ATTR_CHECK_WINDOW_START,
  ATTR_ERROR_TYPE,
  ATTR_FEATURE_NAME,
  ATTR_MODEL_NAME,
  ATTR_MODEL_VERSION,
  ATTR_TEST_ADJUSTED_P_VALUE,
  ATTR_TEST_DRIFTED,
  ATTR_TEST_N_CURRENT,
  ATTR_TEST_N_REFERENCE,
  ATTR_TEST_NAME,
  ATTR_TEST_P_VALUE,
  ATTR_TEST_STATISTIC,
  ATTR_TEST_STATUS,
  SPAN_CHECK,
  SPAN_CHECK_FEATURE,
} from '../telemetry/attributes.js';
import type { Metrics } from '../telemetry/metrics.js';
import { tracer, withSpan, type Attributes, type Span } from '../telemetry/tracer.js';
import { countRun, publishRun } from './checkMetrics.js';
import type { CheckRunner } from './checkRunner.js';

export interface RunRequest {
  model: string;
  /** Default: the versions chosen by `versionsToCheck`. */
  version?: string | undefined;
  kind: CheckKind;
  trigger: RunTrigger;
  /** Overrides the configured window. */
  windowSeconds?: number | undefined;
}

export interface CheckServiceDeps {
  config: Config;
  registry: ModelRegistry;
  runs: RunStore;
  /** One runner per kind of check this service can run. */
  runners: readonly CheckRunner[];
  metrics: Metrics;
  logger: Logger;
  now: () => number;
  /** Versions with predictions in a window. */
  activeVersions: (model: string, startMs: number, endMs: number) => Promise<string[]>;
  /** Runs in the transaction that stores a run (the webhook outbox). */
  onRunStored?: (client: PoolClient, run: CheckRun) => Promise<void>;
}

export class CheckService {
  private readonly config: Config;
  private readonly registry: ModelRegistry;
  private readonly runs: RunStore;
  private readonly runners: ReadonlyMap<CheckKind, CheckRunner>;
  private readonly metrics: Metrics;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly activeVersions: CheckServiceDeps['activeVersions'];
  private readonly onRunStored: CheckServiceDeps['onRunStored'];

  constructor(deps: CheckServiceDeps) {
    this.config = deps.config;
    this.registry = deps.registry;
    this.runs = deps.runs;
    this.runners = new Map(deps.runners.map((runner) => [runner.kind, runner]));
    this.metrics = deps.metrics;
    this.logger = deps.logger;
    this.now = deps.now;
    this.activeVersions = deps.activeVersions;
    this.onRunStored = deps.onRunStored;
  }

  /**
   * Which versions a run covers when none is named: every version with
   * traffic in the window; when none has any, the newest version (so that its
   * run says `insufficient_data` rather than nothing at all).
   */
  async versionsToCheck(
    model: string,
    kind: CheckKind,
    windowSeconds?: number,
  ): Promise<StoredModelVersion[]> {
    const versions = (await this.registry.list()).filter((v) => v.model === model);
    if (versions.length === 0) throw new NotFoundError(`model ${model} is not registered`);
    const seconds = windowSeconds ?? this.windowSeconds(model, kind);
    const end = this.now();
    const active = new Set(await this.activeVersions(model, end - seconds * 1000, end));
    const settings = modelCheckSettings(this.config, model);
    // Parity needs the version's own model file; shadowing compares the
    // serving versions with the challenger, not the challenger with itself.
    const eligible = versions.filter((v) =>
      kind === 'parity'
        ? v.onnx !== null
        : kind === 'shadow'
          ? v.version !== settings.shadow?.challenger
          : true,
    );
    if (eligible.length === 0) {
      throw new ValidationError(
        kind === 'parity'
          ? `no version of ${model} has an ONNX artifact to check parity with`
          : `no version of ${model} to shadow`,
      );
    }
    const withTraffic = eligible.filter((v) => active.has(v.version));
    if (withTraffic.length > 0) return withTraffic;
    const newest = eligible.reduce((a, b) => (b.createdAt > a.createdAt ? b : a));
    return [newest];
  }

  /** The kinds this service can run. */
  get kinds(): CheckKind[] {
    return [...this.runners.keys()];
  }

  private runner(kind: CheckKind): CheckRunner {
    const runner = this.runners.get(kind);
    if (!runner) {
      throw new ValidationError(`check kind "${kind}" cannot be run: use ${this.kinds.join(', ')}`);
    }
    return runner;
  }

  private windowSeconds(model: string, kind: CheckKind): number {
    return this.runner(kind).windowSeconds(modelCheckSettings(this.config, model));
  }

  /** Runs the check for the named version, or for each version `versionsToCheck` picks. */
  async run(request: RunRequest): Promise<CheckRun[]> {
    this.runner(request.kind);
    let versions: StoredModelVersion[];
    if (request.version !== undefined) {
      const version = await this.registry.get(request.model, request.version);
      if (!version)
        throw new NotFoundError(
          `model ${request.model} version ${request.version} is not registered`,
        );
      versions = [version];
    } else {
      versions = await this.versionsToCheck(request.model, request.kind, request.windowSeconds);
    }
    const runs: CheckRun[] = [];
    for (const version of versions) runs.push(await this.runVersion(version, request));
    return runs;
  }

  /** One version's run, in the span `driftwatch.check` (docs/tracing.md). */
  private runVersion(version: StoredModelVersion, request: RunRequest): Promise<CheckRun> {
    return withSpan(
      SPAN_CHECK,
      {
        [ATTR_MODEL_NAME]: version.model,
        [ATTR_MODEL_VERSION]: version.version,
        [ATTR_CHECK_KIND]: request.kind,
        [ATTR_CHECK_TRIGGER]: request.trigger,
      },
      async (span) => {
        const stored = await this.runVersionInSpan(version, request);
        if (span.isRecording()) annotateCheckSpan(span, stored);
        return stored;
      },
    );
  }

  private async runVersionInSpan(
    version: StoredModelVersion,
    request: RunRequest,
  ): Promise<CheckRun> {
    const settings = modelCheckSettings(this.config, version.model);
    const runner = this.runner(request.kind);
    const startedAt = new Date(this.now());
    const windowSeconds = request.windowSeconds ?? this.windowSeconds(version.model, request.kind);
    const windowEnd = startedAt.getTime();
    const windowStart = windowEnd - windowSeconds * 1000;
    const log = this.logger.child({
      model: version.model,
      version: version.version,
      kind: request.kind,
    });
    let run: Omit<NewRun, 'finishedAt'>;

    try {
      const outcome = await runner.run(version, settings, {
        startMs: windowStart,
        endMs: windowEnd,
      });
      run = { ...base(), ...outcome };
    } catch (error) {
      // A statement the database cancelled at the jobs pool's statement
      // timeout is the check's failure (too large a window), and the
      // database is there to record it; otherwise the run cannot be recorded
      // either: the caller (scheduler loop or HTTP) reports it.
      if (isDatabaseUnavailable(error) && !isQueryCanceled(error)) throw error;
      const message = error instanceof Error ? error.message : String(error);
      log.warn({ err: error }, 'check failed');
      run = {
        ...base(),
        status: 'error',
        path: null,
        rows: null,
        summary: {},
        error: message,
        results: [],
      };
    }
    const finished: NewRun = { ...run, finishedAt: new Date(this.now()) };
    const stored = await this.runs.insert(finished, this.onRunStored);
    countRun(this.metrics, stored);
    publishRun(this.metrics, stored);
    log.info(
      { runId: stored.id, status: stored.status, rows: stored.rows, path: stored.path },
      'check finished',
    );
    return stored;

    function base() {
      return {
        model: version.model,
        version: version.version,
        kind: request.kind,
        trigger: request.trigger,
        windowStart: new Date(windowStart),
        windowEnd: new Date(windowEnd),
        startedAt,
        error: null,
      };
    }
  }

  /** Restores the gauges from the latest stored runs (at start-up). */
  async restoreGauges(): Promise<number> {
    const latest = await this.runs.latestRuns();
    for (const run of latest) publishRun(this.metrics, run);
    for (const success of await this.runs.lastSuccesses()) {
      this.metrics.checkLastSuccessTimestampSeconds.set(
        { model: success.model, model_version: success.version, kind: success.kind },
        success.finishedAt.getTime() / 1000,
      );
    }
    return latest.length;
  }
}

/**
 * The run's outcome on its span, and one child span `driftwatch.check.feature`
 * per result row. The children are made here, after the run, with the run's
 * start and end times: the tests themselves run in a tight loop (or on
 * merged summaries) that must not pay for a span each.
 */
function annotateCheckSpan(span: Span, run: CheckRun): void {
  span.setAttributes({
    [ATTR_CHECK_RUN_ID]: run.id,
    [ATTR_CHECK_STATUS]: run.status,
    [ATTR_CHECK_WINDOW_START]: run.windowStart.toISOString(),
    [ATTR_CHECK_WINDOW_END]: run.windowEnd.toISOString(),
    [ATTR_CHECK_WINDOW_SECONDS]: Math.round(
      (run.windowEnd.getTime() - run.windowStart.getTime()) / 1000,
    ),
    ...(run.rows !== null ? { [ATTR_CHECK_ROWS]: run.rows } : {}),
    ...(run.path !== null ? { [ATTR_CHECK_PATH]: run.path } : {}),
  });
  if (run.status === 'error') {
    // The run is recorded, so nothing was thrown; the span still says it failed.
    span.setAttribute(ATTR_ERROR_TYPE, 'check_failed');
    span.setStatus({ code: SpanStatusCode.ERROR, message: run.error ?? 'check failed' });
  }
  const parent = trace.setSpan(context.active(), span);
  for (const result of run.results) {
    // Segment rows are many (features × segments) and are in the stored run; spans only for the whole window.
    if (result.segment !== null && result.segment !== undefined) continue;
    tracer
      .startSpan(
        SPAN_CHECK_FEATURE,
        { startTime: run.startedAt, attributes: featureTestAttributes(run, result) },
        parent,
      )
      .end(run.finishedAt);
  }
}

function featureTestAttributes(run: CheckRun, result: RunResult): Attributes {
  const attributes: Attributes = {
    [ATTR_MODEL_NAME]: run.model,
    [ATTR_MODEL_VERSION]: run.version,
    [ATTR_CHECK_KIND]: run.kind,
    [ATTR_FEATURE_NAME]: result.feature,
    [ATTR_TEST_NAME]: result.test,
    [ATTR_TEST_STATUS]: result.status,
    [ATTR_TEST_DRIFTED]: result.drifted,
    [ATTR_TEST_N_REFERENCE]: result.nReference,
    [ATTR_TEST_N_CURRENT]: result.nCurrent,
  };
  if (result.statistic !== null) attributes[ATTR_TEST_STATISTIC] = result.statistic;
  if (result.pValue !== null) attributes[ATTR_TEST_P_VALUE] = result.pValue;
  if (result.adjustedPValue !== null) {
    attributes[ATTR_TEST_ADJUSTED_P_VALUE] = result.adjustedPValue;
  }
  return attributes;
}
