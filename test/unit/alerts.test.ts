import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  buildPrometheusRule,
  PROMETHEUS_RULE_FILE,
  RULES_FILE,
} from '../../scripts/buildPrometheusRule.js';
import { METRICS, type MetricSpec } from '../../src/telemetry/metricNames.js';
import { metricNamesIn } from '../helpers/promql.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RULE_TESTS_FILE = 'alerts/driftwatch.rules.test.yml';
const ALERTMANAGER_FILE = 'alerts/alertmanager.example.yml';
const RUNBOOK_FILE = fileURLToPath(new URL('../../docs/runbook.md', import.meta.url));

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

interface RuleTests {
  tests: {
    name: string;
    alert_rule_test?: { alertname: string; exp_alerts?: unknown[] | null }[];
  }[];
}

const groups = (parse(readFileSync(RULES_FILE, 'utf8')) as { groups: { rules: Rule[] }[] }).groups;
const rules = groups.flatMap((group) => group.rules);
const alerts = rules.filter((rule): rule is Rule & { alert: string } => rule.alert !== undefined);
const recorded = new Set(rules.flatMap((rule) => (rule.record ? [rule.record] : [])));

/** Prometheus sets `up` on every target itself; driftwatch does not export it. */
const PROMETHEUS_PROVIDED = new Set(['up']);

/** The catalogue entry a sample name belongs to (histograms export `_bucket`, `_sum`, `_count`). */
function catalogueEntry(name: string): MetricSpec | undefined {
  const specs: MetricSpec[] = Object.values(METRICS);
  const exact = specs.find((spec) => spec.name === name);
  if (exact) return exact;
  const base = /^(.*)_(?:bucket|sum|count)$/.exec(name)?.[1];
  return specs.find((spec) => spec.type === 'histogram' && spec.name === base);
}

