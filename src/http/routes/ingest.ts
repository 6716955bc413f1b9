import { Router, type Request, type Response } from 'express';
import type { Authenticator } from '../auth.js';
import { statusOf, toAppError } from '../errorMapping.js';
import { recordSplitterFor, requestBody } from '../requestBody.js';
import type { HttpServices } from '../services.js';

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
      const splitter = recordSplitterFor(req);
      const result = await services.ingest.ingestStream(
        requestBody(req, services.config.ingest.maxBodyBytes),
        splitter,
        { traceparent: req.get('traceparent') },
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
