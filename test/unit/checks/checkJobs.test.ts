import pino from 'pino';
import { describe, expect, it } from 'vitest';
import {
  CheckJobs,
  checkJobName,
  wantedCheckJobs,
  type RegisteredVersion,
} from '../../../src/checks/checkJobs.js';
import { configSchema, type ConfigInput } from '../../../src/config/schema.js';
import type { ScheduledJob } from '../../../src/scheduler/scheduler.js';
import { Metrics } from '../../../src/telemetry/metrics.js';

const ONNX = { path: 'model.onnx' };

function config(models: ConfigInput['models'] = {}) {
  return configSchema.parse({ models });
}

function names(versions: RegisteredVersion[], models?: ConfigInput['models']): string[] {
  return wantedCheckJobs(config(models), versions).map((job) => job.name);
}

describe('wantedCheckJobs', () => {
  it('wants nothing while no model is registered', () => {
    expect(wantedCheckJobs(config(), [])).toEqual([]);
  });

  it('gives a model without an ONNX artifact a drift and a performance job on the built-in schedules', () => {
    expect(wantedCheckJobs(config(), [{ model: 'churn', onnx: null }])).toEqual([
      { name: 'drift:churn', schedule: '*/5 * * * *', model: 'churn', kind: 'drift' },
      { name: 'performance:churn', schedule: '*/15 * * * *', model: 'churn', kind: 'performance' },
    ]);
  });

  it('adds a parity job when any version of the model has an ONNX artifact', () => {
    const versions = [
      { model: 'churn', onnx: null },
      { model: 'churn', onnx: ONNX },
    ];
    expect(names(versions)).toEqual(['drift:churn', 'performance:churn', 'parity:churn']);
  });

  it('lists one set of jobs per model, in the order models first appear', () => {
    const versions = [
      { model: 'b', onnx: null },
      { model: 'a', onnx: null },
      { model: 'b', onnx: null },
    ];
    expect(names(versions)).toEqual(['drift:b', 'performance:b', 'drift:a', 'performance:a']);
  });

  it('leaves out the checks a model disables, over the defaults', () => {
    const models = {
      defaults: { checks: { performance: { enabled: false } } },
      settings: { quiet: { checks: { drift: { enabled: false }, parity: { enabled: false } } } },
    };
    const versions = [
      { model: 'churn', onnx: ONNX },
      { model: 'quiet', onnx: ONNX },
    ];
    expect(names(versions, models)).toEqual(['drift:churn', 'parity:churn']);
  });

  it('takes each schedule from the model over the defaults', () => {
    const models = {
      defaults: { checks: { drift: { schedule: '0 * * * *' } } },
      settings: { churn: { checks: { parity: { schedule: '*/30 * * * *' } } } },
    };
    const jobs = wantedCheckJobs(config(models), [{ model: 'churn', onnx: ONNX }]);
    expect(Object.fromEntries(jobs.map((job) => [job.kind, job.schedule]))).toEqual({
      drift: '0 * * * *',
      performance: '*/15 * * * *',
      parity: '*/30 * * * *',
    });
  });

  it('shadows a configured challenger only when the model has an ONNX artifact', () => {
    const models = { settings: { churn: { shadow: { challenger: '2', schedule: '0 * * * *' } } } };
    expect(names([{ model: 'churn', onnx: null }], models)).not.toContain('shadow:churn');
    const jobs = wantedCheckJobs(config(models), [{ model: 'churn', onnx: ONNX }]);
    expect(jobs.find((job) => job.kind === 'shadow')).toEqual({
      name: 'shadow:churn',
      schedule: '0 * * * *',
      model: 'churn',
      kind: 'shadow',
    });
  });

  it('names a job kind:model', () => {
    expect(checkJobName('drift', 'churn')).toBe('drift:churn');
  });
});

describe('CheckJobs', () => {
  function setup(versions: RegisteredVersion[]) {
    const added: ScheduledJob[] = [];
    const runs: unknown[] = [];
    const listeners: (() => void)[] = [];
    const metrics = new Metrics();
    const jobs = new CheckJobs({
      config: config(),
      registry: {
        list: () => Promise.resolve(versions as never),
        onCreated: (listener) => void listeners.push(() => listener('m', 'v')),
      },
      checks: {
        run: (request) => {
          runs.push(request);
          return Promise.resolve([]);
        },
      },
      metrics,
      logger: pino({ level: 'silent' }),
    });
    const scheduler = { add: (job: ScheduledJob) => void added.push(job) };
    return { jobs, scheduler, added, runs, listeners, metrics };
  }

  async function missed(metrics: Metrics): Promise<Record<string, number>> {
    const { values } = await metrics.checkSlotsMissedTotal.get();
    return Object.fromEntries(
      values.map((v) => [`${v.labels.kind}:${v.labels.model}:${v.labels.reason}`, v.value]),
    );
  }

  it('adds each wanted job once, however often it reconciles', async () => {
    const versions: RegisteredVersion[] = [{ model: 'churn', onnx: null }];
    const { jobs, scheduler, added } = setup(versions);
    await jobs.reconcile(scheduler);
    await jobs.reconcile(scheduler);
    expect(added.map((job) => job.name)).toEqual(['drift:churn', 'performance:churn']);
    versions.push({ model: 'fraud', onnx: null });
    await jobs.reconcile(scheduler);
    expect(added.map((job) => job.name)).toEqual([
      'drift:churn',
      'performance:churn',
      'drift:fraud',
      'performance:fraud',
    ]);
  });

  it('runs the check of its job as a scheduled run', async () => {
    const { jobs, scheduler, added, runs } = setup([{ model: 'churn', onnx: null }]);
    await jobs.reconcile(scheduler);
    await added[0]!.run(new Date(0));
    expect(runs).toEqual([{ model: 'churn', kind: 'drift', trigger: 'schedule' }]);
  });

  it('starts every missed-slot series of a new job at zero and counts the misses of check jobs only', async () => {
    const { jobs, scheduler, metrics } = setup([{ model: 'churn', onnx: null }]);
    await jobs.reconcile(scheduler);
    const zero = await missed(metrics);
    expect(Object.keys(zero)).toHaveLength(8);
    expect(Object.values(zero).every((value) => value === 0)).toBe(true);
    jobs.onSlotMissed({ name: 'drift:churn', slot: new Date(0), reason: 'late' });
    jobs.onSlotMissed({ name: 'retention', slot: new Date(0), reason: 'late' });
    const after = await missed(metrics);
    expect(after['drift:churn:late']).toBe(1);
    expect(Object.values(after).reduce((a, b) => a + b, 0)).toBe(1);
  });

  it('reconciles at start and again when a model is registered', async () => {
    const versions: RegisteredVersion[] = [{ model: 'churn', onnx: null }];
    const { jobs, scheduler, added, listeners } = setup(versions);
    jobs.start(scheduler);
    try {
      await expect.poll(() => added.length).toBe(2);
      versions.push({ model: 'fraud', onnx: null });
      listeners.forEach((listener) => listener());
      await expect.poll(() => added.length).toBe(4);
    } finally {
      await jobs.stop();
    }
  });
});
