/**
 * Helpers of test/e2e/alerting.sh that need to read YAML, JSON or the
 * Prometheus API; each subcommand exits non-zero with a message on failure.
 *
 *   rules <rules.yml> <out.yml>
 *     Prints the names of the alerts whose expression uses
 *     driftwatch_dataset_drifted, one a line, and writes a copy of the rules
 *     file whose `for:` durations are at most 1s, so that a firing alert shows
 *     within the test's time (the expressions are left as they are).
 *   wait-alert <prometheusUrl> <alertName> <receiverFile> <timeoutSeconds>
 *     Waits until Prometheus reports the alert firing, then until the webhook
 *     receiver's file holds an Alertmanager notification naming it.
 *   dashboards <prometheusUrl> <dashboardsDir> <model> <modelVersion>
 *     Runs every PromQL expression of every dashboard (panel targets and
 *     variable queries, Grafana variables replaced by concrete values) as an
 *     instant query and fails on any that Prometheus does not accept.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';

const DRIFT_METRIC = 'driftwatch_dataset_drifted';

function fail(message: string): never {
  process.stderr.write(`prometheusChecks: ${message}\n`);
  process.exit(1);
}

function say(message: string): void {
  process.stdout.write(`${message}\n`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------- rules

interface RuleFile {
  groups?: { name: string; rules?: { alert?: string; expr?: string; for?: string }[] }[];
}

/** Prometheus duration ("1h30m", "90s") in milliseconds. */
function durationMs(text: string): number {
  const units: Record<string, number> = {
    ms: 1,
    s: 1_000,
    m: 60_000,
    h: 3_600_000,
    d: 86_400_000,
    w: 604_800_000,
    y: 31_536_000_000,
  };
  let total = 0;
  const rest = text.replace(/(\d+)(ms|s|m|h|d|w|y)/g, (_all, n: string, unit: string) => {
    total += Number(n) * units[unit]!;
    return '';
  });
  if (rest !== '') throw new Error(`not a Prometheus duration: "${text}"`);
  return total;
}

function rules(input: string, output: string): void {
  if (!existsSync(input)) fail(`rules file ${input} does not exist`);
  const file = parseYaml(readFileSync(input, 'utf8')) as RuleFile;
  const names = new Set<string>();
  for (const group of file.groups ?? []) {
    for (const rule of group.rules ?? []) {
      if (rule.alert && rule.expr?.includes(DRIFT_METRIC)) names.add(rule.alert);
      if (rule.alert && rule.for !== undefined && durationMs(String(rule.for)) > 1_000) {
        rule.for = '1s';
      }
    }
  }
  if (names.size === 0) fail(`no alert in ${input} has an expression using ${DRIFT_METRIC}`);
  writeFileSync(output, stringifyYaml(file));
  for (const name of names) say(name);
}

// ---------------------------------------------------------------- wait-alert

interface AlertsResponse {
  status: string;
  data: { alerts: { labels: Record<string, string>; state: string }[] };
}

async function waitAlert(
  prometheusUrl: string,
  alertName: string,
  receiverFile: string,
  timeoutSeconds: number,
): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1_000;
  let lastStates = '';
  for (;;) {
    const response = (await (
      await fetch(`${prometheusUrl}/api/v1/alerts`)
    ).json()) as AlertsResponse;
    const mine = response.data.alerts.filter((alert) => alert.labels.alertname === alertName);
    lastStates = JSON.stringify(mine.map((alert) => ({ state: alert.state, ...alert.labels })));
    if (mine.some((alert) => alert.state === 'firing')) break;
    if (Date.now() > deadline) {
      fail(`alert ${alertName} not firing in Prometheus after ${timeoutSeconds}s: ${lastStates}`);
    }
    await sleep(500);
  }
  say(`Prometheus: ${alertName} is firing ${lastStates}`);

  for (;;) {
    const received = existsSync(receiverFile) ? readFileSync(receiverFile, 'utf8') : '';
    const notification = received
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as { status?: string; alerts?: { labels: object }[] })
      .find((body) =>
        (body.alerts ?? []).some(
          (alert) => (alert.labels as Record<string, string>).alertname === alertName,
        ),
      );
    if (notification) {
      say(
        `receiver: Alertmanager webhook (${notification.status}) with ${notification.alerts?.length} alert(s) including ${alertName}`,
      );
      return;
    }
    if (Date.now() > deadline) {
      fail(
        `no Alertmanager webhook naming ${alertName} after ${timeoutSeconds}s; received: ${received.slice(0, 2_000) || '(nothing)'}`,
      );
    }
    await sleep(500);
  }
}

