/** Writes docs/metrics.md from the metric catalogue (npm run metrics:doc). */
import { writeFileSync } from 'node:fs';
import { renderMetricsDoc } from '../src/telemetry/metricsDoc.js';

writeFileSync(new URL('../docs/metrics.md', import.meta.url), renderMetricsDoc());
console.log('wrote docs/metrics.md');
