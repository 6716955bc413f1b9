import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/load.js';
import { createApp } from '../../src/http/app.js';
import { buildOpenApiDocument } from '../../src/http/openapi.js';
import { composeServices } from '../../src/main.js';
import { PartitionManager } from '../../src/storage/partitions.js';
import { createPool } from '../../src/storage/pool.js';
import { Metrics } from '../../src/telemetry/metrics.js';

interface RouteLayer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: RouteLayer[] };
}

/** `METHOD /path` of every route registered in the express app, paths in OpenAPI form. */
function servedOperations(): string[] {
  // The pool is never connected: building the app issues no query.
  const pool = createPool({ url: 'postgres://driftwatch@127.0.0.1:1/driftwatch', max: 1 });
  const config = loadConfig({ file: 'test/fixtures/driftwatch.test.yaml', env: {} });
  const app = createApp(
    composeServices({
      config,
      pool,
      logger: pino({ level: 'silent' }),
      metrics: new Metrics({ defaultMetrics: false }),
      partitions: new PartitionManager(pool),
      now: Date.now,
    }),
  );
  const operations: string[] = [];
  const walk = (layers: readonly RouteLayer[]): void => {
    for (const layer of layers) {
      if (layer.route) {
        const path = layer.route.path.replace(/:(\w+)/g, '{$1}');
        for (const method of Object.keys(layer.route.methods))
          operations.push(`${method.toUpperCase()} ${path}`);
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack);
      }
    }
  };
  walk((app as unknown as { router: { stack: RouteLayer[] } }).router.stack);
  void pool.end();
  return operations;
}

function documentedOperations(): string[] {
  const operations: string[] = [];
  for (const [path, item] of Object.entries(
    buildOpenApiDocument().paths as Record<string, Record<string, unknown>>,
  )) {
    for (const method of Object.keys(item)) {
      if (method !== 'parameters') operations.push(`${method.toUpperCase()} ${path}`);
    }
  }
  return operations;
}

const COMMITTED_FILE = new URL('../../docs/openapi.json', import.meta.url);

interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  $ref?: string;
  [key: string]: unknown;
}

interface Operation {
  security?: unknown[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, unknown>;
}

interface OpenApiDocument {
  openapi: string;
  components: { schemas: Record<string, JsonSchema> };
  security: unknown[];
  paths: Record<string, Record<string, unknown>>;
}

const document = buildOpenApiDocument() as unknown as OpenApiDocument;

function schema(name: string): JsonSchema {
  const found = document.components.schemas[name];
  if (!found) throw new Error(`no component schema ${name}`);
  return found;
}

function operation(path: string, method: string): Operation {
  const found = document.paths[path]?.[method] as Operation | undefined;
  if (!found) throw new Error(`no operation ${method.toUpperCase()} ${path}`);
  return found;
}

/** Every `$ref` string anywhere in `value`. */
function refsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refsIn);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) =>
    key === '$ref' && typeof inner === 'string' ? [inner] : refsIn(inner),
  );
}

describe('OpenAPI document', () => {
  it('is committed as docs/openapi.json, up to date', () => {
    const committed = readFileSync(COMMITTED_FILE, 'utf8');
    const generated = `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;
    expect(committed, 'docs/openapi.json is stale: run npm run openapi').toBe(generated);
  });

  it('is an OpenAPI 3.0 document whose references all resolve', () => {
    expect(document.openapi).toBe('3.0.3');
    const refs = refsIn(document);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(
        document.components.schemas[ref.slice('#/components/schemas/'.length)],
        ref,
      ).toBeDefined();
    }
  });

  it('describes the prediction record of wire format v1', () => {
    const record = schema('PredictionRecord');
    expect(record.type).toBe('object');
    expect(record.required).toEqual([
      'model',
      'model_version',
      'request_id',
      'timestamp',
      'features',
    ]);
    expect(Object.keys(record.properties ?? {}).sort()).toEqual(
      [
        'features',
        'label',
        'latency_ms',
        'model',
        'model_version',
        'prediction',
        'request_id',
        'score',
        'status',
        'timestamp',
        'traceparent',
        'tags',
      ].sort(),
    );
    // The API refuses unknown fields, so the document must too.
    expect(record.additionalProperties).toBe(false);
    // Text lengths are configurable (ingest.limits): documented, not fixed in the schema.
    expect(record.properties?.request_id).toMatchObject({
      type: 'string',
      minLength: 1,
      description: expect.stringContaining('ingest.limits.requestId'),
    });
    expect(record.properties?.latency_ms).toMatchObject({ type: 'number', minimum: 0 });
  });

  it('describes a label record', () => {
    const label = schema('LabelRecord');
    expect(label.required).toEqual(['model', 'request_id', 'label']);
    expect(Object.keys(label.properties ?? {}).sort()).toEqual(
      ['label', 'model', 'request_id', 'timestamp'].sort(),
    );
    expect(label.additionalProperties).toBe(false);
  });

  it('describes a model version definition', () => {
    const definition = schema('ModelVersionDefinition');
    expect(definition.required).toEqual(['task', 'features']);
    expect(definition.properties?.task?.enum).toEqual(['binary_classification', 'regression']);
    const feature = definition.properties?.features?.items;
    expect(feature?.required).toEqual(['name', 'type']);
    expect(feature?.properties?.type?.enum).toEqual(['numeric', 'categorical']);
    expect(definition.additionalProperties).toBe(false);
  });

  it('lists the content types the ingest endpoints accept', () => {
    for (const path of ['/v1/predictions', '/v1/labels']) {
      const content = operation(path, 'post').requestBody?.content ?? {};
      expect(Object.keys(content).sort(), path).toEqual([
        'application/json',
        'application/x-ndjson',
      ]);
      expect(content['application/json']?.schema.type, path).toBe('array');
    }
  });

  it('documents every route the app serves, with no token needed only for health, readiness, metrics and itself', () => {
    const served = servedOperations();
    expect(served).toContain('POST /v1/predictions');
    expect(documentedOperations().sort()).toEqual(served.sort());
    expect(document.security).toEqual([{ bearer: [] }]);
    for (const path of ['/health', '/ready', '/metrics', '/openapi.json']) {
      expect(operation(path, 'get').security, path).toEqual([]);
    }
    for (const [path, method] of [
      ['/v1/predictions', 'post'],
      ['/v1/labels', 'post'],
      ['/v1/models/{model}/versions/{version}', 'put'],
    ] as const) {
      const op = operation(path, method);
      expect(op.security, path).toBeUndefined();
      expect(Object.keys(op.responses), path).toEqual(expect.arrayContaining(['401', '403']));
    }
  });
});
