/**
 * Loaded before the application (`node --import driftwatch/dist/telemetry/preload.js`,
 * or by bin/driftwatch.js ahead of the CLI for `serve`): when the `OTEL_*`
 * variables ask for traces, registers the ESM loader hook that lets the
 * Express and pg instrumentations patch modules loaded by `import`, then
 * starts the SDK. With tracing off it loads nothing of the SDK.
 *
 * Only the modules the instrumentations name are wrapped by the hook
 * (import-in-the-middle's message channel), not the whole module graph.
 * Flushing at exit is the caller's: `shutdownTracing()` from tracer.ts.
 */
import { register } from 'node:module';
import { traceExportConfigured } from './tracingEnv.js';

if (traceExportConfigured(process.env)) {
  const { createAddHookMessageChannel } = await import('import-in-the-middle');
  // The SDK is imported before the hook is registered: it is not to be wrapped.
  const { startTracing } = await import('./tracing.js');
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);
  startTracing();
  await waitForAllMessagesAcknowledged();
}
