/**
 * The deployment files: docker-compose.yml (validated by docker-compose
 * itself, then its wiring: three driftwatch replicas behind nginx,
 * Prometheus scrapes each replica and loads alerts/, Grafana loads
 * dashboards/), the nginx, Prometheus and Grafana configuration it mounts,
 * the Dockerfile, and the Kubernetes manifests (sidecar, central service).
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
  depends_on?: Record<string, { condition?: string }> | string[];
  expose?: string[];
  deploy?: { replicas?: number };
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

  it('runs driftwatch behind a load balancer, its database and the monitoring stack, with no top-level name', () => {
    expect(compose.name).toBeUndefined();
    expect(Object.keys(compose.services).sort()).toEqual(
      ['alertmanager', 'driftwatch', 'grafana', 'jaeger', 'nginx', 'postgres', 'prometheus'].sort(),
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
  });

  it('runs three driftwatch replicas that publish no host port, so that only nginx is reached', () => {
    const driftwatch = compose.services.driftwatch!;
    expect(driftwatch.deploy?.replicas).toBe(3);
    // A published host port would collide between replicas.
    expect(driftwatch.ports).toBeUndefined();
    expect(driftwatch.expose).toEqual(['8080']);
  });

  it('puts nginx in front of the replicas: port 8080, round robin over the re-resolved service name', () => {
    const nginx = compose.services.nginx!;
    // `resolve` on an upstream server needs nginx 1.27.3 or newer: the 1.28 stable line on.
    const [major, minor] = /^nginx:(\d+)\.(\d+)/
      .exec(nginx.image ?? '')!
      .slice(1)
      .map(Number);
    expect(major! * 1000 + minor!).toBeGreaterThanOrEqual(1_028);
    expect(nginx.ports).toEqual(['8080:8080']);
    expect(nginx.depends_on).toEqual({ driftwatch: { condition: 'service_healthy' } });
    const configFile = mountSource(nginx, '/etc/nginx/nginx.conf');
    expect(configFile).toBe('./deploy/compose/nginx.conf');

    const config = readFileSync(configFile!, 'utf8').replace(/#.*$/gm, '');
    const upstream = /upstream\s+(\S+)\s*\{([^}]*)\}/.exec(config)!;
    expect(upstream).not.toBeNull();
    const [, upstreamName, upstreamBody] = upstream;
    // The compose service name at the replicas' port, re-resolved through Docker's DNS.
    expect(upstreamBody).toMatch(/^\s*server\s+driftwatch:8080\s+resolve\s*;/m);
    expect(upstreamBody).toMatch(/^\s*zone\s+\S+\s+\d+k\s*;/m);
    expect(config).toMatch(/^\s*resolver\s+127\.0\.0\.11\b/m);
    expect(config).toMatch(/^\s*listen\s+8080\s*;/m);
    const passes = [...config.matchAll(/proxy_pass\s+([^;]+);/g)].map((m) => m[1]);
    expect(passes.length).toBeGreaterThan(0);
    expect(new Set(passes)).toEqual(new Set([`http://${upstreamName}`]));
    // driftwatch enforces its own body limits with JSON errors.
    expect(config).toMatch(/^\s*client_max_body_size\s+0\s*;/m);
    // Retried POSTs only where a repeat stores nothing twice.
    const retried = [
      ...config.matchAll(/location\s+(\S+(?:\s+\S+)?)\s*\{[^}]*non_idempotent[^}]*\}/g),
    ].map((m) => m[1]);
    expect(retried).toEqual(['~ ^/v1/(predictions|labels)$']);
  });

  it('has Prometheus scrape driftwatch, load the rules mounted from alerts/ and page Alertmanager', () => {
    const prometheus = compose.services.prometheus!;
    expect(mountSource(prometheus, '/etc/prometheus/rules')).toBe('./alerts');
    const configFile = mountSource(prometheus, '/etc/prometheus/prometheus.yml');
    expect(configFile).toBe('./deploy/prometheus/prometheus.yml');

    const config = readYaml<{
      rule_files: string[];
      alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
      scrape_configs: {
        job_name: string;
        static_configs?: { targets: string[] }[];
        dns_sd_configs?: { names: string[]; type: string; port: number }[];
      }[];
    }>(configFile!);
    const job = config.scrape_configs.find((c) => c.job_name === 'driftwatch');
    // Every replica by DNS (one A record each), never one replica through nginx.
    expect(job?.dns_sd_configs).toEqual([
      expect.objectContaining({ names: ['driftwatch'], type: 'A', port: 8080 }),
    ]);
    expect(job?.static_configs).toBeUndefined();
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

  it('builds on a Node LTS inside the declared engines and runs the service as a non-root user with a health check', () => {
    expect(dockerfile.match(/^FROM node:24-bookworm-slim/gm)).toHaveLength(2);
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
  metadata: { name: string; labels?: Record<string, string> };
  spec: Record<string, unknown>;
}

interface PodTemplate {
  metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    containers: (Container & { ports?: { name: string; containerPort: number }[] })[];
    volumes?: { name: string; emptyDir?: object }[];
  };
}

function readManifests(file: string): Manifest[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).map((document) => {
    expect(document.errors, file).toEqual([]);
    return document.toJS() as Manifest;
  });
}

describe('deploy/k8s/driftwatch-sidecar.yaml', () => {
  const manifests = readManifests('deploy/k8s/driftwatch-sidecar.yaml');
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

describe('deploy/k8s/driftwatch.yaml', () => {
  const manifests = readManifests('deploy/k8s/driftwatch.yaml');
  const deployment = manifests.find((m) => m.kind === 'Deployment')!;
  const template = deployment.spec.template as PodTemplate;
  const containers = template.spec.containers;
  const driftwatch = containers[0]!;
  const labels = template.metadata.labels;

  /** Whether a label selector picks the replicas' pods. */
  const selectsPods = (selector: Record<string, string>) =>
    Object.keys(selector).length > 0 &&
    Object.entries(selector).every(([key, value]) => labels[key] === value);

  it('runs three replicas of driftwatch alone, whose selector picks its own pods', () => {
    expect(deployment.metadata.name).toBe('driftwatch');
    expect(deployment.spec.replicas).toBe(3);
    expect(containers).toHaveLength(1);
    expect(driftwatch.name).toBe('driftwatch');
    expect(driftwatch.image).toMatch(/driftwatch/);
    const selector = deployment.spec.selector as { matchLabels: Record<string, string> };
    expect(selectsPods(selector.matchLabels)).toBe(true);
  });

  it('probes liveness on /health and readiness on /ready, with resources set', () => {
    expect(driftwatch.livenessProbe?.httpGet?.path).toBe('/health');
    expect(driftwatch.readinessProbe?.httpGet?.path).toBe('/ready');
    expect(driftwatch.resources?.requests?.cpu).toBeDefined();
    expect(driftwatch.resources?.limits?.memory).toBeDefined();
  });

  it('takes the database URL and the tokens from a Secret', () => {
    for (const name of ['DATABASE_URL', 'DRIFTWATCH_INGEST_TOKENS', 'DRIFTWATCH_ADMIN_TOKENS']) {
      const variable = driftwatch.env?.find((e) => e.name === name);
      expect(variable?.valueFrom?.secretKeyRef, name).toBeDefined();
    }
  });

  it('serves the replicas through one Service on 8080, scraped replica by replica', () => {
    const service = manifests.find((m) => m.kind === 'Service')!;
    expect(service.metadata.name).toBe('driftwatch');
    expect(selectsPods(service.spec.selector as Record<string, string>)).toBe(true);
    const ports = service.spec.ports as { name: string; port: number; targetPort: string }[];
    const http = ports.find((p) => p.port === 8080)!;
    expect(driftwatch.ports?.map((p) => [p.name, p.containerPort])).toContainEqual([
      http.targetPort,
      8080,
    ]);

    const monitor = manifests.find((m) => m.kind === 'ServiceMonitor')!;
    const monitorSelector = monitor.spec.selector as { matchLabels: Record<string, string> };
    expect(
      Object.entries(monitorSelector.matchLabels).every(
        ([key, value]) => service.metadata.labels?.[key] === value,
      ),
    ).toBe(true);
    const endpoints = monitor.spec.endpoints as {
      port: string;
      path: string;
      relabelings?: { targetLabel: string; replacement: string }[];
    }[];
    expect(endpoints).toContainEqual(
      expect.objectContaining({ port: http.name, path: '/metrics' }),
    );
    // The alert rules select job="driftwatch".
    expect(endpoints[0]?.relabelings).toContainEqual(
      expect.objectContaining({ targetLabel: 'job', replacement: 'driftwatch' }),
    );
    expect(template.metadata.annotations?.['prometheus.io/scrape']).toBe('true');
  });

  it('keeps a majority of the replicas through voluntary disruptions and rolling updates', () => {
    const budget = manifests.find((m) => m.kind === 'PodDisruptionBudget')!;
    expect(
      selectsPods((budget.spec.selector as { matchLabels: Record<string, string> }).matchLabels),
    ).toBe(true);
    expect(budget.spec.minAvailable).toBeGreaterThanOrEqual(2);
    expect(budget.spec.minAvailable).toBeLessThan(deployment.spec.replicas as number);
    const strategy = deployment.spec.strategy as { rollingUpdate: { maxUnavailable: number } };
    expect(strategy.rollingUpdate.maxUnavailable).toBe(0);
  });

  it('names its ServiceMonitor apart from the sidecar manifest, so both may be applied', () => {
    const sidecar = readManifests('deploy/k8s/driftwatch-sidecar.yaml');
    for (const kind of ['Deployment', 'Service', 'ServiceMonitor']) {
      const here = manifests.find((m) => m.kind === kind)!.metadata.name;
      const there = sidecar.find((m) => m.kind === kind)!.metadata.name;
      expect(here, kind).not.toBe(there);
    }
  });
});
