/**
 * The OpenAPI 3 document, generated from the zod schemas that validate the
 * requests (zod's own JSON Schema export, OpenAPI 3.0 dialect). Committed as
 * docs/openapi.json; a test fails when the committed copy is stale.
 */
import { z } from 'zod';
import {
  ingestResponseSchema,
  kserveIntakeResponseSchema,
  labelRecordSchema,
  predictionRecordSchema,
  rejectionSchema,
} from '../ingest/recordSchema.js';
import { modelVersionDefinitionSchema } from '../registry/schema.js';
import { listRunsQuerySchema, runCheckQuerySchema } from './routes/runs.js';
import { listDeliveriesQuerySchema } from './routes/webhooks.js';
import { summariesQuerySchema } from './routes/summaries.js';
import { runViewSchema } from './runView.js';
import { alertmanagerNotificationSchema } from '../webhooks/alertmanager.js';

type Schema = Record<string, unknown>;

function schemaOf(schema: z.ZodType, io: 'input' | 'output' = 'input'): Schema {
  const json = z.toJSONSchema(schema, {
    target: 'openapi-3.0',
    io,
    unrepresentable: 'any',
  }) as Schema;
  delete json.$schema;
  delete json.id;
  return json;
}

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

const errorSchema: Schema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' } },
    },
  },
};

function errorResponse(description: string): Schema {
  return { description, content: { 'application/json': { schema: ref('Error') } } };
}

/** An HTML response of the web UI. */
function htmlResponse(description: string): Record<string, unknown> {
  return { description, content: { 'text/html': { schema: { type: 'string' } } } };
}

/** A page of the web UI: HTML, for a bearer token or the session cookie. */
function uiPage(summary: string): Record<string, unknown> {
  return {
    get: {
      summary,
      security: [{ bearer: [] }, { session: [] }],
      description:
        'Open when no token is configured (loopback only). Otherwise a bearer token or the session cookie; without either, a redirect to /login.',
      responses: {
        200: htmlResponse('The page'),
        303: { description: 'No valid session: to /login?next=…' },
        404: htmlResponse('No such model version or run'),
      },
    },
  };
}

const auth401 = errorResponse('No valid bearer token');
const auth403 = errorResponse('The token lacks the required scope');
const unavailable = errorResponse('The database is unavailable; retry after Retry-After seconds');

const numericSummarySchema: Schema = {
  type: 'object',
  required: [
    'count',
    'missing',
    'min',
    'max',
    'sum',
    'sum_squares',
    'mean',
    'variance',
    'quantiles',
    'rank_error_bound',
  ],
  properties: {
    count: { type: 'integer', description: 'Non-missing values' },
    missing: { type: 'integer' },
    min: { type: 'number', nullable: true },
    max: { type: 'number', nullable: true },
    sum: { type: 'number' },
    sum_squares: { type: 'number' },
    mean: { type: 'number', nullable: true },
    variance: { type: 'number', nullable: true, description: 'Sample variance (n − 1)' },
    quantiles: {
      type: 'object',
      nullable: true,
      description: 'p01, p05, p10, p25, p50, p75, p90, p95, p99 from the KLL sketch',
      additionalProperties: { type: 'number' },
    },
    rank_error_bound: {
      type: 'number',
      description:
        'With probability ≥ 0.99 the rank of every quantile is within this of its q (0: exact)',
    },
  },
};

const minuteSummaryWindowSchema: Schema = {
  type: 'object',
  required: [
    'model',
    'version',
    'window',
    'partials',
    'minutes',
    'rows',
    'score',
    'numeric',
    'categorical',
  ],
  properties: {
    model: { type: 'string' },
    version: { type: 'string' },
    window: {
      type: 'object',
      required: ['from', 'to'],
      description: 'Whole UTC minutes [from, to); to is the end of the current minute',
      properties: {
        from: { type: 'string', format: 'date-time' },
        to: { type: 'string', format: 'date-time' },
      },
    },
    partials: {
      type: 'integer',
      description: 'Stored partial summaries merged (one per batch and minute)',
    },
    minutes: {
      type: 'array',
      items: {
        type: 'object',
        required: ['minute', 'rows'],
        properties: { minute: { type: 'string', format: 'date-time' }, rows: { type: 'integer' } },
      },
    },
    rows: { type: 'integer', description: 'Distinct stored records in the window' },
    score: { ...numericSummarySchema, nullable: true },
    numeric: { type: 'object', additionalProperties: numericSummarySchema },
    categorical: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        required: ['count', 'missing', 'counts'],
        properties: {
          count: { type: 'integer' },
          missing: { type: 'integer' },
          counts: {
            type: 'object',
            description:
              'Category → count; `__other__` holds the values past 1,000 distinct categories',
            additionalProperties: { type: 'integer' },
          },
        },
      },
    },
  },
};

