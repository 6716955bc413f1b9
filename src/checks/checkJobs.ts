/**
 * Which scheduled check jobs exist, and keeping the scheduler in step with
 * the registry. Per registered model (docs/checks.md):
 *
 * - `drift:<model>` and `performance:<model>`, unless disabled;
 * - `parity:<model>`, when enabled and a version has an ONNX artifact;
 * - `shadow:<model>`, when a challenger is configured and a version has an
 *   ONNX artifact.
 *
 * `wantedCheckJobs` decides (pure); `CheckJobs` adds the jobs of the models
 * registered at start-up and later — here or by another replica — and counts
 * the slots of those jobs that did not run in
 * driftwatch_check_slots_missed_total.
 */
import { modelCheckSettings, type Config } from '../config/schema.js';
import type { CheckKind } from '../core/run.js';
import type { ModelRegistry } from '../registry/modelRegistry.js';
import type { MissReason, MissedSlot, Scheduler } from '../scheduler/scheduler.js';
import { translateDatabaseError } from '../storage/pool.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { CheckService } from './checkService.js';

/** One scheduled check: `kind` of `model` on `schedule`, as the job `name`. */
export interface CheckJobSpec {
  /** `<kind>:<model>`: stable across releases and replicas (it names the lease). */
  name: string;
  /** node-cron expression. */
  schedule: string;
  model: string;
  kind: CheckKind;
}

/** What scheduling needs of a registered version. */
export interface RegisteredVersion {
  model: string;
  /** The version's ONNX artifact; null when it has none. */
  onnx: unknown;
}

/** The job name of a model's check: `drift:churn`. */
export function checkJobName(kind: CheckKind, model: string): string {
  return `${kind}:${model}`;
}

/**
 * The check jobs that the configuration asks for, given the registered
 * versions: models in the order they first appear, and per model drift,
 * performance, parity, shadow.
 *
 * @example wantedCheckJobs(config, [{ model: 'churn', onnx: null }])
 * // → [{ name: 'drift:churn', kind: 'drift', … }, { name: 'performance:churn', … }]
 */
export function wantedCheckJobs(
  config: Config,
  versions: readonly RegisteredVersion[],
): CheckJobSpec[] {
  const jobs: CheckJobSpec[] = [];
  for (const model of new Set(versions.map((version) => version.model))) {
    const settings = modelCheckSettings(config, model);
    const hasOnnx = versions.some((v) => v.model === model && v.onnx !== null);
    const wanted: [CheckKind, string, boolean][] = [
      ['drift', settings.drift.schedule, settings.drift.enabled],
      ['performance', settings.performance.schedule, settings.performance.enabled],
      ['parity', settings.parity.schedule, settings.parity.enabled && hasOnnx],
      ['shadow', settings.shadow?.schedule ?? '', settings.shadow !== null && hasOnnx],
    ];
    for (const [kind, schedule, enabled] of wanted) {
      if (enabled) jobs.push({ name: checkJobName(kind, model), schedule, model, kind });
    }
  }
  return jobs;
}

const MISS_REASONS: readonly MissReason[] = [
  'database_unavailable',
  'still_running',
  'late',
  'error',
];

/** How often the registry is read again, for models another replica registered. */
const RECONCILE_MS = 60_000;

export interface CheckJobsDeps {
  config: Config;
  registry: Pick<ModelRegistry, 'list' | 'onCreated'>;
  checks: Pick<CheckService, 'run'>;
  metrics: Metrics;
  logger: Logger;
}

/**
 * The check jobs of a scheduler. Pass `onSlotMissed` to the scheduler's
 * options, then `start(scheduler)`; a job once added stays (a model is never
 * unregistered while the process runs).
 */
export class CheckJobs {
  private readonly deps: CheckJobsDeps;
  /** The jobs added so far, by name. */
  private readonly added = new Map<string, CheckJobSpec>();
  private timer: NodeJS.Timeout | null = null;
  private first: Promise<void> = Promise.resolve();

  constructor(deps: CheckJobsDeps) {
    this.deps = deps;
  }

  /** For the scheduler's `onSlotMissed`: counts a missed slot of a check job. */
  readonly onSlotMissed = (missed: MissedSlot): void => {
    const job = this.added.get(missed.name);
    if (job) {
      this.deps.metrics.checkSlotsMissedTotal.inc({
        model: job.model,
        kind: job.kind,
        reason: missed.reason,
      });
    }
  };

  /** Adds the jobs of the registered models now, on each registration, and every minute. */
  start(scheduler: Pick<Scheduler, 'add'>): void {
    const reconcile = (): Promise<void> =>
      this.reconcile(scheduler).catch((error: unknown) =>
        this.deps.logger.error({ err: error }, 'scheduling checks failed'),
      );
    this.deps.registry.onCreated(() => void reconcile());
    this.first = reconcile();
    this.timer = setInterval(() => void reconcile(), RECONCILE_MS);
    this.timer.unref();
  }

  /** Stops looking for new models; the jobs themselves stop with the scheduler. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.first;
  }

  /** Adds the wanted jobs that are not there yet. */
  async reconcile(scheduler: Pick<Scheduler, 'add'>): Promise<void> {
    const { config, registry, checks, metrics } = this.deps;
    for (const job of wantedCheckJobs(config, await registry.list())) {
      if (this.added.has(job.name)) continue;
      const { model, kind } = job;
      scheduler.add({
        name: job.name,
        schedule: job.schedule,
        run: async () => {
          try {
            await checks.run({ model, kind, trigger: 'schedule' });
          } catch (error) {
            // A raw driver error too must read as "database unavailable" to the scheduler.
            throw translateDatabaseError(error);
          }
        },
      });
      this.added.set(job.name, job);
      // Every series from zero, so that increase() sees the first miss.
      for (const reason of MISS_REASONS)
        metrics.checkSlotsMissedTotal.inc({ model, kind, reason }, 0);
    }
  }
}
