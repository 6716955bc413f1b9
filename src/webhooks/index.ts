/** The webhooks room: outbox writer, dispatcher, signatures, Alertmanager intake. */
export { WebhookOutbox, type AlertmanagerResult, type WebhookOutboxDeps } from './outbox.js';
export { WebhookDispatcher, type DeliveryOutcome, type DispatcherDeps } from './dispatcher.js';
export { SIGNATURE_HEADER, TIMESTAMP_HEADER, signPayload, signatureMatches } from './signature.js';
export { retryDelayMs, type BackoffSettings } from './backoff.js';
export {
  dedupKey,
  eventPayload,
  eventTypesForRun,
  isDatasetDriftRun,
  type WebhookEvent,
} from './events.js';
export {
  ALERT_EVENTS,
  alertEvent,
  alertmanagerNotificationSchema,
  type AlertmanagerNotification,
} from './alertmanager.js';
