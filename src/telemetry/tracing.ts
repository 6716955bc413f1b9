/**
 * Starts the OpenTelemetry SDK: driftwatch's own spans plus HTTP, Express
 * and pg auto-instrumentation, exported over OTLP/HTTP. Loaded only by
 * preload.ts (`driftwatch serve`) and by tests; nothing else imports the SDK.
 *
 * Export is off unless `OTEL_EXPORTER_OTLP_ENDPOINT` or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set (see tracingEnv.ts); the
 * exporter and the batch processor read the other standard variables
 * (`OTEL_EXPORTER_OTLP_HEADERS`, `…_TIMEOUT`, `OTEL_BSP_*`), the SDK reads
 * `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER*` and
 * `OTEL_PROPAGATORS`. Metrics stay with prom-client (/metrics): no metric
 * reader or log processor is started.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from './attributes.js';
import { setTracingShutdown, shutdownTracing } from './tracer.js';
import { traceExportConfigured } from './tracingEnv.js';

export { shutdownTracing };

export interface TracingOptions {
  /**
   * Span processors to use instead of the OTLP exporter, e.g. a
   * `SimpleSpanProcessor` on an `InMemorySpanExporter` in tests. When given,
   * tracing starts whatever the environment says.
   */
  spanProcessors?: SpanProcessor[];
  /** Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/** Incoming requests that are not worth a trace: scrapes and probes, every few seconds. */
/**
 * Query parameters whose values never reach a span's `url.query`: the KServe
 * intake's `access_token` (its payload logger can send a token only in the
 * URL), beside the instrumentation's own defaults, which setting this list
 * replaces and so are repeated.
 */
const REDACTED_QUERY_PARAMS = [
  'access_token',
  'sig',
  'Signature',
  'AWSAccessKeyId',
  'X-Goog-Signature',
  'X-Amz-Signature',
  'X-Amz-Credential',
  'X-Amz-Security-Token',
];

const UNTRACED_PATHS = new Set(['/metrics', '/health', '/ready']);

function packageVersion(): string {
  // src/telemetry and dist/telemetry are both two levels below the package root.
  const file = new URL('../../package.json', import.meta.url);
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

let started = false;

/**
 * Builds and starts the SDK once per process; returns whether tracing is on.
 * Call it before express and pg are imported (preload.ts does), or their
 * auto-instrumentation misses them; driftwatch's own spans work either way.
 */
export function startTracing(options: TracingOptions = {}): boolean {
  if (started) return true;
  const env = options.env ?? process.env;
  const spanProcessors =
    options.spanProcessors ??
    (traceExportConfigured(env)
      ? [new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })]
      : []);
  if (spanProcessors.length === 0) return false;

  const sdk = new NodeSDK({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: 'driftwatch',
      [ATTR_SERVICE_VERSION]: packageVersion(),
    }),
    spanProcessors,
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request: IncomingMessage) =>
          UNTRACED_PATHS.has((request.url ?? '').split('?')[0] ?? ''),
        redactedQueryParamsServer: REDACTED_QUERY_PARAMS,
      }),
      new ExpressInstrumentation(),
      // Only queries inside a traced operation: the scheduler's lease polls
      // and partition upkeep would otherwise each be a root trace. Parameter
      // values (feature values) are never recorded.
      new PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false }),
    ],
  });
  sdk.start();
  started = true;
  setTracingShutdown(async () => {
    started = false;
    await sdk.shutdown();
  });
  return true;
}
