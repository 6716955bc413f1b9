/**
 * The tracer of driftwatch's own spans and small helpers around it. Imports
 * only `@opentelemetry/api`: without a started SDK (tracing off, or a command
 * other than `serve`) every span is a no-op that costs next to nothing.
 */
import {
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  isSpanContextValid,
  trace,
  type Attributes,
  type Link,
  type Span,
  type SpanContext,
  type SpanOptions,
} from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_URL_FULL,
  ATTR_WEBHOOK_ATTEMPT,
  ATTR_WEBHOOK_EVENT,
  ATTR_WEBHOOK_ID,
  SPAN_WEBHOOK_DELIVERY,
  TRACER_NAME,
} from './attributes.js';

export type { Attributes, Link, Span, SpanContext };

/** driftwatch's tracer; delegates to whichever provider is registered when a span starts. */
export const tracer = trace.getTracer(TRACER_NAME);

/**
 * Marks the span failed: the exception as an event, `error.type` (the
 * AppError code when there is one, else the error's class name) and status
 * ERROR with the message.
 */
export function recordError(span: Span, error: unknown): void {
  const exception = error instanceof Error ? error : new Error(String(error));
  const code = (error as { code?: unknown } | null)?.code;
  span.recordException(exception);
  span.setAttribute(ATTR_ERROR_TYPE, typeof code === 'string' ? code : exception.name);
  span.setStatus({ code: SpanStatusCode.ERROR, message: exception.message });
}

/**
 * Runs `fn` in a new active span (a child of the current one), ends it when
 * `fn` settles, and records a thrown error on it before rethrowing. Status is
 * left UNSET on success, as the specification recommends.
 */
export async function withSpan<T>(
  name: string,
  attributes: Attributes,
  fn: (span: Span) => Promise<T> | T,
  options: SpanOptions = {},
): Promise<T> {
  return tracer.startActiveSpan(
    name,
    { ...options, attributes: { ...options.attributes, ...attributes } },
    async (span) => {
      try {
        return await fn(span);
      } catch (error) {
        recordError(span, error);
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/**
 * The span context of a W3C `traceparent` (version 00, or a later version
 * read as 00 as the Trace Context spec requires), or null when the value is
 * malformed, of version ff, or all-zero.
 *
 * @example spanContextFromTraceparent('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')
 *   // → { traceId: '0af7…319c', spanId: 'b7ad…3331', traceFlags: 1, isRemote: true }
 */
export function spanContextFromTraceparent(value: string | undefined): SpanContext | null {
  if (value === undefined) return null;
  const match = TRACEPARENT.exec(value.trim());
  if (!match) return null;
  const [, version, traceId = '', spanId = '', flags = '00', rest] = match;
  if (version === 'ff' || (version === '00' && rest !== undefined)) return null;
  const context: SpanContext = {
    traceId,
    spanId,
    traceFlags: parseInt(flags, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  };
  return isSpanContextValid(context) ? context : null;
}

/** Flushes and stops the SDK that `startTracing` started; set by tracing.ts. */
let shutdownHook: (() => Promise<void>) | null = null;

/** Called by tracing.ts when it starts the SDK. */
export function setTracingShutdown(hook: (() => Promise<void>) | null): void {
  shutdownHook = hook;
}

/** The longest `shutdownTracing` waits for the last export, in milliseconds. */
export const TRACING_SHUTDOWN_TIMEOUT_MS = 5_000;

/**
 * Flushes the spans not yet exported and stops the SDK; a no-op when tracing
 * is off. Waits at most TRACING_SHUTDOWN_TIMEOUT_MS and never throws, so it
 * can be the last step of an ordered shutdown.
 */
export async function shutdownTracing(): Promise<void> {
  const hook = shutdownHook;
  shutdownHook = null;
  if (!hook) return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, TRACING_SHUTDOWN_TIMEOUT_MS);
    timer.unref();
  });
  await Promise.race([hook().catch(() => undefined), timeout]);
  clearTimeout(timer);
}

export interface WebhookDelivery {
  /** Subscription or endpoint id. */
  webhookId: string;
  /** Event type delivered, e.g. `drift.detected`. */
  event: string;
  /** Target URL (without credentials: pass what may appear in a trace). */
  url: string;
  /** Delivery attempt, from 1. */
  attempt: number;
  method?: string;
}

/**
 * Runs one webhook delivery in a CLIENT span `driftwatch.webhook.delivery`
 * (HTTP client semantic conventions plus `driftwatch.webhook.*`). `fn`
 * returns the HTTP status it got; a status of 400 or more marks the span
 * failed with `error.type` set to the status, a thrown error is recorded.
 * Inject the span's context into the outgoing headers
 * (`propagation.inject(context.active(), headers)`) inside `fn` so that the
 * receiver's trace joins this one.
 */
export function webhookDeliverySpan(
  delivery: WebhookDelivery,
  fn: (span: Span) => Promise<number>,
): Promise<number> {
  const method = delivery.method ?? 'POST';
  return withSpan(
    SPAN_WEBHOOK_DELIVERY,
    {
      [ATTR_WEBHOOK_ID]: delivery.webhookId,
      [ATTR_WEBHOOK_EVENT]: delivery.event,
      [ATTR_WEBHOOK_ATTEMPT]: delivery.attempt,
      [ATTR_HTTP_REQUEST_METHOD]: method,
      [ATTR_URL_FULL]: delivery.url,
    },
    async (span) => {
      const status = await fn(span);
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
      if (status >= 400) {
        span.setAttribute(ATTR_ERROR_TYPE, String(status));
        span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${status}` });
      }
      return status;
    },
    { kind: SpanKind.CLIENT },
  );
}
