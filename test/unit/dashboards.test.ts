import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { describe, expect, it } from 'vitest';
import { buildDashboards } from '../../src/dashboards/build.js';
import { METRICS, type MetricSpec } from '../../src/telemetry/metricNames.js';
import { metricNamesIn } from '../helpers/promql.js';

const DASHBOARDS_DIR = fileURLToPath(new URL('../../dashboards/', import.meta.url));

interface Target {
  expr?: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id?: number;
  type: string;
  title?: string;
  targets?: Target[];
  panels?: Panel[];
}
interface Variable {
  name: string;
  type: string;
  query?: unknown;
  multi?: boolean;
  includeAll?: boolean;
}
interface DashboardJson {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Variable[] };
}

/** Catalogue metrics missing from every dashboard on purpose (none so far). */
const NOT_ON_DASHBOARDS: readonly string[] = [];

const catalogue = new Map<string, MetricSpec>(
  Object.values(METRICS).map((spec): [string, MetricSpec] => [spec.name, spec]),
);

/**
 * The series a PromQL expression selects, with the label names its matchers
 * use. Names come from the shared scanner (test/helpers/promql.ts); a
 * variable query `label_values(selector, label)` is reduced to its selector
 * first, since its second argument is a label, not a metric.
 */
function metricSelectors(expr: string): { name: string; labels: string[] }[] {
  const scanned = expr.replace(
    /^\s*label_values\s*\(([\s\S]*),\s*[a-zA-Z_]\w*\s*\)\s*$/,
    'label_values($1)',
  );
  const withoutStrings = scanned.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""');
  const matchers = [...withoutStrings.matchAll(/([a-zA-Z_:][\w:]*)\s*\{([^}]*)\}/g)];
  return metricNamesIn(scanned).map((name) => ({
    name,
    labels: matchers
      .filter((match) => match[1] === name)
      .flatMap((match) => [...(match[2] ?? '').matchAll(/([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)/g)])
      .map((label) => label[1] ?? ''),
  }));
}

/** The catalogue entry a series name belongs to (`_bucket`, `_sum`, `_count` of histograms). */
function catalogued(name: string): MetricSpec | undefined {
  const direct = catalogue.get(name);
  if (direct !== undefined) return direct;
  const base = /^(.*)_(?:bucket|sum|count)$/.exec(name)?.[1];
  const histogram = base === undefined ? undefined : catalogue.get(base);
  return histogram?.type === 'histogram' ? histogram : undefined;
}

function allPanels(panels: readonly Panel[]): Panel[] {
  return panels.flatMap((panel) => [panel, ...allPanels(panel.panels ?? [])]);
}

function expressions(dashboard: DashboardJson): { where: string; expr: string }[] {
  const fromPanels = allPanels(dashboard.panels).flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({
      where: `panel "${panel.title ?? panel.type}"`,
      expr: target.expr ?? '',
    })),
  );
  const fromVariables = dashboard.templating.list
    .filter((variable) => variable.type === 'query')
    .map((variable) => ({ where: `variable $${variable.name}`, expr: String(variable.query) }));
  return [...fromPanels, ...fromVariables];
}

const built = buildDashboards();
const dashboards = new Map(
  built.map(({ file, json }): [string, DashboardJson] => [file, JSON.parse(json) as DashboardJson]),
);

function dashboard(file: string): DashboardJson {
  const found = dashboards.get(file);
  if (found === undefined) throw new Error(`no dashboard ${file} is built`);
  return found;
}

function titles(file: string): string[] {
  return allPanels(dashboard(file).panels).map((panel) => panel.title ?? '');
}

