/**
 * The driftwatch overview: is data coming in, is it being rejected, what did
 * serving look like according to the logs, are checks running, are alerts
 * getting out. One screen for the on-call person across all models.
 */
import {
  BigValueColorMode,
  BigValueGraphMode,
  GraphDrawStyle,
  ReduceDataOptionsBuilder,
  StackingConfigBuilder,
  StackingMode,
  TableCellDisplayMode,
  TableSortByFieldStateBuilder,
} from '@grafana/grafana-foundation-sdk/common';
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { DashboardBuilder, RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanelBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TablePanelBuilder } from '@grafana/grafana-foundation-sdk/table';
import { METRICS } from '../telemetry/metricNames.js';
import {
  PROMETHEUS,
  RATE_INTERVAL,
  datasourceVariable,
  loggedLatencyPanel,
  modelVariable,
  prometheusQuery,
  quantileExpr,
  scoreDistributionPanel,
  thresholds,
  timeseries,
} from './parts.js';

export const OVERVIEW_UID = 'driftwatch-overview';

/** Label matcher of the `model` variable (multi-value, so a regex). */
const MODELS = 'model=~"$model"';

/** A check not successful for this long is late (the slowest default schedule is 15 min). */
const CHECK_LATE_SECONDS = 1800;
const CHECK_STALE_SECONDS = 3600;

function ingestRow(dashboard: DashboardBuilder): void {
  const records = METRICS.ingestRecordsTotal.name;
  dashboard
    .withRow(new RowBuilder('Ingest'))
    .withPanel(
      timeseries(
        'Ingest rate',
        'Records received on the ingest endpoints per second, by outcome: accepted (stored), duplicate (request id already stored) or rejected.',
      )
        .unit('short')
        .axisLabel('records / s')
        .min(0)
        .withTarget(
          prometheusQuery('A', `sum by (outcome) (rate(${records}[${RATE_INTERVAL}]))`, {
            legend: '{{outcome}}',
          }),
        )
        .span(8),
    )
    .withPanel(
      timeseries(
        'Rejected records by reason',
        'Records the ingest endpoints refused, per second, by rejection reason. Anything here means a serving pod logs records driftwatch cannot store.',
      )
        .unit('short')
        .axisLabel('records / s')
        .min(0)
        .drawStyle(GraphDrawStyle.Bars)
        .fillOpacity(80)
        .stacking(new StackingConfigBuilder().mode(StackingMode.Normal))
        .withTarget(
          prometheusQuery(
            'A',
            `sum by (reason) (rate(${records}{outcome="rejected"}[${RATE_INTERVAL}]))`,
            { legend: '{{reason}}' },
          ),
        )
        .span(8),
    )
    .withPanel(
      timeseries(
        'Stored predictions by model',
        'Prediction records stored per second, by model and the status the serving pod logged.',
      )
        .unit('short')
        .axisLabel('predictions / s')
        .min(0)
        .withTarget(
          prometheusQuery(
            'A',
            `sum by (model, status) (rate(${METRICS.predictionsTotal.name}{${MODELS}}[${RATE_INTERVAL}]))`,
            { legend: '{{model}} {{status}}' },
          ),
        )
        .span(8),
    )
    .withPanel(
      timeseries(
        'Ingest request duration p99',
        'Time driftwatch takes to validate and store one ingest request, 99th percentile by endpoint.',
      )
        .unit('s')
        .min(0)
        .withTarget(
          prometheusQuery(
            'A',
            quantileExpr(0.99, METRICS.ingestBatchSeconds.name, '', ['endpoint']),
            { legend: '{{endpoint}}' },
          ),
        )
        .span(12),
    )
    .withPanel(
      timeseries(
        'Ingest requests by status code',
        'Ingest HTTP requests per second by endpoint and status code.',
      )
        .unit('reqps')
        .min(0)
        .withTarget(
          prometheusQuery(
            'A',
            `sum by (endpoint, code) (rate(${METRICS.ingestRequestsTotal.name}[${RATE_INTERVAL}]))`,
            { legend: '{{endpoint}} {{code}}' },
          ),
        )
        .span(12),
    );
}

function servingRow(dashboard: DashboardBuilder): void {
  dashboard
    .withRow(new RowBuilder('Serving (from prediction logs)'))
    .withPanel(loggedLatencyPanel(MODELS, ['model']).span(12))
    .withPanel(scoreDistributionPanel(MODELS).span(12));
}

