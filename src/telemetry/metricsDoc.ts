/**
 * docs/metrics.md, rendered from the metric catalogue so the documentation
 * cannot drift from what the service exports (a test compares the committed
 * file with this rendering).
 */
import { METRICS, type MetricSpec } from './metricNames.js';

function row(spec: MetricSpec): string {
  const labels = spec.labels.length > 0 ? spec.labels.map((l) => `\`${l}\``).join(', ') : '—';
  const buckets = spec.buckets ? `<br>buckets: ${spec.buckets.join(', ')}` : '';
  return `| \`${spec.name}\` | ${spec.type} | ${labels} | ${spec.help.replace(/\|/g, '\\|')}${buckets} |`;
}

export function renderMetricsDoc(): string {
  const specs = Object.values(METRICS as Record<string, MetricSpec>).sort((a, b) =>
    a.name.localeCompare(b.name),
  );
  return [
    '# Metrics',
    '',
    '<!-- Generated from src/telemetry/metricNames.ts by `npm run metrics:doc`; do not edit by hand. -->',
    '',
    'Every metric driftwatch exports, from the one catalogue in',
    '`src/telemetry/metricNames.ts`. Dashboards and alert rules are tested',
    'against it. Names follow the Prometheus conventions: a `driftwatch_`',
    'prefix, base units in the name (`_seconds`, `_ratio`), `_total` on',
    'counters. Label values are bounded: `model`, `model_version` and `feature`',
    'come from the registered schemas, never from input; `status`, `reason`,',
    '`outcome` and `kind` take fixed sets of values.',
    '',
    'Gauges of checks show the latest run of each model version (and feature)',
    'and are restored from the database at start-up. The standard `process_*`',
    'and `nodejs_*` metrics of prom-client are exported too.',
    '',
    '| name | type | labels | meaning |',
    '| --- | --- | --- | --- |',
    ...specs.map(row),
    '',
  ].join('\n');
}
