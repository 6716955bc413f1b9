/**
 * Pieces both dashboards share: the Prometheus datasource reference, the
 * template variables, query and panel defaults. Metric names never appear
 * here as literals: dashboards take them from telemetry/metricNames.ts.
 */
import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/common';
import {
  HeatmapCellLayout,
  LegendDisplayMode,
  LegendPlacement,
  SortOrder,
  TooltipDisplayMode,
  VizLegendOptionsBuilder,
  VizTooltipOptionsBuilder,
} from '@grafana/grafana-foundation-sdk/common';
import {
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import {
  HeatmapColorMode,
  HeatmapColorOptionsBuilder,
  HeatmapColorScale,
  HeatmapTooltipBuilder,
  PanelBuilder as HeatmapPanelBuilder,
  RowsHeatmapOptionsBuilder,
  YAxisConfigBuilder,
} from '@grafana/grafana-foundation-sdk/heatmap';
import { DataqueryBuilder, PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as TimeseriesPanelBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import { METRICS } from '../telemetry/metricNames.js';

/** Every panel and query reads from the datasource the `datasource` variable picks. */
export const PROMETHEUS: DataSourceRef = { type: 'prometheus', uid: '${datasource}' };

/** Grafana's rate window: at least four scrape intervals, whatever the zoom. */
export const RATE_INTERVAL = '$__rate_interval';

export function datasourceVariable(): DatasourceVariableBuilder {
  return new DatasourceVariableBuilder('datasource').label('Data source').type('prometheus');
}

/**
 * The models that stored predictions in the dashboard's time range. The
 * overview lets people pick several (or all); the drill-down one.
 */
export function modelVariable(options: { multi: boolean }): QueryVariableBuilder {
  const query = `label_values(${METRICS.predictionsTotal.name}, model)`;
  const variable = new QueryVariableBuilder('model')
    .label('Model')
    .datasource(PROMETHEUS)
    .query(query)
    .definition(query)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc);
  return options.multi ? variable.multi(true).includeAll(true).allValue('.*') : variable;
}

/**
 * A variable over the values of `label` on `series`, several (or all) at
 * once, in natural order; refreshed with the time range.
 */
export function labelValuesVariable(
  name: string,
  label: string,
  series: string,
  valuesOf: string,
): QueryVariableBuilder {
  const query = `label_values(${series}, ${valuesOf})`;
  return new QueryVariableBuilder(name)
    .label(label)
    .datasource(PROMETHEUS)
    .query(query)
    .definition(query)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.NaturalAsc)
    .multi(true)
    .includeAll(true)
    .allValue('.*');
}

/** The versions of the selected model; several at once to compare a rollout. */
export function modelVersionVariable(): QueryVariableBuilder {
  return labelValuesVariable(
    'model_version',
    'Version',
    `${METRICS.predictionsTotal.name}{model="$model"}`,
    'model_version',
  );
}

export interface QueryOptions {
  /** Legend template, e.g. `{{feature}}`. */
  legend?: string;
  /** One value per series at the end of the range (tables, stats) instead of a range. */
  instant?: boolean;
  format?: PromQueryFormat;
}

/** A PromQL query on the dashboard's datasource. */
export function prometheusQuery(
  refId: string,
  expr: string,
  options: QueryOptions = {},
): DataqueryBuilder {
  const query = new DataqueryBuilder().refId(refId).datasource(PROMETHEUS).expr(expr);
  if (options.legend !== undefined) query.legendFormat(options.legend);
  if (options.instant === true) query.instant();
  else query.range();
  if (options.format !== undefined) query.format(options.format);
  return query;
}

/** `histogram_quantile` of a catalogue histogram, summed over everything but `by`. */
export function quantileExpr(
  quantile: number,
  histogramName: string,
  selector: string,
  by: readonly string[],
): string {
  const buckets =
    selector === '' ? `${histogramName}_bucket` : `${histogramName}_bucket{${selector}}`;
  return `histogram_quantile(${quantile}, sum by (${[...by, 'le'].join(', ')}) (rate(${buckets}[${RATE_INTERVAL}])))`;
}

export function thresholds(
  steps: readonly (readonly [value: number | null, color: string])[],
): ThresholdsConfigBuilder {
  return new ThresholdsConfigBuilder()
    .mode(ThresholdsMode.Absolute)
    .steps(steps.map(([value, color]) => ({ value, color })));
}

/** A time series panel with a visible legend and a sorted shared tooltip. */
export function timeseries(title: string, description: string): TimeseriesPanelBuilder {
  return new TimeseriesPanelBuilder()
    .title(title)
    .description(description)
    .datasource(PROMETHEUS)
    .legend(
      new VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(LegendDisplayMode.List)
        .placement(LegendPlacement.Bottom)
        .calcs([]),
    )
    .tooltip(
      new VizTooltipOptionsBuilder().mode(TooltipDisplayMode.Multi).sort(SortOrder.Descending),
    );
}

/**
 * p50 and p99 of the serving latency the pods logged with their predictions
 * (not driftwatch's own latency), per `by` series.
 */
export function loggedLatencyPanel(
  selector: string,
  by: readonly string[],
): TimeseriesPanelBuilder {
  const name = METRICS.predictionLatencySeconds.name;
  const series = by.map((label) => `{{${label}}}`).join(' ');
  return timeseries(
    'Prediction latency p50 / p99 (logged)',
    'Quantiles of the latency_ms the serving pods logged with each stored prediction, from the driftwatch_prediction_latency_seconds histogram: what the callers saw, not what driftwatch spends.',
  )
    .unit('s')
    .min(0)
    .withTarget(
      prometheusQuery('A', quantileExpr(0.5, name, selector, by), { legend: `p50 ${series}` }),
    )
    .withTarget(
      prometheusQuery('B', quantileExpr(0.99, name, selector, by), { legend: `p99 ${series}` }),
    );
}

/**
 * The logged model scores as a heatmap: one column per time step, one cell
 * per histogram bucket, coloured by how many predictions fell in it.
 */
export function scoreDistributionPanel(selector: string): HeatmapPanelBuilder {
  const buckets = `${METRICS.predictionScore.name}_bucket{${selector}}`;
  return new HeatmapPanelBuilder()
    .title('Prediction score distribution')
    .description(
      'Stored predictions per score bucket over time (driftwatch_prediction_score histogram). A shift of the mass between buckets is score drift before any check runs.',
    )
    .datasource(PROMETHEUS)
    .withTarget(
      prometheusQuery('A', `sum by (le) (increase(${buckets}[${RATE_INTERVAL}]))`, {
        legend: '{{le}}',
        format: PromQueryFormat.Heatmap,
      }),
    )
    .calculate(false)
    .rowsFrame(new RowsHeatmapOptionsBuilder().layout(HeatmapCellLayout.Le))
    .yAxis(new YAxisConfigBuilder().unit('short').decimals(1))
    .color(
      new HeatmapColorOptionsBuilder()
        .mode(HeatmapColorMode.Scheme)
        .scheme('Oranges')
        .fill('dark-orange')
        .scale(HeatmapColorScale.Exponential)
        .exponent(0.5)
        .steps(64)
        .reverse(false),
    )
    .tooltip(new HeatmapTooltipBuilder().mode(TooltipDisplayMode.Single).yHistogram(true))
    .unit('short');
}
