/** The events a retraining webhook can subscribe to (docs/webhooks.md). */
export const WEBHOOK_EVENT_TYPES = [
  'dataset_drift',
  'parity_broken',
  'score_drift',
  'check_failed',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
