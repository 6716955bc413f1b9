import { describe, expect, it } from 'vitest';
import { spanContextFromTraceparent } from '../../../src/telemetry/tracer.js';
import { traceExportConfigured } from '../../../src/telemetry/tracingEnv.js';

describe('spanContextFromTraceparent', () => {
  it('reads the trace id, span id and sampled flag as a remote context', () => {
    expect(
      spanContextFromTraceparent('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'),
    ).toEqual({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: 1,
      isRemote: true,
    });
  });

  it('refuses malformed, all-zero and version ff values', () => {
    for (const value of [
      undefined,
      'not-a-traceparent',
      '00-00000000000000000000000000000000-b7ad6b7169203331-01',
      '00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01',
      'ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra',
    ]) {
      expect(spanContextFromTraceparent(value), String(value)).toBeNull();
    }
  });

  it('reads a later version by its version-00 fields', () => {
    expect(
      spanContextFromTraceparent('01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00-extra')
        ?.traceFlags,
    ).toBe(0);
  });
});

describe('traceExportConfigured', () => {
  it('is off without an OTLP endpoint', () => {
    expect(traceExportConfigured({})).toBe(false);
  });

  it('is on with either endpoint variable, unless disabled', () => {
    expect(traceExportConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' })).toBe(true);
    expect(traceExportConfigured({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318' })).toBe(
      true,
    );
    expect(
      traceExportConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c', OTEL_SDK_DISABLED: 'true' }),
    ).toBe(false);
    expect(
      traceExportConfigured({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c',
        OTEL_TRACES_EXPORTER: 'none',
      }),
    ).toBe(false);
  });
});