describe('dashboards', () => {
  it('are committed as built', () => {
    const committed = readdirSync(DASHBOARDS_DIR).filter((file) => file.endsWith('.json'));
    expect(committed.sort(), 'dashboards/*.json are stale: run npm run dashboards:build').toEqual(
      built.map(({ file }) => file).sort(),
    );
    for (const { file, json } of built) {
      const onDisk = readFileSync(`${DASHBOARDS_DIR}${file}`, 'utf8');
      expect(onDisk === json, 'dashboards/*.json are stale: run npm run dashboards:build').toBe(
        true,
      );
    }
  });

  it('build byte-identically twice', () => {
    expect(buildDashboards()).toEqual(buildDashboards());
  });

  it('are in Prettier format already', async () => {
    for (const { file, json } of built) {
      const path = `${DASHBOARDS_DIR}${file}`;
      const options = (await prettier.resolveConfig(path)) ?? {};
      expect(await prettier.format(json, { ...options, filepath: path })).toBe(json);
    }
  });

  it('have fixed uids and unique panel ids', () => {
    expect(dashboard('overview.json').uid).toBe('driftwatch-overview');
    expect(dashboard('model.json').uid).toBe('driftwatch-model');
    for (const file of dashboards.keys()) {
      const ids = allPanels(dashboard(file).panels).map((panel) => panel.id);
      expect(new Set(ids).size, file).toBe(ids.length);
      expect(
        ids.every((id) => Number.isInteger(id)),
        file,
      ).toBe(true);
    }
  });

  it('query only metrics of the catalogue, with its label names', () => {
    for (const [file, json] of dashboards) {
      for (const { where, expr } of expressions(json)) {
        const selectors = metricSelectors(expr);
        expect(selectors.length, `${file} ${where}: no metric in ${expr}`).toBeGreaterThan(0);
        for (const { name, labels } of selectors) {
          const spec = catalogued(name);
          expect(spec, `${file} ${where}: ${name} is not in metricNames.ts`).toBeDefined();
          const known = [...(spec?.labels ?? []), ...(spec?.type === 'histogram' ? ['le'] : [])];
          for (const label of labels) {
            expect(known, `${file} ${where}: ${name} has no label ${label}`).toContain(label);
          }
        }
      }
    }
  });

  it('read every target from the datasource variable', () => {
    for (const [file, json] of dashboards) {
      for (const panel of allPanels(json.panels)) {
        for (const target of panel.targets ?? []) {
          expect(target.datasource, `${file} "${panel.title}"`).toEqual({
            type: 'prometheus',
            uid: '${datasource}',
          });
        }
      }
    }
  });

  it('show every per-model signal of the catalogue somewhere', () => {
    const shown = new Set(
      [...dashboards.values()].flatMap((json) =>
        expressions(json).flatMap(({ expr }) =>
          metricSelectors(expr).map(({ name }) => catalogued(name)?.name),
        ),
      ),
    );
    const perModel = Object.values(METRICS)
      .filter((spec) => spec.labels.includes('model'))
      .map((spec) => spec.name)
      .filter((name) => !NOT_ON_DASHBOARDS.includes(name));
    const missing = perModel.filter((name) => !shown.has(name));
    expect(
      missing,
      'add a panel in src/dashboards/ (or list the metric in NOT_ON_DASHBOARDS)',
    ).toEqual([]);
  });

  it('give the overview its panels and variables', () => {
    expect(titles('overview.json')).toEqual(
      expect.arrayContaining([
        'Ingest rate',
        'Rejected records by reason',
        'Prediction latency p50 / p99 (logged)',
        'Prediction score distribution',
        'Check freshness',
        'Webhook delivery failures',
      ]),
    );
    const variables = dashboard('overview.json').templating.list;
    expect(variables.map((variable) => variable.name)).toEqual(['datasource', 'model']);
    expect(variables[0]).toMatchObject({ type: 'datasource', query: 'prometheus' });
    expect(variables[1]).toMatchObject({ type: 'query', multi: true, includeAll: true });
  });

  it('give the model drill-down its panels and variables', () => {
    expect(titles('model.json')).toEqual(
      expect.arrayContaining([
        'Feature drift score',
        'Feature drift p-value',
        'Drifted features',
        'Feature PSI heatmap',
        'Dataset drift share',
        'Parity mismatch ratio',
        'Challenger agreement',
        'Segment drift share',
        'Drifted features by segment',
      ]),
    );
    const variables = dashboard('model.json').templating.list;
    expect(variables.map((variable) => variable.name)).toEqual([
      'datasource',
      'model',
      'model_version',
      'segment',
    ]);
    expect(variables[3]).toMatchObject({
      type: 'query',
      multi: true,
      includeAll: true,
      query: 'label_values(driftwatch_segment_rows{model="$model"}, segment)',
    });
    expect(variables[0]).toMatchObject({ type: 'datasource', query: 'prometheus' });
    expect(variables[1]).toMatchObject({
      type: 'query',
      multi: false,
      query: 'label_values(driftwatch_predictions_total, model)',
    });
    expect(variables[2]).toMatchObject({
      type: 'query',
      multi: true,
      includeAll: true,
      query: 'label_values(driftwatch_predictions_total{model="$model"}, model_version)',
    });
  });
});

describe('dashboard expression scanning', () => {
  it('pairs each metric with the label names of its matchers', () => {
    expect(
      metricSelectors(
        'histogram_quantile(0.99, sum by (model, le) (rate(a_seconds_bucket{model=~"$model", kind!="x"}[$__rate_interval]))) / on (model) group_left b_total',
      ),
    ).toEqual([
      { name: 'a_seconds_bucket', labels: ['model', 'kind'] },
      { name: 'b_total', labels: [] },
    ]);
  });

  it('reads the selector of label_values, not the label', () => {
    expect(metricSelectors('label_values(e_total{model="$model"}, model_version)')).toEqual([
      { name: 'e_total', labels: ['model'] },
    ]);
    expect(metricSelectors('label_values(e_total{model="a", kind="b"}, model_version)')).toEqual([
      { name: 'e_total', labels: ['model', 'kind'] },
    ]);
    expect(metricSelectors('label_values(e_total, model)')).toEqual([
      { name: 'e_total', labels: [] },
    ]);
  });

  it('accepts histogram series only for catalogue histograms', () => {
    expect(catalogued(`${METRICS.predictionScore.name}_bucket`)).toBe(METRICS.predictionScore);
    expect(catalogued(`${METRICS.predictionsTotal.name}_bucket`)).toBeUndefined();
    expect(catalogued('driftwatch_not_a_metric')).toBeUndefined();
  });
});
