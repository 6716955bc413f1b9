/**
 * Whether the standard `OTEL_*` variables ask for trace export. Kept apart
 * from tracing.ts so that deciding costs no SDK import.
 */

/** Environment variables that name an OTLP endpoint for traces. */
export const OTLP_ENDPOINT_VARIABLES = [
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
] as const;

/**
 * True when an OTLP endpoint is set, the SDK is not disabled
 * (`OTEL_SDK_DISABLED=true`) and traces are not switched off
 * (`OTEL_TRACES_EXPORTER=none`). Tracing is off by default.
 */
export function traceExportConfigured(env: NodeJS.ProcessEnv): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase());
  if (exporters.includes('none')) return false;
  return OTLP_ENDPOINT_VARIABLES.some((name) => (env[name] ?? '').trim() !== '');
}
