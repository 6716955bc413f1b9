/**
 * One model, one or more of its versions: which features drift and how much,
 * data quality, performance on labelled rows, serving parity and the
 * challenger, and the traffic behind them.
 */
import {
  HeatmapCellLayout,
  GraphThresholdsStyleConfigBuilder,
  GraphThresholdsStyleMode,
  ScaleDistribution,
  ScaleDistributionConfigBuilder,
  TableSortByFieldStateBuilder,
  TooltipDisplayMode,
  VisibilityMode,
} from '@grafana/grafana-foundation-sdk/common';
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { DashboardBuilder, RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import {
  CellValuesBuilder,
  HeatmapColorMode,
  HeatmapColorOptionsBuilder,
  HeatmapColorScale,
  HeatmapTooltipBuilder,
  PanelBuilder as HeatmapPanelBuilder,
  RowsHeatmapOptionsBuilder,
} from '@grafana/grafana-foundation-sdk/heatmap';
import type { QueryVariableBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as TablePanelBuilder } from '@grafana/grafana-foundation-sdk/table';
import type { PanelBuilder as TimeseriesPanelBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import { defaultDriftPolicy } from '../drift/policy.js';
import { METRICS } from '../telemetry/metricNames.js';
import {
  PROMETHEUS,
  RATE_INTERVAL,
  datasourceVariable,
  loggedLatencyPanel,
  modelVariable,
  labelValuesVariable,
  modelVersionVariable,
  prometheusQuery,
  scoreDistributionPanel,
  thresholds,
  timeseries,
} from './parts.js';

export const MODEL_DRILLDOWN_UID = 'driftwatch-model';

/** Label matchers of the `model` (one) and `model_version` (several) variables. */
const SELECTED = 'model="$model", model_version=~"$model_version"';

/** Defaults of docs/checks.md, drawn as reference lines; a model may configure others. */
const DEFAULT_ALPHA = defaultDriftPolicy.alpha;
const DEFAULT_DATASET_DRIFT_SHARE = defaultDriftPolicy.datasetDriftShare;
/** The parity check's built-in value (config/checksSchema.ts), which dashboards do not import. */
const DEFAULT_PARITY_MAX_MISMATCH_RATIO = 0.01;
/**
 * Conventional PSI reading: below 0.1 stable, 0.1–0.25 moderate shift, above
 * 0.25 significant (the policy's informational PSI threshold).
 */
const PSI_MODERATE = 0.1;
const PSI_SIGNIFICANT = defaultDriftPolicy.thresholds.psi;

/** A gauge of the selected versions, one series per label set. */
function selected(name: string): string {
  return `${name}{${SELECTED}}`;
}

/** A dashed threshold line at `value` on a time series panel. */
function referenceLine(panel: TimeseriesPanelBuilder, value: number): TimeseriesPanelBuilder {
  return panel
    .thresholds(
      thresholds([
        [null, 'transparent'],
        [value, 'red'],
      ]),
    )
    .thresholdsStyle(new GraphThresholdsStyleConfigBuilder().mode(GraphThresholdsStyleMode.Dashed));
}

/** A share (shown as a percentage) per selected version. */
function ratioPanel(title: string, description: string, name: string): TimeseriesPanelBuilder {
  return timeseries(title, description)
    .unit('percentunit')
    .min(0)
    .withTarget(prometheusQuery('A', selected(name), { legend: '{{model_version}}' }));
}

function perFeaturePanel(title: string, description: string, name: string): TimeseriesPanelBuilder {
  return timeseries(title, description).withTarget(
    prometheusQuery('A', selected(name), { legend: '{{feature}} ({{model_version}})' }),
  );
}

/** Label matchers of the segment gauges: the selected versions and segments. */
const SELECTED_SEGMENTS = `${SELECTED}, segment=~"$segment"`;

/**
 * The `segment` variable: the segment values of the model's latest drift
 * checks (its top values per `by`, `__missing__`, `__other__`), several at once.
 */
function segmentVariable(): QueryVariableBuilder {
  return labelValuesVariable(
    'segment',
    'Segment',
    `${METRICS.segmentRows.name}{model="$model"}`,
    'segment',
  );
}

function segmentsRow(dashboard: DashboardBuilder): void {
  dashboard
    .withRow(new RowBuilder('Segments'))
    .withPanel(
      timeseries(
        'Segment drift share',
        "Share of tested features that drifted in each segment (the window's top values of each configured `by`, the rest as __other__). One correction covers every feature of every segment of a run, so slicing does not multiply false alarms.",
      )
        .unit('percentunit')
        .min(0)
        .max(1)
        .withTarget(
          prometheusQuery('A', `${METRICS.segmentDriftShare.name}{${SELECTED_SEGMENTS}}`, {
            legend: '{{segment_by}}={{segment}} ({{model_version}})',
          }),
        )
        .span(12),
    )
    .withPanel(
      new TablePanelBuilder()
        .title('Drifted features by segment')
        .description(
          'Features the latest drift check found drifted in a segment but judged with one correction across all segments; a drift here and not in the whole window is confined to the segment.',
        )
        .datasource(PROMETHEUS)
        .withTarget(
          prometheusQuery('A', `${METRICS.segmentFeatureDrifted.name}{${SELECTED_SEGMENTS}} == 1`, {
            instant: true,
            format: PromQueryFormat.Table,
          }),
        )
        .withTransformation({
          id: 'organize',
          options: {
            excludeByName: { Time: true, model: true, Value: true },
            indexByName: { model_version: 0, segment_by: 1, segment: 2, feature: 3 },
            renameByName: { model_version: 'version', segment_by: 'by' },
          },
        })
        .noValue('No segment drifted')
        .span(12),
    )
    .withPanel(
      timeseries('Segment rows', 'Raw rows of each segment in the window of each drift check.')
        .unit('short')
        .min(0)
        .withTarget(
          prometheusQuery('A', `${METRICS.segmentRows.name}{${SELECTED_SEGMENTS}}`, {
            legend: '{{segment_by}}={{segment}} ({{model_version}})',
          }),
        )
        .span(12),
    )
    .withPanel(
      timeseries(
        'Estimated ROC AUC by segment',
        'ROC AUC of each segment estimated from its scores alone (CBPE) in each performance check; the band of each segment, measured at its own size, is in the run. A segment far below the others is where the model does worst.',
      )
        .unit('none')
        .min(0)
        .max(1)
        .withTarget(
          prometheusQuery(
            'A',
            `${METRICS.segmentEstimatedPerformance.name}{${SELECTED_SEGMENTS}, metric="roc_auc"}`,
            { legend: '{{segment_by}}={{segment}} ({{model_version}})' },
          ),
        )
        .span(12),
    );
}

function driftRow(dashboard: DashboardBuilder): void {
  const drifted = `(${selected(METRICS.featureDrifted.name)} == 1)`;
  const onlyDrifted = (name: string): string =>
    `${selected(name)} and on (model, model_version, feature) ${drifted}`;
  dashboard
    .withRow(new RowBuilder('Drift'))
    .withPanel(
      referenceLine(
        ratioPanel(
          'Dataset drift share',
          `Share of tested features that drifted in each drift check. Dataset drift (the signal that pages) when it reaches the model's datasetDriftShare; the dashed line is the default ${DEFAULT_DATASET_DRIFT_SHARE}.`,
          METRICS.datasetDriftShare.name,
        ).max(1),
        DEFAULT_DATASET_DRIFT_SHARE,
      ).span(8),
    )
    .withPanel(
      new TablePanelBuilder()
        .title('Drifted features')
        .description(
          'Features the latest drift check found drifted (corrected p-value below alpha and effect size at least the minimum), with their effect size, p-value and PSI.',
        )
        .datasource(PROMETHEUS)
        .withTarget(
          prometheusQuery('A', onlyDrifted(METRICS.featureDriftScore.name), {
            instant: true,
            format: PromQueryFormat.Table,
          }),
        )
        .withTarget(
          prometheusQuery('B', onlyDrifted(METRICS.featureDriftPValue.name), {
            instant: true,
            format: PromQueryFormat.Table,
          }),
        )
        .withTarget(
          prometheusQuery('C', onlyDrifted(METRICS.featurePsi.name), {
            instant: true,
            format: PromQueryFormat.Table,
          }),
        )
        .withTransformation({ id: 'merge', options: {} })
        .withTransformation({
          id: 'organize',
          options: {
            excludeByName: { Time: true, model: true },
            indexByName: {
              model_version: 0,
              feature: 1,
              'Value #A': 2,
              'Value #B': 3,
              'Value #C': 4,
            },
            renameByName: {
              model_version: 'version',
              'Value #A': 'drift score',
              'Value #B': 'p-value',
              'Value #C': 'PSI',
            },
          },
        })
        .decimals(4)
        .noValue('No drifted features')
        .sortBy([new TableSortByFieldStateBuilder().displayName('drift score').desc(true)])
        .span(16),
    )
    .withPanel(
      perFeaturePanel(
        'Feature drift score',
        'Effect size per feature in each drift check: KS statistic D for numeric features, Jensen-Shannon distance (base 2) for categorical ones.',
        METRICS.featureDriftScore.name,
      )
        .unit('none')
        .min(0)
        .span(12),
    )
    .withPanel(
      referenceLine(
        perFeaturePanel(
          'Feature drift p-value',
          `p-value of the decisive test per feature (KS or chi-square) after the multiple-testing correction, on a log scale. Below alpha (dashed: the default ${DEFAULT_ALPHA}) the difference is significant.`,
          METRICS.featureDriftPValue.name,
        )
          .unit('none')
          .scaleDistribution(
            new ScaleDistributionConfigBuilder().type(ScaleDistribution.Log).log(10),
          ),
        DEFAULT_ALPHA,
      ).span(12),
    )
    .withPanel(
      new HeatmapPanelBuilder()
        .title('Feature PSI heatmap')
        .description(
          `Population stability index per feature (rows) over time (columns). Conventionally below ${PSI_MODERATE} is stable, ${PSI_MODERATE}–${PSI_SIGNIFICANT} a moderate shift, above ${PSI_SIGNIFICANT} a significant one; the colour saturates at 0.5.`,
        )
        .datasource(PROMETHEUS)
        .withTarget(
          prometheusQuery('A', `max by (feature) (${selected(METRICS.featurePsi.name)})`, {
            legend: '{{feature}}',
          }),
        )
        .calculate(false)
        .rowsFrame(new RowsHeatmapOptionsBuilder().layout(HeatmapCellLayout.Unknown))
        .color(
          new HeatmapColorOptionsBuilder()
            .mode(HeatmapColorMode.Scheme)
            .scheme('Oranges')
            .fill('dark-orange')
            .scale(HeatmapColorScale.Linear)
            .exponent(0.5)
            .steps(32)
            .reverse(false)
            .min(0)
            .max(0.5),
        )
        .cellValues(new CellValuesBuilder().decimals(3))
        .showValue(VisibilityMode.Never)
        .tooltip(new HeatmapTooltipBuilder().mode(TooltipDisplayMode.Single).showColorScale(true))
        .span(12),
    )
    .withPanel(
      timeseries(
        'Score drift',
        'The model score against the reference scores in each drift check: KS p-value (left) and PSI (right).',
      )
        .unit('none')
        .withTarget(
          prometheusQuery('A', selected(METRICS.scoreDriftPValue.name), {
            legend: 'KS p-value ({{model_version}})',
          }),
        )
        .withTarget(
          prometheusQuery('B', selected(METRICS.scorePsi.name), {
            legend: 'PSI ({{model_version}})',
          }),
        )
        .overrideByQuery('B', [{ id: 'custom.axisPlacement', value: 'right' }])
        .span(12),
    );
}

function dataQualityRow(dashboard: DashboardBuilder): void {
  dashboard
    .withRow(new RowBuilder('Data quality'))
    .withPanel(
      perFeaturePanel(
        'Missing value ratio',
        'Share of missing values per feature in the window of each drift check.',
        METRICS.featureMissingRatio.name,
      )
        .unit('percentunit')
        .min(0)
        .span(8),
    )
    .withPanel(
      perFeaturePanel(
        'Out-of-range ratio',
        'Share of numeric feature values outside the reference [min, max] in the window of each drift check.',
        METRICS.featureOutOfRangeRatio.name,
      )
        .unit('percentunit')
        .min(0)
        .span(8),
    )
    .withPanel(
      perFeaturePanel(
        'Unseen category ratio',
        'Share of categorical feature values in categories the reference never saw, in the window of each drift check.',
        METRICS.featureUnseenCategoryRatio.name,
      )
        .unit('percentunit')
        .min(0)
        .span(8),
    );
}

function performanceRow(dashboard: DashboardBuilder): void {
  dashboard
    .withRow(new RowBuilder('Performance'))
    .withPanel(
      timeseries(
        'Classifier quality',
        "ROC AUC, and precision, recall and accuracy at the version's threshold, on the labelled rows of each performance check.",
      )
        .unit('none')
        .min(0)
        .max(1)
        .withTarget(
          prometheusQuery('A', selected(METRICS.modelAuc.name), {
            legend: 'AUC ({{model_version}})',
          }),
        )
        .withTarget(
          prometheusQuery('B', selected(METRICS.modelPrecision.name), {
            legend: 'precision ({{model_version}})',
          }),
        )
        .withTarget(
          prometheusQuery('C', selected(METRICS.modelRecall.name), {
            legend: 'recall ({{model_version}})',
          }),
        )
        .withTarget(
          prometheusQuery('D', selected(METRICS.modelAccuracy.name), {
            legend: 'accuracy ({{model_version}})',
          }),
        )
        .span(8),
    )
    .withPanel(
      timeseries(
        'Regressor error',
        'Mean absolute error and root mean squared error on the labelled rows of each performance check.',
      )
        .unit('none')
        .min(0)
        .withTarget(
          prometheusQuery('A', selected(METRICS.modelMae.name), {
            legend: 'MAE ({{model_version}})',
          }),
        )
        .withTarget(
          prometheusQuery('B', selected(METRICS.modelRmse.name), {
            legend: 'RMSE ({{model_version}})',
          }),
        )
        .span(8),
    )
    .withPanel(
      timeseries(
        'Labelled rows',
        'Labelled rows in the window of each performance check, and ground-truth labels stored per second for the model (labels are per model, not per version).',
      )
        .unit('short')
        .min(0)
        .withTarget(
          prometheusQuery('A', selected(METRICS.modelLabelledRows.name), {
            legend: 'in window ({{model_version}})',
          }),
        )
        .withTarget(
          prometheusQuery(
            'B',
            `sum(rate(${METRICS.labelsTotal.name}{model="$model"}[${RATE_INTERVAL}]))`,
            { legend: 'labels / s' },
          ),
        )
        .overrideByQuery('B', [{ id: 'custom.axisPlacement', value: 'right' }])
        .span(8),
    )
    .withPanel(
      timeseries(
        'Estimated ROC AUC (before labels)',
        'ROC AUC estimated from the scores alone (CBPE, calibrated on the labelled reference), its band, and the realised AUC once labels arrive. A realised value outside the band means P(label | score) changed: concept drift, which the estimate cannot see.',
      )
        .unit('none')
        .min(0)
        .max(1)
        .withTarget(
          prometheusQuery(
            'A',
            `${METRICS.modelEstimatedPerformance.name}{${SELECTED}, metric="roc_auc"}`,
            { legend: 'estimated ({{model_version}})' },
          ),
        )
        .withTarget(
          prometheusQuery(
            'B',
            `${METRICS.modelEstimatedPerformanceLower.name}{${SELECTED}, metric="roc_auc"}`,
            { legend: 'band low ({{model_version}})' },
          ),
        )
        .withTarget(
          prometheusQuery(
            'C',
            `${METRICS.modelEstimatedPerformanceUpper.name}{${SELECTED}, metric="roc_auc"}`,
            { legend: 'band high ({{model_version}})' },
          ),
        )
        .withTarget(
          prometheusQuery('D', selected(METRICS.modelAuc.name), {
            legend: 'realised ({{model_version}})',
          }),
        )
        .span(12),
    )
    .withPanel(
      timeseries(
        'Estimated accuracy, precision, recall, F1',
        "Metrics at the version's threshold estimated from the scores alone, per performance check.",
      )
        .unit('none')
        .min(0)
        .max(1)
        .withTarget(
          prometheusQuery('A', selected(METRICS.modelEstimatedPerformance.name), {
            legend: '{{metric}} ({{model_version}})',
          }),
        )
        .span(8),
    )
    .withPanel(
      timeseries(
        'Calibration error of the reference scores',
        'Expected calibration error of the raw scores on the labelled reference the estimate is calibrated on: 0 when scores are already probabilities. The estimate corrects it with an isotonic map; a large value says the raw scores should not be read as probabilities.',
      )
        .unit('none')
        .min(0)
        .withTarget(
          prometheusQuery('A', selected(METRICS.modelCalibrationError.name), {
            legend: 'ECE ({{model_version}})',
          }),
        )
        .span(4),
    );
}

function parityAndShadowRow(dashboard: DashboardBuilder): void {
  dashboard
    .withRow(new RowBuilder('Serving parity and challenger'))
    .withPanel(
      referenceLine(
        ratioPanel(
          'Parity mismatch ratio',
          `Share of re-scored predictions whose logged score the registered ONNX model does not reproduce. Above maxMismatchRatio (dashed: the default ${DEFAULT_PARITY_MAX_MISMATCH_RATIO}) the run is degraded.`,
          METRICS.parityMismatchRatio.name,
        ),
        DEFAULT_PARITY_MAX_MISMATCH_RATIO,
      ).span(6),
    )
    .withPanel(
      timeseries(
        'Parity max abs diff',
        'Largest absolute difference between a logged score and the ONNX model score in each parity check.',
      )
        .unit('none')
        .min(0)
        .withTarget(
          prometheusQuery('A', selected(METRICS.parityMaxAbsDiff.name), {
            legend: '{{model_version}}',
          }),
        )
        .span(6),
    )
    .withPanel(
      timeseries(
        'Parity rows re-scored',
        'Logged predictions re-scored by parity checks per second, and those that could not be rebuilt into model input (missing feature, unknown category).',
      )
        .unit('short')
        .min(0)
        .withTarget(
          prometheusQuery(
            'A',
            `sum by (model_version) (rate(${selected(METRICS.parityRowsCheckedTotal.name)}[${RATE_INTERVAL}]))`,
            { legend: 'checked ({{model_version}})' },
          ),
        )
        .withTarget(
          prometheusQuery(
            'B',
            `sum by (model_version) (rate(${selected(METRICS.parityUnscorableRowsTotal.name)}[${RATE_INTERVAL}]))`,
            { legend: 'unscorable ({{model_version}})' },
          ),
        )
        .span(12),
    )
    .withPanel(
      timeseries(
        'Challenger agreement',
        'Share of predictions on which the challenger version takes the same decision as the serving version, in each shadow run.',
      )
        .unit('percentunit')
        .min(0)
        .max(1)
        .withTarget(
          prometheusQuery('A', selected(METRICS.shadowAgreementRatio.name), {
            legend: '{{model_version}} vs {{challenger}}',
          }),
        )
        .span(12),
    )
    .withPanel(
      timeseries(
        'Challenger score mean abs diff',
        'Mean absolute difference between the serving and the challenger scores in each shadow run.',
      )
        .unit('none')
        .min(0)
        .withTarget(
          prometheusQuery('A', selected(METRICS.shadowScoreMeanAbsDiff.name), {
            legend: '{{model_version}} vs {{challenger}}',
          }),
        )
        .span(12),
    );
}

function trafficRow(dashboard: DashboardBuilder): void {
  dashboard
    .withRow(new RowBuilder('Traffic'))
    .withPanel(
      timeseries(
        'Predictions by status',
        'Prediction records stored per second, by version and the status the serving pod logged.',
      )
        .unit('short')
        .axisLabel('predictions / s')
        .min(0)
        .withTarget(
          prometheusQuery(
            'A',
            `sum by (model_version, status) (rate(${selected(METRICS.predictionsTotal.name)}[${RATE_INTERVAL}]))`,
            { legend: '{{model_version}} {{status}}' },
          ),
        )
        .span(12),
    )
    .withPanel(loggedLatencyPanel(SELECTED, ['model_version']).span(12))
    .withPanel(scoreDistributionPanel(SELECTED).span(12))
    .withPanel(
      timeseries(
        'Missing and ignored feature values',
        'Feature values absent or null in stored records, and values not in the version schema dropped because the model sets unknownFeatures: ignore, per second.',
      )
        .unit('short')
        .min(0)
        .withTarget(
          prometheusQuery(
            'A',
            `sum by (model_version) (rate(${selected(METRICS.ingestMissingFeaturesTotal.name)}[${RATE_INTERVAL}]))`,
            { legend: 'missing ({{model_version}})' },
          ),
        )
        .withTarget(
          prometheusQuery(
            'B',
            `sum by (model_version) (rate(${selected(METRICS.ingestIgnoredFeaturesTotal.name)}[${RATE_INTERVAL}]))`,
            { legend: 'ignored ({{model_version}})' },
          ),
        )
        .span(12),
    )
    .withPanel(
      timeseries(
        'Raw sample',
        'Fraction of raw rows kept per version (1: every row; a hash sample above storage.raw.keepAllBelowPerSecond), and records summarised but not kept as raw rows, per second.',
      )
        .min(0)
        .withTarget(
          prometheusQuery(
            'A',
            `max by (model_version) (${selected(METRICS.rawSampleFraction.name)})`,
            { legend: 'fraction kept ({{model_version}})' },
          ),
        )
        .withTarget(
          prometheusQuery(
            'B',
            `sum by (model_version) (rate(${selected(METRICS.rawRowsSampledOutTotal.name)}[${RATE_INTERVAL}]))`,
            { legend: 'sampled out / s ({{model_version}})' },
          ),
        )
        .span(12),
    )
    .withPanel(
      timeseries('Check window rows', 'Rows in the window of each check, by kind.')
        .unit('short')
        .min(0)
        .withTarget(
          prometheusQuery('A', selected(METRICS.checkWindowRows.name), {
            legend: '{{kind}} ({{model_version}})',
          }),
        )
        .span(12),
    );
}

export function modelDrilldownDashboard(): Dashboard {
  const dashboard = new DashboardBuilder('driftwatch / Model')
    .uid(MODEL_DRILLDOWN_UID)
    .description(
      'Drift, data quality, performance, serving parity and challenger of one model and its versions. Generated from src/dashboards/modelDrilldown.ts: edit the source, not the JSON.',
    )
    .tags(['driftwatch', 'generated'])
    .editable()
    .time({ from: 'now-24h', to: 'now' })
    .refresh('1m')
    .timezone('browser')
    .withVariable(datasourceVariable())
    .withVariable(modelVariable({ multi: false }))
    .withVariable(modelVersionVariable())
    .withVariable(segmentVariable());
  driftRow(dashboard);
  segmentsRow(dashboard);
  dataQualityRow(dashboard);
  performanceRow(dashboard);
  parityAndShadowRow(dashboard);
  trafficRow(dashboard);
  return dashboard.build();
}
