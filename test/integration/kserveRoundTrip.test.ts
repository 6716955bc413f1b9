/**
 * The demo model served behind KServe: its rows scored by the real ONNX
 * graph, logged as an Open Inference Protocol V2 request and response
 * through POST /v1/intake/kserve, end up as the very rows (and minute
 * summaries) that the JSON shipper (driftwatch/client) stores for the same
 * predictions through POST /v1/predictions.
 */
import * as ort from 'onnxruntime-node';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogShipper } from '../../src/client/index.js';
import {
  demoFeatures,
  demoInputColumns,
  demoRows,
  featureMatrix,
} from '../../src/demo/demoData.js';
import { call, startTestService, type TestService } from '../helpers/service.js';

const ROWS = 40;
const CE_ID = 'b1946ac9-2f0e-4d3b-9c7a-5e8f1a2b3c4d';
const REQUEST_TIME = '2021-04-10T00:28:00.125Z';
const RESPONSE_TIME = '2021-04-10T00:28:00.1296Z';
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const NOW_MS = Date.parse('2021-04-10T00:30:00Z');

/** Binary-mode headers as KServe's logger sets them (test/fixtures/kserve/README.md). */
function loggerHeaders(type: 'request' | 'response', time: string): Record<string, string> {
  return {
    'Ce-Id': CE_ID,
    'Ce-Type': `org.kubeflow.serving.inference.${type}`,
    'Ce-Source': 'http://localhost:9081/',
    'Ce-Specversion': '1.0',
    'Ce-Time': time,
    'Ce-Inferenceservicename': 'churn-onnx',
    'Ce-Namespace': 'models',
    'Ce-Component': 'predictor',
    'Ce-Endpoint': '',
    Traceparent: TRACEPARENT,
  };
}

async function storedRows(pool: pg.Pool): Promise<unknown[]> {
  const { rows } = await pool.query<Record<string, unknown>>(
    `SELECT model, model_version, request_id, ts, num_values, cat_values, missing_count,
            score, prediction, latency_ms, status, traceparent
       FROM predictions ORDER BY request_id`,
  );
  return rows;
}

async function storedSummaries(pool: pg.Pool): Promise<unknown[]> {
  const { rows } = await pool.query<Record<string, unknown>>(
    'SELECT model, model_version, minute, summary FROM minute_summaries ORDER BY minute',
  );
  return rows;
}

describe('a V2 body of the demo model', () => {
  let viaKServe: TestService;
  let viaShipper: TestService;
  const pools: pg.Pool[] = [];

  beforeAll(async () => {
    const options = {
      configFile: 'test/fixtures/kserve/driftwatch.kserve.yaml',
      now: () => NOW_MS,
    };
    viaKServe = await startTestService(options);
    viaShipper = await startTestService(options);
    for (const t of [viaKServe, viaShipper]) {
      pools.push(new pg.Pool({ connectionString: t.database.url, max: 1 }));
    }
  });

  afterAll(async () => {
    for (const pool of pools) await pool.end();
    await viaKServe.close();
    await viaShipper.close();
  });

  it('round-trips to the same stored records as the JSON shipper gives', async () => {
    const rows = demoRows(ROWS, 11);
    const columns = demoInputColumns('one_hot');
    const width = 11;
    const session = await ort.InferenceSession.create('models/demo-churn/1/model.onnx');
    const output = await session.run({
      features: new ort.Tensor('float32', featureMatrix(rows, columns), [ROWS, width]),
    });
    const probabilities = Array.from(output.probabilities!.data as Float32Array);
    expect(probabilities).toHaveLength(ROWS * 2);

    // What the serving pod sends KServe: its features as JSON numbers (not
    // the float32 the graph computes in), categories one-hot.
    const tensorRows = rows.map((row) => {
      const features = demoFeatures(row);
      return columns.flatMap((column) =>
        column.encoding === 'one_hot'
          ? column.categories!.map((category) => (features[column.feature] === category ? 1 : 0))
          : [features[column.feature] as number],
      );
    });
    const request = {
      inputs: [{ name: 'features', shape: [ROWS, width], datatype: 'FP32', data: tensorRows }],
    };
    const response = {
      model_name: 'churn-onnx',
      id: CE_ID,
      outputs: [{ name: 'probabilities', shape: [ROWS, 2], datatype: 'FP32', data: probabilities }],
    };
    const first = await call(viaKServe.url, '/v1/intake/kserve', {
      raw: JSON.stringify(request),
      headers: loggerHeaders('request', REQUEST_TIME),
    });
    expect(first.body).toMatchObject({ pending: 1 });
    const second = await call(viaKServe.url, '/v1/intake/kserve', {
      raw: JSON.stringify(response),
      headers: loggerHeaders('response', RESPONSE_TIME),
    });
    expect(second.body).toMatchObject({ joined: 1, accepted: ROWS, rejected_count: 0 });

    // The same predictions as the pod would log them with the JSON shipper.
    const shipper = createLogShipper({ url: viaShipper.url, flushIntervalMs: 60_000 });
    rows.forEach((row, i) =>
      shipper.log({
        model: 'demo-churn',
        model_version: '1',
        request_id: `${CE_ID}/${i}`,
        timestamp: REQUEST_TIME,
        features: demoFeatures(row),
        score: probabilities[2 * i + 1],
        latency_ms: 4.6,
        status: 'success',
        traceparent: TRACEPARENT,
      }),
    );
    const stats = await shipper.close({ timeoutMs: 30_000 });
    expect(stats).toMatchObject({ sent: ROWS, duplicates: 0, buffered: 0 });

    const [kserveRows, shippedRows] = await Promise.all(pools.map(storedRows));
    expect(kserveRows).toHaveLength(ROWS);
    expect(kserveRows).toEqual(shippedRows);
    const [kserveSummaries, shippedSummaries] = await Promise.all(pools.map(storedSummaries));
    expect(kserveSummaries).toHaveLength(1);
    expect(kserveSummaries).toEqual(shippedSummaries);
  });
});
