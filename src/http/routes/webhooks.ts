/** Webhook deliveries (the outbox) and Alertmanager's webhook intake. */
import express, { Router } from 'express';
import { z } from 'zod';
import { ValidationError } from '../../core/errors.js';
import { issueProblems } from '../../core/schemaIssues.js';
import type { OutboxRow } from '../../storage/outboxStore.js';
import { alertmanagerNotificationSchema } from '../../webhooks/alertmanager.js';
import type { Authenticator } from '../auth.js';
import type { HttpServices } from '../services.js';

export const listDeliveriesQuerySchema = z.strictObject({
  status: z.enum(['pending', 'delivered', 'dead']).optional(),
  target: z.string().min(1).optional(),
  model: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: z.coerce.number().int().min(1).optional(),
});

export function deliveryView(row: OutboxRow): Record<string, unknown> {
  return {
    id: row.id,
    event_id: row.eventId,
    event: row.event,
    target: row.target,
    dedup_key: row.dedupKey,
    model: row.model,
    model_version: row.version,
    run_id: row.runId,
    source: row.source,
    status: row.status,
    attempts: row.attempts,
    next_attempt_at: row.status === 'pending' ? row.nextAttemptAt.toISOString() : null,
    last_status: row.lastStatus,
    last_error: row.lastError,
    created_at: row.createdAt.toISOString(),
    delivered_at: row.deliveredAt?.toISOString() ?? null,
    links: row.runId === null ? {} : { run: `/v1/runs/${row.runId}` },
  };
}

export function webhookRoutes(services: HttpServices, auth: Authenticator): Router {
  const router = Router();
  const { webhooks } = services;

  router.get('/v1/webhooks/deliveries', auth.require('admin'), async (req, res) => {
    const parsed = listDeliveriesQuerySchema.safeParse(req.query);
    if (!parsed.success)
      throw new ValidationError('invalid query', { problems: issueProblems(parsed.error.issues) });
    const rows = await webhooks.store.list({
      status: parsed.data.status,
      target: parsed.data.target,
      model: parsed.data.model,
      limit: parsed.data.limit,
      beforeId: parsed.data.before,
    });
    const last = rows.at(-1);
    res.json({
      deliveries: rows.map(deliveryView),
      next_before: rows.length === parsed.data.limit && last ? last.id : null,
    });
  });

  router.post(
    '/v1/alertmanager',
    auth.require('admin'),
    express.json({ limit: '5mb' }),
    async (req, res) => {
      const parsed = alertmanagerNotificationSchema.safeParse(req.body);
      if (!parsed.success) {
        throw new ValidationError('not an Alertmanager webhook payload', {
          problems: issueProblems(parsed.error.issues),
        });
      }
      const result = await webhooks.outbox.fromAlertmanager(parsed.data);
      res.json(result);
    },
  );

  return router;
}
