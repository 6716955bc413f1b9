/**
 * Traces of one ingest request and one drift check, seen by an in-memory
 * exporter. Tracing starts the way the preload starts it — the ESM hook, then
 * the SDK — before the service (and so express and pg) is first imported:
 * the service helper is imported dynamically, never statically, here.
 */
import { createRequire, register } from 'node:module';
import { SpanKind } from '@opentelemetry/api';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace';
import { createAddHookMessageChannel } from 'import-in-the-middle';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ATTR_CHECK_KIND,
  ATTR_CHECK_PATH,
  ATTR_CHECK_ROWS,
  ATTR_CHECK_STATUS,
  ATTR_CHECK_WINDOW_END,
  ATTR_CHECK_WINDOW_START,
  ATTR_FEATURE_NAME,
  ATTR_INGEST_ACCEPTED,
  ATTR_INGEST_DUPLICATES,
  ATTR_INGEST_RECORDS,
  ATTR_INGEST_REJECTED,
  ATTR_LINK_SOURCE,
  ATTR_MODEL_NAME,
  ATTR_MODEL_VERSION,
  ATTR_TEST_DRIFTED,
  ATTR_TEST_NAME,
  ATTR_TEST_P_VALUE,
  ATTR_TEST_STATISTIC,
  SPAN_CHECK,
  SPAN_CHECK_FEATURE,
  SPAN_INGEST,
} from '../../src/telemetry/attributes.js';
import { shutdownTracing, startTracing } from '../../src/telemetry/tracing.js';
import { churnRows, predictionRecords, referenceCsv } from '../helpers/churnData.js';
import { CHURN_DEFINITION } from '../helpers/records.js';
import type * as ServiceHelpers from '../helpers/service.js';
import type { TestService } from '../helpers/service.js';

const exporter = new InMemorySpanExporter();
const processor = new SimpleSpanProcessor({ exporter });

// A trace the caller propagated in the header (continued by the HTTP server
// span), and two serving traces carried by records (one by two records).
const HEADER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const HEADER = `00-${HEADER_TRACE}-00f067aa0ba902b7-01`;
const RECORD_TRACES = ['0af7651916cd43dd8448eb211c80319c', '5b8aa5a2d2c872e8321cf37308d69df2'];
const recordTraceparent = (i: number): string => `00-${RECORD_TRACES[i]}-b7ad6b716920333${i}-01`;

type Helpers = typeof ServiceHelpers;

async function spans(): Promise<ReadableSpan[]> {
  // Export waits for the resource's detectors, so flush before reading.
  await processor.forceFlush();
  return exporter.getFinishedSpans();
}

function parentOf(span: ReadableSpan, all: readonly ReadableSpan[]): ReadableSpan | undefined {
  const parentId = span.parentSpanContext?.spanId;
  return parentId === undefined ? undefined : all.find((s) => s.spanContext().spanId === parentId);
}

function ancestors(span: ReadableSpan, all: readonly ReadableSpan[]): ReadableSpan[] {
  const chain: ReadableSpan[] = [];
  for (let parent = parentOf(span, all); parent; parent = parentOf(parent, all)) {
    chain.push(parent);
  }
  return chain;
}