function checksRow(dashboard: DashboardBuilder): void {
  const lastSuccess = METRICS.checkLastSuccessTimestampSeconds.name;
  dashboard
    .withRow(new RowBuilder('Checks'))
    .withPanel(
      new TablePanelBuilder()
        .title('Check freshness')
        .description(
          `Seconds since the latest check run that did not fail, per model version and check kind. Orange after ${CHECK_LATE_SECONDS / 60} min, red after ${CHECK_STALE_SECONDS / 60} min: the check is not running or keeps failing.`,
        )
        .datasource(PROMETHEUS)
        .withTarget(
          prometheusQuery(
            'A',
            `time() - max by (model, model_version, kind) (${lastSuccess}{${MODELS}})`,
            { instant: true, format: PromQueryFormat.Table },
          ),
        )
        .withTransformation({
          id: 'organize',
          options: {
            excludeByName: { Time: true },
            indexByName: { model: 0, model_version: 1, kind: 2, Value: 3 },
            renameByName: { model_version: 'version', Value: 'since last success' },
          },
        })
        .unit('s')
        .decimals(0)
        .thresholds(
          thresholds([
            [null, 'green'],
            [CHECK_LATE_SECONDS, 'orange'],
            [CHECK_STALE_SECONDS, 'red'],
          ]),
        )
        .overrideByName('since last success', [
          {
            id: 'custom.cellOptions',
            value: { type: TableCellDisplayMode.ColorBackground },
          },
        ])
        .sortBy([new TableSortByFieldStateBuilder().displayName('since last success').desc(true)])
        .span(12),
    )
    .withPanel(
      new StatPanelBuilder()
        .title('Models in dataset drift')
        .description(
          'Model versions whose latest drift check found at least the configured share of features drifted (driftwatch_dataset_drifted = 1). This is the signal that pages.',
        )
        .datasource(PROMETHEUS)
        .withTarget(
          prometheusQuery(
            'A',
            `count(${METRICS.datasetDrifted.name}{${MODELS}} == 1) or vector(0)`,
            { legend: 'drifting' },
          ),
        )
        .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
        .colorMode(BigValueColorMode.Background)
        .graphMode(BigValueGraphMode.Area)
        .thresholds(
          thresholds([
            [null, 'green'],
            [1, 'red'],
          ]),
        )
        .span(4),
    )
    .withPanel(
      timeseries('Check runs by status', 'Check runs per hour by kind and resulting status.')
        .unit('short')
        .axisLabel('runs / h')
        .min(0)
        .withTarget(
          prometheusQuery(
            'A',
            `sum by (kind, status) (increase(${METRICS.checkRunsTotal.name}{${MODELS}}[1h]))`,
            { legend: '{{kind}} {{status}}' },
          ),
        )
        .span(8),
    )
    .withPanel(
      timeseries(
        'Check duration p99',
        'Duration of check runs, reading the window included, 99th percentile by kind.',
      )
        .unit('s')
        .min(0)
        .withTarget(
          prometheusQuery(
            'A',
            quantileExpr(0.99, METRICS.checkDurationSeconds.name, '', ['kind']),
            {
              legend: '{{kind}}',
            },
          ),
        )
        .span(6),
    )
    .withPanel(
      timeseries(
        'Check slots missed',
        'Scheduled check slots that produced no run, per hour, by model, kind and reason (database_unavailable, still_running, late, error). See the runbook, "Check slots missed".',
      )
        .unit('short')
        .axisLabel('slots / h')
        .min(0)
        .drawStyle(GraphDrawStyle.Bars)
        .withTarget(
          prometheusQuery(
            'A',
            `sum by (model, kind, reason) (increase(${METRICS.checkSlotsMissedTotal.name}{${MODELS}}[1h])) > 0`,
            { legend: '{{model}} {{kind}} {{reason}}' },
          ),
        )
        .span(6),
    )
    .withPanel(
      timeseries(
        'Retention: partitions dropped',
        'Daily prediction partitions dropped by retention, per day.',
      )
        .unit('short')
        .min(0)
        .drawStyle(GraphDrawStyle.Bars)
        .withTarget(
          prometheusQuery(
            'A',
            `sum(increase(${METRICS.retentionPartitionsDroppedTotal.name}[1d]))`,
            { legend: 'dropped' },
          ),
        )
        .span(12),
    );
}

function webhooksRow(dashboard: DashboardBuilder): void {
  dashboard
    .withRow(new RowBuilder('Webhooks'))
    .withPanel(
      timeseries(
        'Webhook delivery failures',
        'Webhook delivery attempts that did not succeed, per second, by target, event and outcome. Failed deliveries are retried from the outbox.',
      )
        .unit('short')
        .axisLabel('attempts / s')
        .min(0)
        .withTarget(
          prometheusQuery(
            'A',
            `sum by (target, event, outcome) (rate(${METRICS.webhookDeliveriesTotal.name}{outcome!="delivered"}[${RATE_INTERVAL}]))`,
            { legend: '{{target}} {{event}} {{outcome}}' },
          ),
        )
        .span(12),
    )
    .withPanel(
      timeseries(
        'Webhook outbox pending',
        'Events waiting in the outbox per target. A backlog that only grows means a target is down.',
      )
        .unit('short')
        .min(0)
        .withTarget(
          prometheusQuery('A', `sum by (target) (${METRICS.webhookOutboxPending.name})`, {
            legend: '{{target}}',
          }),
        )
        .span(12),
    );
}

export function overviewDashboard(): Dashboard {
  const dashboard = new DashboardBuilder('driftwatch / Overview')
    .uid(OVERVIEW_UID)
    .description(
      'Ingest, logged serving latency and scores, check freshness and webhook delivery across models. Generated from src/dashboards/overview.ts: edit the source, not the JSON.',
    )
    .tags(['driftwatch', 'generated'])
    .editable()
    .time({ from: 'now-6h', to: 'now' })
    .refresh('1m')
    .timezone('browser')
    .withVariable(datasourceVariable())
    .withVariable(modelVariable({ multi: true }));
  ingestRow(dashboard);
  servingRow(dashboard);
  checksRow(dashboard);
  webhooksRow(dashboard);
  return dashboard.build();
}
