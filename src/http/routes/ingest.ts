import { Router, type Request, type Response } from 'express';
import type { Authenticator } from '../auth.js';
import { statusOf, toAppError } from '../errorMapping.js';
import { recordSplitterFor, requestBody } from '../requestBody.js';
import type { HttpServices } from '../services.js';
import { AppError } from '../../core/errors.js';

/** Longest `Idempotency-Key` accepted, in characters. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 200;

/**
 * The request's `Idempotency-Key`, validated before the body is read:
 * 1–200 printable ASCII characters (space to `~`), else 400 `bad_request`.
 */
function idempotencyKeyOf(req: Request): string | undefined {
  const key = req.get('idempotency-key');
  if (key === undefined) return undefined;
  if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH || !/^[\x20-\x7e]+$/.test(key)) {
    throw new AppError(
      'bad_request',
      `Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters (got ${key.length} characters${/^[\x20-\x7e]*$/.test(key) ? '' : ', some not printable ASCII'})`,
    );
  }
  return key;
}

/** Counts every ingest request by status, including refused ones, and times it. */
export function countedRequest(
  metrics: HttpServices['metrics'],
  endpoint: string,
  handler: (req: Request, res: Response) => Promise<void>,
) {
  return async (req: Request, res: Response): Promise<void> => {
    const end = metrics.ingestBatchSeconds.startTimer({ endpoint });
    try {
      await handler(req, res);
      metrics.ingestRequestsTotal.inc({ endpoint, code: String(res.statusCode) });
    } catch (error) {
      metrics.ingestRequestsTotal.inc({
        endpoint,
        code: String(statusOf(toAppError(error).code)),
      });
      throw error;
    } finally {
      end();
    }
  };
}

export function ingestRoutes(services: HttpServices, auth: Authenticator): Router {
  const router = Router();
  const { metrics } = services;

  const counted = (endpoint: string, handler: (req: Request, res: Response) => Promise<void>) =>
    countedRequest(metrics, endpoint, handler);

  router.post(
    '/v1/predictions',
    auth.require('ingest'),
    counted('predictions', async (req, res) => {
      const idempotencyKey = idempotencyKeyOf(req);
      const splitter = recordSplitterFor(req);
      const result = await services.ingest.ingestStream(
        requestBody(req, services.config.ingest.maxBodyBytes),
        splitter,
        { traceparent: req.get('traceparent'), idempotencyKey },
      );
      res.json(result);
    }),
  );

  router.post(
    '/v1/labels',
    auth.require('ingest'),
    counted('labels', async (req, res) => {
      const splitter = recordSplitterFor(req);
      const result = await services.labels.ingestStream(
        requestBody(req, services.config.ingest.maxBodyBytes),
        splitter,
      );
      res.json(result);
    }),
  );

  return router;
}
