/** The express application: routes, auth and the single error handler. */
import express, { type Express } from 'express';
import { NotFoundError } from '../core/errors.js';
import { Authenticator } from './auth.js';
import { errorHandler } from './errorMapping.js';
import { healthRoutes } from './routes/health.js';
import { ingestRoutes } from './routes/ingest.js';
import { intakeRoutes } from './routes/intake.js';
import { modelRoutes } from './routes/models.js';
import { runRoutes } from './routes/runs.js';
import { summaryRoutes } from './routes/summaries.js';
import { uiRoutes } from './routes/ui.js';
import { webhookRoutes } from './routes/webhooks.js';
import type { HttpServices } from './services.js';
import { rejectUnstorableUrlText } from './urlText.js';

export function createApp(services: HttpServices): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const auth = new Authenticator(services.config);
  app.use(rejectUnstorableUrlText());
  app.use(healthRoutes(services));
  app.use(modelRoutes(services, auth));
  app.use(ingestRoutes(services, auth));
  app.use(intakeRoutes(services, auth));
  app.use(runRoutes(services, auth));
  app.use(summaryRoutes(services, auth));
  app.use(webhookRoutes(services, auth));
  app.use(uiRoutes(services, auth));
  app.use((req, _res, next) => {
    next(new NotFoundError(`no route for ${req.method} ${req.path}`));
  });
  app.use(errorHandler(services.logger));
  return app;
}
