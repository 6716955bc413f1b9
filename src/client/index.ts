/**
 * driftwatch/client: what a serving pod imports to ship its predictions.
 * Node builtins only; nothing of the service is loaded.
 */
export {
  createLogShipper,
  backoffDelayMs,
  parseRetryAfterMs,
  type LogShipper,
  type LogShipperLogger,
  type LogShipperOptions,
  type LogShipperStats,
  type FlushOptions,
  type CloseOptions,
} from './logShipper.js';
