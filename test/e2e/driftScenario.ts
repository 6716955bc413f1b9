/**
 * Drives a running driftwatch through its HTTP API into dataset drift, for
 * test/e2e/alerting.sh: registers a churn-like model version, imports a
 * reference drawn from the reference distribution, ingests a window in which
 * three of the five features are shifted, and runs a drift check. Exits
 * non-zero, saying why, unless the run reports dataset drift.
 *
 *   node --import tsx test/e2e/driftScenario.ts --url http://127.0.0.1:8080 --model e2e-churn
 */
import { parseArgs } from 'node:util';
import { churnRows, predictionRecords, referenceCsv } from '../helpers/churnData.js';
import { CHURN_DEFINITION } from '../helpers/records.js';

interface DatasetDrift {
  share: number;
  drifted: boolean;
  driftedFeatures: number;
  testedFeatures: number;
}

interface RunView {
  id: number;
  status: string;
  rows: number | null;
  error: string | null;
  summary: { dataset?: DatasetDrift; driftedFeatures?: string[] };
}

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    model: { type: 'string', default: 'e2e-churn' },
    version: { type: 'string', default: '1' },
    token: { type: 'string' },
  },
});
if (!values.url) throw new Error('driftScenario: --url is required');
const baseUrl = values.url.replace(/\/$/, '');
const model = values.model;
const version = values.version;

async function request(
  method: string,
  path: string,
  body?: string,
  contentType = 'application/json',
): Promise<unknown> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = contentType;
  if (values.token) headers.authorization = `Bearer ${values.token}`;
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 500)}`);
  }
  return JSON.parse(text) as unknown;
}

const base = `/v1/models/${encodeURIComponent(model)}`;
await request('PUT', `${base}/versions/${version}`, JSON.stringify(CHURN_DEFINITION));
await request(
  'PUT',
  `${base}/versions/${version}/reference`,
  referenceCsv(churnRows(5_000, 1)),
  'text/csv',
);

// Shifted window: tenure by half a standard deviation, 10 % of regions unseen
// ("latam"), and monthly charges by half a standard deviation (20) — three of
// five features, so the drifted share (0.6) passes the 0.5 dataset threshold.
const window = churnRows(2_000, 2, { tenureSigma: 0.5, newRegionShare: 0.1 }).map((row) => ({
  ...row,
  monthly_charges: row.monthly_charges + 10,
}));
const records = predictionRecords(window, {
  model,
  version,
  idPrefix: `e2e-${Date.now()}`,
  nowMs: Date.now(),
  spreadMs: 10 * 60_000,
});
for (let i = 0; i < records.length; i += 1_000) {
  const ndjson = records
    .slice(i, i + 1_000)
    .map((record) => JSON.stringify(record))
    .join('\n');
  const outcome = (await request('POST', '/v1/predictions', ndjson, 'application/x-ndjson')) as {
    accepted: number;
    rejected: unknown[];
  };
  if (outcome.rejected.length > 0) {
    throw new Error(`ingest rejected records: ${JSON.stringify(outcome.rejected.slice(0, 3))}`);
  }
}

const { runs } = (await request(
  'POST',
  `${base}/checks/drift/run?version=${version}&window=1h`,
)) as { runs: RunView[] };
const run = runs[0];
if (runs.length !== 1 || !run) throw new Error(`expected one run, got ${runs.length}`);
const dataset = run.summary.dataset;
process.stdout.write(
  `drift run ${run.id}: status ${run.status}, rows ${run.rows}, dataset ${JSON.stringify(dataset)}, drifted features ${JSON.stringify(run.summary.driftedFeatures)}\n`,
);
if (run.status !== 'drift' || !dataset?.drifted || dataset.share < 0.5) {
  process.stderr.write(
    `driftScenario: expected dataset drift (share >= 0.5), got status ${run.status}${run.error ? ` (${run.error})` : ''}\n`,
  );
  process.exit(1);
}