/** GitHub's anchor for a Markdown heading. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function runTool(command: string, args: string[], install: string): string {
  const result = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8' });
  if (result.error && 'code' in result.error && result.error.code === 'ENOENT') {
    throw new Error(
      `${command} is not on PATH: install Debian's ${install} package (apt-get install ${install})`,
    );
  }
  if (result.error) throw result.error;
  const output = `${result.stdout}${result.stderr}`;
  expect(result.status, `${command} ${args.join(' ')}\n${output}`).toBe(0);
  return output;
}

describe('PromQL metric name scanner', () => {
  it('keeps selectors and drops functions, aggregations, labels, ranges and numbers', () => {
    expect(
      metricNamesIn(
        'histogram_quantile(0.99, sum by (model, le) (rate(a_bucket{job="x", le!="+Inf"}[5m]))) > 0.5',
      ),
    ).toEqual(['a_bucket']);
    expect(
      metricNamesIn('sum(rate(a_total[10m] offset 1h)) without (instance) / ignoring (x) b'),
    ).toEqual(['a_total', 'b']);
    expect(
      metricNamesIn(
        'a == on (m) group_left (k) max by (m) (b) and (time() - c < 3600) or absent(up)',
      ),
    ).toEqual(['a', 'b', 'c', 'up']);
    expect(
      metricNamesIn('level:metric:ops{kind="drift"} > bool 1e-3 unless {__name__="d"}'),
    ).toEqual(['level:metric:ops', 'd']);
    expect(metricNamesIn('max_over_time(a[1h30m:5m]) # the worst hour\n> Inf')).toEqual(['a']);
  });
});

describe('alert rules', () => {
  it('select only metrics of the catalogue, rules of this file and up', () => {
    const unknown: string[] = [];
    for (const rule of rules) {
      for (const name of metricNamesIn(rule.expr)) {
        if (!catalogueEntry(name) && !recorded.has(name) && !PROMETHEUS_PROVIDED.has(name)) {
          unknown.push(`${rule.alert ?? rule.record}: ${name}`);
        }
      }
    }
    expect(unknown, 'metric names not in src/telemetry/metricNames.ts').toEqual([]);
    expect(alerts.length).toBeGreaterThanOrEqual(9);
  });

  it('give every alert a severity, a team, a summary, a description and a runbook link', () => {
    for (const alert of alerts) {
      expect(['page', 'ticket'], alert.alert).toContain(alert.labels?.severity);
      expect(alert.labels?.team, alert.alert).toBe('ml-platform');
      expect(alert.annotations?.summary, alert.alert).toBeTruthy();
      expect(alert.annotations?.description, alert.alert).toBeTruthy();
      expect(alert.annotations?.runbook_url, alert.alert).toMatch(
        /^https:\/\/\S+\/runbook\.md#[a-z0-9-]+$/,
      );
    }
  });

  it("link each alert on a check's result to the version's page of the web UI", () => {
    // Alerts on the result of a version's drift or parity check (they
    // believe the replica with its newest run).
    const aboutVersion = alerts.filter((alert) =>
      /check_last_success_timestamp_seconds:current\{kind="(drift|parity)"\}/.test(alert.expr),
    );
    expect(aboutVersion.map((alert) => alert.alert)).toEqual([
      'DriftwatchDatasetDrift',
      'DriftwatchFeatureDrift',
      'DriftwatchScoreDistributionShift',
      'DriftwatchServingParityBroken',
    ]);
    for (const alert of aboutVersion) {
      expect(alert.annotations?.driftwatch_url, alert.alert).toBe(
        'https://driftwatch.example.com/models/{{ $labels.model }}/versions/{{ $labels.model_version }}',
      );
    }
  });

  it('link every alert to its own section of docs/runbook.md, all under one base URL', () => {
    const headings = new Set(
      [...readFileSync(RUNBOOK_FILE, 'utf8').matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) =>
        anchorOf(m[1]!),
      ),
    );
    const urls = alerts.map((alert) => alert.annotations?.runbook_url ?? '');
    const anchors = urls.map((url) => url.slice(url.indexOf('#') + 1));
    for (const [index, anchor] of anchors.entries()) {
      expect(headings.has(anchor), `${alerts[index]!.alert}: no heading for #${anchor}`).toBe(true);
    }
    expect(new Set(anchors).size, 'two alerts share a runbook section').toBe(alerts.length);
    expect(new Set(urls.map((url) => url.slice(0, url.indexOf('#')))).size).toBe(1);
  });

  it('test every alert both firing and not firing', () => {
    const tests = (parse(readFileSync(`${ROOT}/${RULE_TESTS_FILE}`, 'utf8')) as RuleTests).tests;
    const cases = tests.flatMap((test) => test.alert_rule_test ?? []);
    for (const { alert } of alerts) {
      const mine = cases.filter((c) => c.alertname === alert);
      expect(
        mine.some((c) => (c.exp_alerts ?? []).length > 0),
        `${alert} never fires`,
      ).toBe(true);
      expect(
        mine.some((c) => (c.exp_alerts ?? []).length === 0),
        `${alert} never stays quiet`,
      ).toBe(true);
    }
  });

  it('pass promtool check rules', () => {
    expect(
      runTool('promtool', ['check', 'rules', 'alerts/driftwatch.rules.yml'], 'prometheus'),
    ).toMatch(/SUCCESS/);
  });

  it('pass their promtool unit tests', () => {
    expect(runTool('promtool', ['test', 'rules', RULE_TESTS_FILE], 'prometheus')).toMatch(
      /SUCCESS/,
    );
  });
});

describe('PrometheusRule', () => {
  it('is committed as deploy/k8s/prometheusrule.yaml, up to date', async () => {
    const committed = readFileSync(PROMETHEUS_RULE_FILE, 'utf8');
    const generated = await buildPrometheusRule(readFileSync(RULES_FILE, 'utf8'));
    expect(committed, 'deploy/k8s/prometheusrule.yaml is stale: run npm run alerts:k8s').toBe(
      generated,
    );
  });

  it('carries the groups of the rules file unchanged', () => {
    const manifest = parse(readFileSync(PROMETHEUS_RULE_FILE, 'utf8')) as {
      apiVersion: string;
      kind: string;
      metadata: { name: string };
      spec: { groups: unknown };
    };
    expect(manifest).toMatchObject({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: 'driftwatch' },
    });
    expect(manifest.spec.groups).toEqual(groups);
  });
});

describe('Alertmanager example', () => {
  it('passes amtool check-config', () => {
    expect(
      runTool('amtool', ['check-config', ALERTMANAGER_FILE], 'prometheus-alertmanager'),
    ).toMatch(/SUCCESS/);
  });

  it('routes pages to the pager and tickets to the ticket queue', () => {
    for (const [severity, receiver] of [
      ['page', 'ml-platform-pager'],
      ['ticket', 'ml-platform-tickets'],
    ] as const) {
      runTool(
        'amtool',
        [
          'config',
          'routes',
          'test',
          `--config.file=${ALERTMANAGER_FILE}`,
          `--verify.receivers=${receiver}`,
          'alertname=DriftwatchDatasetDrift',
          'team=ml-platform',
          `severity=${severity}`,
        ],
        'prometheus-alertmanager',
      );
    }
  });
});