const versionPath = [
  { name: 'model', in: 'path', required: true, schema: { type: 'string' } },
  { name: 'version', in: 'path', required: true, schema: { type: 'string' } },
];

/** Query parameters of an operation, from the zod schema that validates them. */
function queryParameters(schema: z.ZodObject): Schema[] {
  const json = schemaOf(schema);
  const properties = (json.properties ?? {}) as Record<string, Schema>;
  const required = new Set((json.required as string[] | undefined) ?? []);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: 'query',
    required: required.has(name),
    schema: property,
  }));
}

export function buildOpenApiDocument(): Schema {
  const labelBatch = { type: 'array', items: ref('LabelRecord') };
  const runList = (description: string, withCursor: boolean): Schema => ({
    description,
    content: {
      'application/json': {
        schema: {
          type: 'object',
          required: withCursor ? ['runs', 'next_before'] : ['runs'],
          properties: {
            runs: { type: 'array', items: ref('RunView') },
            ...(withCursor ? { next_before: { type: 'integer', nullable: true } } : {}),
          },
        },
      },
    },
  });
  return {
    openapi: '3.0.3',
    info: {
      title: 'driftwatch',
      version: '1',
      description:
        'ML observability sidecar: prediction-log ingestion, reference data, drift and parity checks.',
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        session: {
          type: 'apiKey',
          in: 'cookie',
          name: 'driftwatch_session',
          description: 'Web UI session, set by POST /login',
        },
      },
      schemas: {
        MinuteSummaryWindow: minuteSummaryWindowSchema,
        PredictionRecord: schemaOf(predictionRecordSchema),
        LabelRecord: schemaOf(labelRecordSchema),
        Rejection: schemaOf(rejectionSchema, 'output'),
        IngestResponse: schemaOf(ingestResponseSchema, 'output'),
        KServeIntakeResponse: schemaOf(kserveIntakeResponseSchema, 'output'),
        ModelVersionDefinition: schemaOf(modelVersionDefinitionSchema),
        RunView: schemaOf(runViewSchema, 'output'),
        Error: errorSchema,
      },
    },
    security: [{ bearer: [] }],
    paths: {
      '/health': {
        get: {
          summary: 'Liveness (no database access)',
          security: [],
          responses: { 200: { description: 'Alive' } },
        },
      },
      '/ready': {
        get: {
          summary: 'Readiness: database reachable and migrated',
          security: [],
          responses: {
            200: { description: 'Ready' },
            503: { description: 'Not ready, with the reason' },
          },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics',
          security: [],
          responses: { 200: { description: 'Text exposition format' } },
        },
      },
      '/openapi.json': {
        get: {
          summary: 'This document',
          security: [],
          responses: { 200: { description: 'OpenAPI 3 document' } },
        },
      },
      // The web UI (docs/ui.md): HTML pages, not JSON. Pages take a bearer
      // token or the session cookie that POST /login sets.
      '/': uiPage('Web UI: every model version and the latest run of each check kind'),
      '/models/{model}/versions/{version}': uiPage(
        "Web UI: a version's run history (drift share, parity mismatch ratio, performance metrics)",
      ),
      '/runs/{id}': uiPage(
        'Web UI: one run (per-feature table and distributions, parity worst rows, metrics)',
      ),
      '/login': {
        get: {
          summary: 'Web UI: the sign-in form (when tokens are configured)',
          security: [],
          responses: {
            200: htmlResponse('The form'),
            303: { description: 'Open service: on to the page' },
          },
        },
        post: {
          summary: 'Web UI: sign in with a token; sets an HttpOnly, SameSite=Strict session cookie',
          security: [],
          requestBody: {
            required: true,
            content: {
              'application/x-www-form-urlencoded': {
                schema: {
                  type: 'object',
                  properties: { token: { type: 'string' }, next: { type: 'string' } },
                  required: ['token'],
                },
              },
            },
          },
          responses: {
            303: { description: 'Signed in: on to `next` (a path of this site)' },
            401: htmlResponse('The form again, saying the token is not valid'),
          },
        },
      },
      '/logout': {
        post: {
          summary: 'Web UI: sign out (clears the session cookie)',
          security: [],
          responses: { 303: { description: 'On to the sign-in form' } },
        },
      },
      '/ui/style.css': {
        get: {
          summary: "Web UI: the pages' stylesheet",
          security: [],
          responses: { 200: { description: 'text/css' } },
        },
      },
      '/v1/predictions': {
        post: {
          summary: 'Ingest prediction records (scope: ingest)',
          description:
            'A JSON array of records or NDJSON (one record per line), optionally gzip-encoded. Valid records are stored even when others are rejected; a retried request_id counts as a duplicate. Send an Idempotency-Key per batch, reused by its retries: a repeat is answered from the stored batch (`replay`) and stores nothing — the only exact deduplication of records outside the raw sample (docs/api.md).',
          parameters: [
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: false,
              description:
                'Names this batch: 1–200 printable ASCII characters (else 400 bad_request). The same key with a different number of records is 409 conflict. Kept retention.batchKeysDays (default 7).',
              schema: { type: 'string', minLength: 1, maxLength: 200, pattern: '^[\\x20-\\x7e]+$' },
            },
          ],
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: { type: 'array', items: ref('PredictionRecord') } },
              'application/x-ndjson': { schema: ref('PredictionRecord') },
            },
          },
          responses: {
            200: {
              description: 'Stored; rejections listed by index',
              content: { 'application/json': { schema: ref('IngestResponse') } },
            },
            400: errorResponse(
              'Unparseable body, no valid record (rejections listed), or a bad Idempotency-Key',
            ),
            401: auth401,
            403: auth403,
            409: errorResponse('Idempotency-Key already used for a batch of another size'),
            413: errorResponse('Body (after decompression) over the limit'),
            415: errorResponse('Unsupported content type or encoding'),
            503: unavailable,
          },
        },
      },
      '/v1/intake/kserve': {
        post: {
          summary: 'Ingest KServe payload-logger CloudEvents (scope: ingest)',
          description:
            'CloudEvents as KServe\'s payload logger sends them: binary mode (Ce-* headers, the logged V1 or Open Inference Protocol V2 request or response as the body), structured mode (application/cloudevents+json) or a structured batch (application/cloudevents-batch+json). A request and its response are joined by Ce-Id, whichever comes first; each instance of the request becomes a prediction record (request_id <ce-id>/<row>) stored as by POST /v1/predictions. The ingest token may also come as the access_token query parameter (the logger is configured with a URL only). docs/serving-pods.md, "KServe".',
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: { type: 'object' } },
              'application/cloudevents+json': { schema: { type: 'object' } },
              'application/cloudevents-batch+json': {
                schema: { type: 'array', items: { type: 'object' } },
              },
            },
          },
          responses: {
            200: {
              description:
                'Received: halves waiting for their pair, pairs joined and their records stored; rejections listed by event index',
              content: { 'application/json': { schema: ref('KServeIntakeResponse') } },
            },
            400: errorResponse(
              'Unparseable body, or nothing of the events valid (rejections listed)',
            ),
            401: auth401,
            403: auth403,
            413: errorResponse('Body (after decompression) over the limit'),
            415: errorResponse('Unsupported content encoding'),
            503: unavailable,
          },
        },
      },
      '/v1/labels': {
        post: {
          summary: 'Ingest delayed labels (scope: ingest)',
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: labelBatch },
              'application/x-ndjson': { schema: ref('LabelRecord') },
            },
          },
          responses: {
            200: { description: 'Stored; rejections listed by index' },
            400: errorResponse('Unparseable body or no valid label'),
            401: auth401,
            403: auth403,
            415: errorResponse('Unsupported content type'),
            503: unavailable,
          },
        },
      },
      '/v1/models': {
        get: {
          summary: 'List models and versions',
          responses: { 200: { description: 'Models' }, 401: auth401 },
        },
      },
      '/v1/models/{model}/versions/{version}': {
        parameters: versionPath,
        put: {
          summary: 'Register or update a model version (scope: admin)',
          requestBody: {
            required: true,
            content: { 'application/json': { schema: ref('ModelVersionDefinition') } },
          },
          responses: {
            200: { description: 'Updated or unchanged' },
            201: { description: 'Created' },
            400: errorResponse('Invalid definition (every problem listed)'),
            401: auth401,
            403: auth403,
            409: errorResponse('The version has predictions; its schema cannot change'),
            415: errorResponse('Not JSON'),
          },
        },
        get: {
          summary: 'One model version',
          responses: { 200: { description: 'The version' }, 404: errorResponse('Not registered') },
        },
      },
      '/v1/models/{model}/versions/{version}/summaries': {
        get: {
          summary:
            'Minute summaries built at ingest, merged over a window: counts, moments, quantiles with their bound, category counts',
          parameters: [...versionPath, ...queryParameters(summariesQuerySchema)],
          responses: {
            200: {
              description: 'The merged window',
              content: { 'application/json': { schema: ref('MinuteSummaryWindow') } },
            },
            400: errorResponse('Invalid query'),
            401: auth401,
            404: errorResponse('Not registered'),
            503: unavailable,
          },
        },
      },
      '/v1/models/{model}/runs': {
        get: {
          summary: 'Check runs of a model, newest first (without results)',
          parameters: [
            { name: 'model', in: 'path', required: true, schema: { type: 'string' } },
            ...queryParameters(listRunsQuerySchema),
          ],
          responses: {
            200: runList(
              '`{runs, next_before}`; pass next_before as `before` for the next page',
              true,
            ),
            400: errorResponse('Invalid query'),
          },
        },
      },
      '/v1/runs/{id}': {
        get: {
          summary: 'One run with its per-feature results',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
          responses: {
            200: {
              description: 'The run',
              content: { 'application/json': { schema: ref('RunView') } },
            },
            404: errorResponse('No such run'),
          },
        },
      },
      '/v1/models/{model}/checks/{kind}/run': {
        post: {
          summary: 'Run a check now (scope: admin)',
          parameters: [
            { name: 'model', in: 'path', required: true, schema: { type: 'string' } },
            {
              name: 'kind',
              in: 'path',
              required: true,
              schema: { type: 'string', enum: ['drift', 'performance', 'parity', 'shadow'] },
            },
            ...queryParameters(runCheckQuerySchema),
          ],
          responses: {
            200: runList('`{runs}`: one run per checked version, with results', false),
            400: errorResponse('Invalid query or kind not runnable'),
            404: errorResponse('Unknown model, version or kind'),
            503: unavailable,
          },
        },
      },
      '/v1/webhooks/deliveries': {
        get: {
          summary:
            'Webhook deliveries in the outbox, newest first (scope: admin; docs/webhooks.md)',
          parameters: queryParameters(listDeliveriesQuerySchema),
          responses: {
            200: { description: '`{deliveries, next_before}`' },
            400: errorResponse('Invalid query'),
            503: unavailable,
          },
        },
      },
      '/v1/alertmanager': {
        post: {
          summary:
            "Alertmanager's webhook payload: firing driftwatch alerts become retraining events (scope: admin)",
          requestBody: {
            required: true,
            content: { 'application/json': { schema: schemaOf(alertmanagerNotificationSchema) } },
          },
          responses: {
            200: { description: '`{events, ignored}`: the events written, alerts ignored' },
            400: errorResponse('Not an Alertmanager webhook payload'),
            503: unavailable,
          },
        },
      },
      '/v1/models/{model}/versions/{version}/reference': {
        parameters: versionPath,
        put: {
          summary: 'Replace the reference data (scope: admin)',
          description:
            'CSV with a header row, or NDJSON. Columns are the schema features, plus optionally `score` (profiled for score drift) and, for a binary classifier, `label` (0/1 or true/false): the rows with both are the calibration set of the estimated performance (CBPE).',
          requestBody: {
            required: true,
            content: {
              'text/csv': { schema: { type: 'string' } },
              'application/x-ndjson': { schema: { type: 'object', additionalProperties: true } },
            },
          },
          responses: {
            200: { description: 'Imported; rejected rows listed by index' },
            400: errorResponse('Unparseable file, header mismatch, or no valid row'),
            404: errorResponse('Version not registered'),
            415: errorResponse('Unsupported content type'),
          },
        },
        get: {
          summary: 'Summary of the reference profile',
          responses: {
            200: {
              description:
                'Profile summary; `calibration` (rows, positives, expected_calibration_error, reliability bins) when the reference carried scores and labels, else null',
            },
            404: errorResponse('No reference'),
          },
        },
      },
    },
  };
}