// ---------------------------------------------------------------- dashboards

interface Query {
  dashboard: string;
  where: string;
  expr: string;
}

interface TemplateVariable {
  name?: string;
  type?: string;
  query?: unknown;
  definition?: string;
  current?: { value?: unknown };
}

/** Every `targets[].expr` anywhere in the dashboard (rows may nest panels). */
function panelQueries(node: unknown, dashboard: string, where: string, out: Query[]): void {
  if (Array.isArray(node)) {
    node.forEach((item, i) => panelQueries(item, dashboard, `${where}[${i}]`, out));
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const object = node as Record<string, unknown>;
  if (Array.isArray(object.targets)) {
    const title = typeof object.title === 'string' ? object.title : where;
    object.targets.forEach((target: unknown, i) => {
      const expr = (target as { expr?: unknown } | null)?.expr;
      if (typeof expr === 'string' && expr.trim() !== '') {
        out.push({ dashboard, where: `panel "${title}" target ${i}`, expr });
      }
    });
  }
  for (const [key, value] of Object.entries(object)) {
    if (key !== 'targets' && key !== 'templating') panelQueries(value, dashboard, key, out);
  }
}

/**
 * A variable query as PromQL: `label_values(expr, label)` and
 * `query_result(expr)` become `expr`; `label_values(label)` and
 * `metrics(re)` have no expression and become a selector that checks the
 * same thing (the label or metric name exists as a matcher).
 */
function variableExpr(query: string): string {
  const trimmed = query.trim();
  const labelValues = /^label_values\(\s*(.*?)\s*,\s*[a-zA-Z_][a-zA-Z0-9_]*\s*\)$/s.exec(trimmed);
  if (labelValues) return labelValues[1]!;
  const labelOnly = /^label_values\(\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)$/.exec(trimmed);
  if (labelOnly) return `{${labelOnly[1]}=~".+"}`;
  const result = /^query_result\(\s*(.*)\s*\)$/s.exec(trimmed);
  if (result) return result[1]!;
  const metrics = /^metrics\(\s*(.*?)\s*\)$/.exec(trimmed);
  if (metrics) return `{__name__=~"${metrics[1]}"}`;
  return trimmed;
}

function variableQueries(dashboard: string, list: TemplateVariable[], out: Query[]): void {
  for (const variable of list) {
    if (variable.type !== 'query') continue;
    const raw =
      typeof variable.query === 'string'
        ? variable.query
        : ((variable.query as { query?: string } | undefined)?.query ?? variable.definition);
    if (typeof raw === 'string' && raw.trim() !== '') {
      out.push({ dashboard, where: `variable "${variable.name}"`, expr: variableExpr(raw) });
    }
  }
}

/** Replaces Grafana variables ($x, ${x}, ${x:fmt}, [[x]]) with concrete values. */
function substitute(expr: string, values: Record<string, string>): string {
  const valueOf = (name: string): string => values[name] ?? '.*';
  return expr
    .replace(/\$\{([a-zA-Z0-9_]+)(?::[^}]*)?\}/g, (_all, name: string) => valueOf(name))
    .replace(/\[\[([a-zA-Z0-9_]+)(?::[^\]]*)?\]\]/g, (_all, name: string) => valueOf(name))
    .replace(/\$([a-zA-Z_][a-zA-Z0-9_]*)/g, (_all, name: string) => valueOf(name));
}

