import { Router } from 'express';
import type { HttpServices } from '../services.js';
import { buildOpenApiDocument } from '../openapi.js';

export function healthRoutes(services: HttpServices): Router {
  const router = Router();
  // Liveness: the process answers. It never touches the database, so a
  // database outage does not get the pod restarted.
  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/ready', async (_req, res) => {
    try {
      await services.readiness();
      res.json({ status: 'ready' });
    } catch (error) {
      res.status(503).json({ status: 'not_ready', reason: (error as Error).message });
    }
  });
  router.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', services.metrics.registry.contentType);
    res.send(await services.metrics.registry.metrics());
  });
  const openapi = buildOpenApiDocument();
  router.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  return router;
}
