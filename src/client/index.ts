/**
 * driftwatch/client: what a serving pod imports to ship its predictions.
 * Node builtins only; nothing of the service is loaded.
 */
export {
  createLogShipper,
  backoffDelayMs,
  type LogShipper,
  type LogShipperStats,
  type FlushOptions,
  type CloseOptions,
} from './logShipper.js';
export { type PredictionLogRecord } from './predictionRecord.js';
export { parseRetryAfterMs } from './ingestResponse.js';
export { type LogShipperLogger, type LogShipperOptions } from './shipperOptions.js';