describe('tracing', () => {
  let t: TestService;
  let helpers: Helpers;

  beforeAll(async () => {
    const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
    register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);
    expect(startTracing({ spanProcessors: [processor] })).toBe(true);
    await waitForAllMessagesAcknowledged();
    // vitest imports packages by file URL, which the hook's name filter does
    // not match; one CommonJS require patches the module instance that the
    // service's `import express` then shares. (`driftwatch serve` needs no such
    // step: the preload's hook sees the bare specifier.)
    createRequire(import.meta.url)('express');
    helpers = await import('../helpers/service.js');
    t = await helpers.startTestService();
    const created = await helpers.call(t.url, '/v1/models/churn/versions/1', {
      method: 'PUT',
      body: CHURN_DEFINITION,
    });
    expect(created.status).toBe(201);
  });

  afterAll(async () => {
    await t.close();
    await shutdownTracing();
  });

  it('traces an ingest request with its counts, under the HTTP server span, linked to the record traces', async () => {
    exporter.reset();
    const records = predictionRecords(churnRows(3, 7), {
      model: 'churn',
      version: '1',
      idPrefix: 'traced',
      nowMs: Date.now(),
      spreadMs: 60_000,
    });
    records[0]!.traceparent = recordTraceparent(0);
    records[1]!.traceparent = recordTraceparent(1);
    records[2]!.traceparent = recordTraceparent(1);
    const response = await helpers.call(t.url, '/v1/predictions', {
      raw: helpers.ndjson([...records, { model: 'churn' }]),
      contentType: 'application/x-ndjson',
      headers: { traceparent: HEADER },
    });
    expect(response.status).toBe(200);

    const all = await spans();
    const ingest = all.filter((s) => s.name === SPAN_INGEST);
    expect(ingest).toHaveLength(1);
    const span = ingest[0]!;
    expect(span.attributes).toMatchObject({
      [ATTR_INGEST_RECORDS]: 4,
      [ATTR_INGEST_ACCEPTED]: 3,
      [ATTR_INGEST_DUPLICATES]: 0,
      [ATTR_INGEST_REJECTED]: 1,
      [ATTR_MODEL_NAME]: 'churn',
      [ATTR_MODEL_VERSION]: '1',
    });

    // The header's trace is continued by the HTTP server span (its parent,
    // through the express handler spans), so it needs no link of its own.
    expect(span.spanContext().traceId).toBe(HEADER_TRACE);
    const chain = ancestors(span, all);
    const server = chain.find((s) => s.kind === SpanKind.SERVER);
    expect(server?.attributes['http.route']).toBe('/v1/predictions');
    expect(server?.parentSpanContext?.traceId).toBe(HEADER_TRACE);
    expect(chain.some((s) => s.instrumentationScope.name.includes('express'))).toBe(true);

    // One link per distinct record traceparent.
    expect(
      span.links.map((link) => [link.context.traceId, link.attributes?.[ATTR_LINK_SOURCE]]),
    ).toEqual([
      [RECORD_TRACES[0], 'record'],
      [RECORD_TRACES[1], 'record'],
    ]);

    // The queries of the request are pg client spans in the same trace, under
    // the ingest span. (Background work — e.g. the scheduler picking up a model
    // registered just before — may add pg spans of other traces meanwhile.)
    const queries = all.filter(
      (s) =>
        s.instrumentationScope.name.includes('pg') &&
        s.kind === SpanKind.CLIENT &&
        s.spanContext().traceId === HEADER_TRACE,
    );
    expect(queries.length).toBeGreaterThan(0);
    expect(queries.every((s) => ancestors(s, all).includes(span))).toBe(true);
  });

  it('never records the KServe intake token of the URL in a span', async () => {
    exporter.reset();
    const secret = 'do-not-trace-4f1c9e';
    await helpers.call(t.url, `/v1/intake/kserve?access_token=${secret}`, {
      raw: '{}',
      contentType: 'application/json',
    });
    const all = await spans();
    const server = all.find((s) => s.kind === SpanKind.SERVER);
    expect(server, 'the request has a server span').toBeDefined();
    expect(String(server!.attributes['url.query'])).toContain('access_token=');
    expect(JSON.stringify(all.map((s) => s.attributes))).not.toContain(secret);
  });

  it('traces a drift check with one child span per feature test', async () => {
    const reference = await helpers.call(t.url, '/v1/models/churn/versions/1/reference', {
      method: 'PUT',
      raw: referenceCsv(churnRows(1_000, 1)),
      contentType: 'text/csv',
    });
    expect(reference.status).toBe(200);
    const window = predictionRecords(churnRows(400, 2), {
      model: 'churn',
      version: '1',
      idPrefix: 'window',
      nowMs: Date.now(),
      spreadMs: 600_000,
    });
    const ingested = await helpers.call(t.url, '/v1/predictions', {
      raw: helpers.ndjson(window),
      contentType: 'application/x-ndjson',
    });
    expect(ingested.status).toBe(200);

    exporter.reset();
    const response = await helpers.call<{
      runs: { status: string; results: { feature: string; test: string }[] }[];
    }>(t.url, '/v1/models/churn/checks/drift/run?version=1', { method: 'POST' });
    expect(response.status).toBe(200);
    const run = response.body.runs[0]!;

    const all = await spans();
    const checks = all.filter((s) => s.name === SPAN_CHECK);
    expect(checks).toHaveLength(1);
    const check = checks[0]!;
    expect(check.attributes).toMatchObject({
      [ATTR_MODEL_NAME]: 'churn',
      [ATTR_MODEL_VERSION]: '1',
      [ATTR_CHECK_KIND]: 'drift',
      [ATTR_CHECK_STATUS]: run.status,
      [ATTR_CHECK_ROWS]: 403,
      [ATTR_CHECK_PATH]: 'exact',
    });
    expect(Date.parse(check.attributes[ATTR_CHECK_WINDOW_START] as string)).toBeLessThan(
      Date.parse(check.attributes[ATTR_CHECK_WINDOW_END] as string),
    );
    expect(ancestors(check, all).some((s) => s.kind === SpanKind.SERVER)).toBe(true);

    const features = all.filter((s) => s.name === SPAN_CHECK_FEATURE);
    expect(features).toHaveLength(run.results.length);
    expect(features.every((s) => s.parentSpanContext?.spanId === check.spanContext().spanId)).toBe(
      true,
    );
    const ks = features.find(
      (s) =>
        s.attributes[ATTR_FEATURE_NAME] === 'tenure_months' &&
        s.attributes[ATTR_TEST_NAME] === 'ks',
    )!;
    expect(ks.attributes[ATTR_TEST_STATISTIC]).toEqual(expect.any(Number));
    expect(ks.attributes[ATTR_TEST_P_VALUE]).toEqual(expect.any(Number));
    expect(ks.attributes[ATTR_TEST_DRIFTED]).toEqual(expect.any(Boolean));
  });
});
