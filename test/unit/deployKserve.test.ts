/**
 * deploy/k8s/kserve-logger.yaml: the InferenceService logs to driftwatch's
 * KServe intake through the central Service, and the driftwatch
 * configuration it ships is valid and binds that InferenceService.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { configSchema } from '../../src/config/schema.js';

interface Manifest {
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}

function manifests(file: string): Manifest[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).map((document) => {
    expect(document.errors, file).toEqual([]);
    return document.toJS() as Manifest;
  });
}

describe('deploy/k8s/kserve-logger.yaml', () => {
  const documents = manifests('deploy/k8s/kserve-logger.yaml');
  const isvc = documents.find((m) => m.kind === 'InferenceService')!;
  const configMap = documents.find((m) => m.kind === 'ConfigMap')!;
  const service = manifests('deploy/k8s/driftwatch.yaml').find((m) => m.kind === 'Service')!;

  it('logs requests and responses to the intake of the driftwatch Service', () => {
    const logger = (isvc.spec!.predictor as { logger: { mode: string; url: string } }).logger;
    expect(logger.mode).toBe('all');
    const url = new URL(logger.url);
    const port = (service.spec!.ports as { port: number }[])[0]!.port;
    expect(url.hostname.split('.')[0]).toBe(service.metadata.name);
    expect(Number(url.port)).toBe(port);
    expect(url.pathname).toBe('/v1/intake/kserve');
    expect(url.searchParams.has('access_token')).toBe(true);
  });

  it('ships a valid driftwatch configuration that binds the InferenceService', () => {
    const config = configSchema.parse(parseYaml(configMap.data!['driftwatch.yaml']!));
    expect(config.intake.kserve).toContainEqual(
      expect.objectContaining({
        inferenceService: isvc.metadata.name,
        namespace: isvc.metadata.namespace,
      }),
    );
  });
});
