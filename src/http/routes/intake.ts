/**
 * POST /v1/intake/kserve: KServe's payload logger (and Seldon's request
 * logger) posting CloudEvents — binary mode (one event, `Ce-*` headers),
 * structured mode (`application/cloudevents+json`) or a structured batch
 * (`application/cloudevents-batch+json`). docs/serving-pods.md, "KServe".
 */
import { Router, type Request } from 'express';
import { AppError } from '../../core/errors.js';
import {
  parseBinaryEvent,
  parseStructuredBatch,
  parseStructuredEvent,
  type EventOutcome,
} from '../../ingest/kserve/cloudEvent.js';
import type { Authenticator } from '../auth.js';
import { mediaType, requestBody } from '../requestBody.js';
import type { HttpServices } from '../services.js';
import { countedRequest } from './ingest.js';

const STRUCTURED = 'application/cloudevents+json';
const BATCH = 'application/cloudevents-batch+json';

/** The whole body (bounded by `ingest.maxBodyBytes` after decompression): an event is joined whole. */
async function bodyOf(req: Request, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of requestBody(req, maxBytes)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function parsedJson(body: Buffer, what: string): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (error) {
    throw new AppError('body_unparseable', `the ${what} is not JSON: ${(error as Error).message}`);
  }
}

/** The events of a request, by content mode. */
export function eventsOf(req: Request, body: Buffer): EventOutcome[] {
  const type = mediaType(req);
  if (type === STRUCTURED) return [parseStructuredEvent(parsedJson(body, 'structured CloudEvent'))];
  if (type === BATCH) {
    const events = parseStructuredBatch(parsedJson(body, 'CloudEvents batch'));
    if (events === null) {
      throw new AppError('body_unparseable', 'a CloudEvents batch must be a JSON array of events');
    }
    return events;
  }
  // Binary mode: KServe sends the logged call's own Content-Type (often
  // application/json, sometimes none), so any other type is read as JSON data.
  return [parseBinaryEvent(req.headers, body)];
}

export function intakeRoutes(services: HttpServices, auth: Authenticator): Router {
  const router = Router();
  router.post(
    '/v1/intake/kserve',
    // KServe's logger is given a URL and nothing else: the token may ride in it.
    auth.require('ingest', { queryToken: true }),
    countedRequest(services.metrics, 'kserve', async (req, res) => {
      const body = await bodyOf(req, services.config.ingest.maxBodyBytes);
      const result = await services.kserve.receive(eventsOf(req, body), {
        traceparent: req.get('traceparent'),
      });
      res.json(result);
    }),
  );
  return router;
}
