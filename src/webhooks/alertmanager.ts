/**
 * Alertmanager's webhook payload (version 4) and which driftwatch alerts
 * (alerts/driftwatch.rules.yml) become retraining events.
 */
import { z } from 'zod';
import type { CheckKind } from '../core/run.js';
import type { WebhookEventType } from '../core/webhookEvent.js';

const alertSchema = z.looseObject({
  status: z.enum(['firing', 'resolved']),
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()).optional(),
  startsAt: z.string().optional(),
  endsAt: z.string().optional(),
  fingerprint: z.string().optional(),
});

export const alertmanagerNotificationSchema = z.looseObject({
  version: z.string().optional(),
  status: z.enum(['firing', 'resolved']).optional(),
  alerts: z.array(alertSchema).max(10_000),
});

export type AlertmanagerNotification = z.output<typeof alertmanagerNotificationSchema>;
export type AlertmanagerAlert = z.output<typeof alertSchema>;

/** Alert name → the event it raises and the kind of run it is about. */
export const ALERT_EVENTS: Readonly<Record<string, { type: WebhookEventType; kind: CheckKind }>> = {
  DriftwatchDatasetDrift: { type: 'dataset_drift', kind: 'drift' },
  DriftwatchScoreDistributionShift: { type: 'score_drift', kind: 'drift' },
  DriftwatchServingParityBroken: { type: 'parity_broken', kind: 'parity' },
};

/** The event of a firing driftwatch alert with model labels, else null. */
export function alertEvent(
  alert: AlertmanagerAlert,
): { type: WebhookEventType; kind: CheckKind; model: string; version: string } | null {
  if (alert.status !== 'firing') return null;
  const mapped = ALERT_EVENTS[alert.labels.alertname ?? ''];
  const model = alert.labels.model;
  const version = alert.labels.model_version;
  if (!mapped || !model || !version) return null;
  return { ...mapped, model, version };
}