async function dashboards(
  prometheusUrl: string,
  directory: string,
  model: string,
  modelVersion: string,
): Promise<void> {
  if (!existsSync(directory)) fail(`dashboards folder ${directory} does not exist`);
  const files = readdirSync(directory)
    .filter((name) => name.endsWith('.json'))
    .sort();
  if (files.length === 0) fail(`no dashboards (*.json) in ${directory}`);

  const queries: Query[] = [];
  const builtIns: Record<string, string> = {
    __rate_interval: '1m',
    __interval: '15s',
    __interval_ms: '15000',
    __range: '1h',
    __range_s: '3600',
    __range_ms: '3600000',
    model,
    model_version: modelVersion,
    version: modelVersion,
  };
  const valuesByDashboard = new Map<string, Record<string, string>>();
  for (const file of files) {
    const json = JSON.parse(readFileSync(path.join(directory, file), 'utf8')) as {
      dashboard?: unknown;
    };
    // Accept both a bare dashboard and the API's {dashboard: …} envelope.
    const dashboard = (json.dashboard ?? json) as {
      panels?: unknown;
      rows?: unknown;
      templating?: { list?: TemplateVariable[] };
    };
    const list = dashboard.templating?.list ?? [];
    const values: Record<string, string> = {};
    // Custom and constant variables keep their current value; the model and
    // version are the ones the scenario drove into drift.
    for (const variable of list) {
      const current = variable.current?.value;
      const value = Array.isArray(current) ? current[0] : current;
      if (variable.name && typeof value === 'string' && !value.startsWith('$')) {
        values[variable.name] = value;
      }
    }
    valuesByDashboard.set(file, { ...values, ...builtIns });
    panelQueries(dashboard.panels ?? [], file, 'panels', queries);
    panelQueries(dashboard.rows ?? [], file, 'rows', queries);
    variableQueries(file, list, queries);
  }
  if (queries.length === 0) fail(`the dashboards in ${directory} hold no PromQL expression`);

  const failures: string[] = [];
  let empty = 0;
  for (const query of queries) {
    const expr = substitute(query.expr, valuesByDashboard.get(query.dashboard)!);
    const response = await fetch(`${prometheusUrl}/api/v1/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ query: expr }),
    });
    const body = (await response.json()) as {
      status: string;
      error?: string;
      data?: { result?: unknown[] };
    };
    if (body.status !== 'success') {
      failures.push(`${query.dashboard} ${query.where}: ${body.error ?? body.status}\n    ${expr}`);
    } else if ((body.data?.result?.length ?? 0) === 0) {
      empty += 1;
    }
  }
  say(
    `dashboards: ${queries.length} queries from ${files.length} dashboard(s), ${failures.length} failed, ${empty} accepted with no data yet`,
  );
  if (failures.length > 0) {
    for (const failure of failures) process.stderr.write(`FAILED ${failure}\n`);
    fail(`${failures.length} dashboard queries were rejected by Prometheus`);
  }
}

// ---------------------------------------------------------------- main

const [command, ...args] = process.argv.slice(2);
switch (command) {
  case 'rules':
    rules(args[0] ?? fail('rules: input file missing'), args[1] ?? fail('rules: output missing'));
    break;
  case 'wait-alert':
    await waitAlert(
      args[0] ?? fail('wait-alert: Prometheus URL missing'),
      args[1] ?? fail('wait-alert: alert name missing'),
      args[2] ?? fail('wait-alert: receiver file missing'),
      Number(args[3] ?? 120),
    );
    break;
  case 'dashboards':
    await dashboards(
      args[0] ?? fail('dashboards: Prometheus URL missing'),
      args[1] ?? fail('dashboards: folder missing'),
      args[2] ?? fail('dashboards: model missing'),
      args[3] ?? '1',
    );
    break;
  default:
    fail(`unknown command "${command}"; use rules, wait-alert or dashboards`);
}
