/**
 * The deployment files: docker-compose.yml (validated by docker-compose
 * itself, then its wiring: Prometheus loads alerts/, Grafana loads
 * dashboards/), the Prometheus and Grafana provisioning it mounts, the
 * Dockerfile, and the Kubernetes sidecar manifest.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';

const run = promisify(execFile);

interface ComposeService {
  build?: string | { context: string };
  image?: string;
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, unknown> | string[];
}

interface Compose {
  name?: string;
  services: Record<string, ComposeService>;
}

function readYaml<T>(file: string): T {
  return parseYaml(readFileSync(file, 'utf8')) as T;
}

const compose = readYaml<Compose>('docker-compose.yml');

/** The host side of the service's bind mount whose container path is `target`. */
function mountSource(service: ComposeService, target: string): string | undefined {
  for (const volume of service.volumes ?? []) {
    const [source, containerPath] = volume.split(':');
    if (containerPath === target) return source;
  }
  return undefined;
}

describe('docker-compose.yml', () => {
  it('is accepted by docker-compose config', async () => {
    try {
      await run('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q'], {
        timeout: 30_000,
      });
    } catch (error) {
      const failure = error as NodeJS.ErrnoException & { stderr?: string };
      if (failure.code === 'ENOENT') {
        throw new Error(
          'docker-compose is not installed: apt-get install -y --no-install-recommends docker-compose',
        );
      }
      throw new Error(`docker-compose config rejected docker-compose.yml: ${failure.stderr}`);
    }
  });

  it('runs driftwatch, its database and the monitoring stack, with no top-level name', () => {
    expect(compose.name).toBeUndefined();
    expect(Object.keys(compose.services).sort()).toEqual(
      ['alertmanager', 'driftwatch', 'grafana', 'jaeger', 'postgres', 'prometheus'].sort(),
    );
  });

  it('builds driftwatch from this folder, with its database, tokens and trace endpoint from the environment', () => {
    const driftwatch = compose.services.driftwatch!;
    expect(driftwatch.build).toBe('.');
    const env = driftwatch.environment!;
    expect(env.DATABASE_URL).toMatch(/^postgres:\/\/.*@postgres:5432\//);
    expect(env.DRIFTWATCH_INGEST_TOKENS).toMatch(/^\$\{DRIFTWATCH_INGEST_TOKENS:-.{16,}\}$/);
    expect(env.DRIFTWATCH_ADMIN_TOKENS).toMatch(/^\$\{DRIFTWATCH_ADMIN_TOKENS:-.{16,}\}$/);
    expect(env.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://jaeger:4318');
    expect(driftwatch.healthcheck?.test.join(' ')).toMatch(/\/ready/);
    expect(driftwatch.ports).toContain('8080:8080');
  });

  it('has Prometheus scrape driftwatch, load the rules mounted from alerts/ and page Alertmanager', () => {
    const prometheus = compose.services.prometheus!;
    expect(mountSource(prometheus, '/etc/prometheus/rules')).toBe('./alerts');
    const configFile = mountSource(prometheus, '/etc/prometheus/prometheus.yml');
    expect(configFile).toBe('./deploy/prometheus/prometheus.yml');

    const config = readYaml<{
      rule_files: string[];
      alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    }>(configFile!);
    const job = config.scrape_configs.find((c) => c.job_name === 'driftwatch');
    expect(job?.static_configs[0]?.targets).toEqual(['driftwatch:8080']);
    expect(config.rule_files).toContain('/etc/prometheus/rules/driftwatch.rules.yml');
    expect(existsSync('alerts/driftwatch.rules.yml')).toBe(true);
    expect(config.alerting.alertmanagers[0]?.static_configs[0]?.targets).toEqual([
      'alertmanager:9093',
    ]);
    expect(mountSource(compose.services.alertmanager!, '/etc/alertmanager/alertmanager.yml')).toBe(
      './alerts/alertmanager.example.yml',
    );
  });

  it('has Grafana provisioned with the Prometheus datasource and the dashboards mounted from dashboards/', () => {
    const grafana = compose.services.grafana!;
    expect(mountSource(grafana, '/etc/grafana/provisioning')).toBe('./deploy/grafana/provisioning');

    const datasources = readYaml<{ datasources: { type: string; url: string }[] }>(
      'deploy/grafana/provisioning/datasources/prometheus.yml',
    );
    expect(datasources.datasources).toContainEqual(
      expect.objectContaining({ type: 'prometheus', url: 'http://prometheus:9090' }),
    );

    const dashboards = readYaml<{ providers: { type: string; options: { path: string } }[] }>(
      'deploy/grafana/provisioning/dashboards/driftwatch.yml',
    );
    const provider = dashboards.providers[0]!;
    expect(provider.type).toBe('file');
    // The provider reads the folder into which compose mounts ./dashboards.
    expect(mountSource(grafana, provider.options.path)).toBe('./dashboards');
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync('Dockerfile', 'utf8');

  it('builds on node 20 slim and runs the service as a non-root user with a health check', () => {
    expect(dockerfile.match(/^FROM node:20-bookworm-slim/gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/ONNXRUNTIME_NODE_INSTALL=skip/);
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^EXPOSE 8080$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK [\s\S]*\/health/m);
    expect(dockerfile).toMatch(
      /^CMD \["node", "bin\/driftwatch\.js", "serve", "--host", "0\.0\.0\.0"\]$/m,
    );
  });
});

interface Container {
  name: string;
  image?: string;
  env?: { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  volumeMounts?: { name: string; mountPath: string }[];
  livenessProbe?: { httpGet?: { path: string } };
  readinessProbe?: { httpGet?: { path: string } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}

interface Manifest {
  kind: string;
  metadata: { name: string };
  spec: Record<string, unknown>;
}

describe('deploy/k8s/driftwatch-sidecar.yaml', () => {
  const documents = parseAllDocuments(readFileSync('deploy/k8s/driftwatch-sidecar.yaml', 'utf8'));
  const manifests = documents.map((document) => {
    expect(document.errors).toEqual([]);
    return document.toJS() as Manifest;
  });
  const deployment = manifests.find((m) => m.kind === 'Deployment')!;
  const template = deployment.spec.template as {
    metadata: { annotations?: Record<string, string> };
    spec: { containers: Container[]; volumes: { name: string; emptyDir?: object }[] };
  };
  const containers = template.spec.containers;
  const serving = containers.find((c) => c.name !== 'driftwatch')!;
  const sidecar = containers.find((c) => c.name === 'driftwatch')!;

  it('runs the serving container with driftwatch beside it', () => {
    expect(containers).toHaveLength(2);
    expect(serving.image).toBe('your-registry/ml-model:latest');
    expect(sidecar).toBeDefined();
  });

  it('probes liveness on /health and readiness on /ready, with resources set', () => {
    expect(sidecar.livenessProbe?.httpGet?.path).toBe('/health');
    expect(sidecar.readinessProbe?.httpGet?.path).toBe('/ready');
    expect(sidecar.resources?.requests).toBeDefined();
    expect(sidecar.resources?.limits?.memory).toBeDefined();
  });

  it('takes the database URL and the tokens from a Secret', () => {
    for (const name of ['DATABASE_URL', 'DRIFTWATCH_INGEST_TOKENS', 'DRIFTWATCH_ADMIN_TOKENS']) {
      const variable = sidecar.env?.find((e) => e.name === name);
      expect(variable?.valueFrom?.secretKeyRef, name).toBeDefined();
    }
  });

  it('shares an emptyDir mounted at /var/log/predictions by both containers', () => {
    const volume = template.spec.volumes.find((v) => v.emptyDir !== undefined)!;
    expect(volume).toBeDefined();
    for (const container of [serving, sidecar]) {
      expect(container.volumeMounts, container.name).toContainEqual(
        expect.objectContaining({ name: volume.name, mountPath: '/var/log/predictions' }),
      );
    }
  });

  it('exposes driftwatch through a Service that Prometheus scrapes', () => {
    const service = manifests.find((m) => m.kind === 'Service')!;
    const ports = service.spec.ports as { name: string; port: number }[];
    const metricsPort = ports.find((p) => p.port === 8080)!;
    expect(metricsPort).toBeDefined();
    const monitor = manifests.find((m) => m.kind === 'ServiceMonitor')!;
    const endpoints = monitor.spec.endpoints as { port: string; path: string }[];
    expect(endpoints).toContainEqual(
      expect.objectContaining({ port: metricsPort.name, path: '/metrics' }),
    );
    expect(template.metadata.annotations?.['prometheus.io/scrape']).toBe('true');
  });
});
