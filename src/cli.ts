/**
 * The `driftwatch` command. Each subcommand parses its flags, loads the
 * configuration, and calls into main.ts or the HTTP API; output for people
 * goes to stdout/stderr here and nowhere else.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { loadConfig } from './config/load.js';
import type { Config } from './config/schema.js';
import { addReportCommand } from './cli/report.js';
import { exitCodeOf, formatRun } from './cli/runTable.js';
import { writeDashboards } from './dashboards/build.js';
import { parseDuration } from './config/checksSchema.js';
import { DEFAULT_DEMO_DATA_DIR, runDemo } from './demo/demo.js';
import { ConfigError } from './core/errors.js';
import type { RunView } from './core/run.js';
import { openDatabase, startService } from './main.js';
import { migrate } from './storage/migrations.js';
import { createPool } from './storage/pool.js';
import { createLogger } from './telemetry/logger.js';
import { shutdownTracing } from './telemetry/tracer.js';

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError('a port is a whole number from 0 to 65535');
  }
  return port;
}

interface CommonOptions {
  config?: string;
  port?: number;
  host?: string;
  dataDir?: string;
}

function configFrom(options: CommonOptions): Config {
  try {
    return loadConfig({
      file: options.config,
      overrides: { port: options.port, host: options.host, dataDir: options.dataDir },
    });
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`driftwatch: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
}

function addCommonOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        '-c, --config <file>',
        'configuration file (default: ./driftwatch.yaml when present)',
      ).env('DRIFTWATCH_CONFIG'),
    )
    .addOption(
      new Option(
        '--data-dir <dir>',
        'embedded PostgreSQL data folder, used without DATABASE_URL',
      ).env('DRIFTWATCH_DATA_DIR'),
    );
}

const program = new Command()
  .name('driftwatch')
  .description(
    'ML observability sidecar: prediction logs, drift checks, serving parity, Prometheus and Grafana.',
  )
  .showHelpAfterError();

addCommonOptions(
  program
    .command('serve')
    .description('run the HTTP service (embedded PostgreSQL when DATABASE_URL is not set)')
    .addOption(
      new Option('-p, --port <port>', 'HTTP port').argParser(parsePort).env('DRIFTWATCH_PORT'),
    )
    .addOption(new Option('-H, --host <host>', 'address to bind').env('DRIFTWATCH_HOST')),
).action(async (options: CommonOptions) => {
  const config = configFrom(options);
  const logger = createLogger(config.logging.level);
  const service = await startService(config, { logger });
  console.log(
    `driftwatch is listening on ${service.url}  (metrics: ${service.url}/metrics, API: ${service.url}/openapi.json)`,
  );
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // The service first (its last spans end there), then the span export.
    service
      .close()
      .then(() => shutdownTracing())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
});

addCommonOptions(
  program.command('migrate').description('apply pending database migrations and exit'),
).action(async (options: CommonOptions) => {
  const config = configFrom(options);
  const logger = createLogger(config.logging.level);
  const { url, embedded } = await openDatabase(config, logger);
  const pool = createPool({ url, max: 2 });
  try {
    const result = await migrate(pool);
    console.log(
      result.applied.length > 0
        ? `applied ${result.applied.length} migration(s): ${result.applied.join(', ')}`
        : `database is up to date (${result.alreadyApplied} migration(s) applied earlier)`,
    );
  } finally {
    await pool.end();
    await embedded?.stop();
  }
});

interface ImportOptions {
  model: string;
  version: string;
  url: string;
  token?: string;
  format?: 'csv' | 'ndjson';
}

function progressBar(sent: number, total: number): string {
  const width = 30;
  const done = total > 0 ? Math.min(1, sent / total) : 1;
  const filled = Math.round(done * width);
  const mib = (bytes: number): string => (bytes / 1_048_576).toFixed(1);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(done * 100).toFixed(0).padStart(3)}%  ${mib(sent)}/${mib(total)} MiB`;
}

program
  .command('reference')
  .description('reference (training) data')
  .command('import')
  .description(
    'upload a reference dataset (CSV with a header row, or NDJSON) to a running driftwatch',
  )
  .argument('<file>', 'the CSV or NDJSON file')
  .requiredOption('-m, --model <model>', 'model name')
  .requiredOption('-v, --version <version>', 'model version')
  .addOption(
    new Option('--url <url>', 'driftwatch base URL')
      .env('DRIFTWATCH_URL')
      .default('http://127.0.0.1:8080'),
  )
  .addOption(new Option('--token <token>', 'admin bearer token').env('DRIFTWATCH_TOKEN'))
  .addOption(
    new Option('--format <format>', 'file format (default: from the file name)').choices([
      'csv',
      'ndjson',
    ]),
  )
  .action(async (file: string, options: ImportOptions) => {
    const format = options.format ?? (/\.(nd)?jsonl?$/i.test(file) ? 'ndjson' : 'csv');
    const { size } = await stat(file);
    const showProgress = process.stderr.isTTY;
    // Count bytes as fetch pulls them (a 'data' listener would drain the
    // stream before fetch reads it).
    async function* withProgress(): AsyncGenerator<Buffer> {
      let sent = 0;
      for await (const chunk of createReadStream(file)) {
        const buffer = chunk as Buffer;
        sent += buffer.length;
        if (showProgress) process.stderr.write(`\r${progressBar(sent, size)}`);
        yield buffer;
      }
    }
    const target = new URL(
      `/v1/models/${encodeURIComponent(options.model)}/versions/${encodeURIComponent(options.version)}/reference`,
      options.url,
    );
    const headers: Record<string, string> = {
      'content-type': format === 'csv' ? 'text/csv' : 'application/x-ndjson',
      'content-length': String(size),
    };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let response: Response;
    try {
      response = await fetch(target, {
        method: 'PUT',
        headers,
        body: withProgress(),
        duplex: 'half',
      });
    } catch (error) {
      if (showProgress) process.stderr.write('\n');
      const cause =
        (error as Error).cause instanceof Error
          ? `: ${((error as Error).cause as Error).message}`
          : '';
      console.error(
        `driftwatch: upload to ${options.url} failed: ${(error as Error).message}${cause}. Is "driftwatch serve" running?`,
      );
      process.exit(2);
    }
    if (showProgress) process.stderr.write('\n');
    const body = (await response.json().catch(() => ({}))) as {
      rows?: number;
      rejected?: { index: number; code: string; message: string }[];
      rejected_count?: number;
      ignored_columns?: string[];
      error?: { code: string; message: string };
    };
    if (!response.ok) {
      console.error(
        `driftwatch: import failed (${response.status}): ${body.error?.message ?? response.statusText}`,
      );
      for (const rejection of (body.rejected ?? []).slice(0, 20)) {
        console.error(`  row ${rejection.index}: ${rejection.code}: ${rejection.message}`);
      }
      process.exit(1);
    }
    console.log(
      `imported ${body.rows ?? 0} reference rows for ${options.model} version ${options.version}`,
    );
    const rejected = body.rejected ?? [];
    const rejectedCount = body.rejected_count ?? rejected.length;
    if (rejectedCount > 0) {
      console.log(`${rejectedCount} row(s) rejected:`);
      for (const rejection of rejected.slice(0, 20)) {
        console.log(`  row ${rejection.index}: ${rejection.code}: ${rejection.message}`);
      }
      const shown = Math.min(rejected.length, 20);
      if (rejectedCount > shown) console.log(`  … and ${rejectedCount - shown} more`);
    }
    if ((body.ignored_columns ?? []).length > 0) {
      console.log(`ignored columns: ${(body.ignored_columns ?? []).join(', ')}`);
    }
  });

interface CheckRunOptions {
  model: string;
  version?: string;
  kind: string;
  window?: string;
  url: string;
  token?: string;
  json?: boolean;
}

program
  .command('check')
  .description('checks of model versions')
  .command('run')
  .description(
    'run a check now on a running driftwatch and print its results; exit 0 (no drift), 1 (drift or degraded), 2 (error)',
  )
  .requiredOption('-m, --model <model>', 'model name')
  .option(
    '-v, --version <version>',
    'model version (default: every version with traffic in the window)',
  )
  .addOption(
    new Option('-k, --kind <kind>', 'check kind')
      .choices(['drift', 'performance', 'parity', 'shadow'])
      .default('drift'),
  )
  .option(
    '-w, --window <duration>',
    'window length, e.g. 30m, 1h, 7d (default: the configured window)',
  )
  .addOption(
    new Option('--url <url>', 'driftwatch base URL')
      .env('DRIFTWATCH_URL')
      .default('http://127.0.0.1:8080'),
  )
  .addOption(new Option('--token <token>', 'admin bearer token').env('DRIFTWATCH_TOKEN'))
  .option('--json', 'print the runs as JSON')
  .action(async (options: CheckRunOptions) => {
    const query = new URLSearchParams();
    if (options.version) query.set('version', options.version);
    if (options.window) query.set('window', options.window);
    const target = new URL(
      `/v1/models/${encodeURIComponent(options.model)}/checks/${options.kind}/run?${query.toString()}`,
      options.url,
    );
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let response: Response;
    try {
      response = await fetch(target, { method: 'POST', headers });
    } catch (error) {
      console.error(
        `driftwatch: could not reach ${options.url}: ${(error as Error).message}. Is "driftwatch serve" running?`,
      );
      process.exit(2);
    }
    const body = (await response.json().catch(() => ({}))) as {
      runs?: RunView[];
      error?: { message: string };
      problems?: string[];
    };
    if (!response.ok || !body.runs) {
      console.error(
        `driftwatch: check failed (${response.status}): ${body.error?.message ?? response.statusText}`,
      );
      for (const problem of body.problems ?? []) console.error(`  ${problem}`);
      process.exit(2);
    }
    if (options.json) console.log(JSON.stringify(body.runs, null, 2));
    else
      console.log(
        body.runs
          .map((run) => `${formatRun(run)}\npage ${new URL(run.links.page, options.url).href}`)
          .join('\n\n'),
      );
    process.exit(exitCodeOf(body.runs));
  });

type DemoCliOptions = { duration: string; port: number; dataDir?: string; keepServing?: boolean };

program
  .command('demo')
  .description(
    'run driftwatch end to end on this machine (embedded database, simulated serving pod, drift and serving skew); exit 1 when they go undetected',
  )
  .option('-d, --duration <duration>', 'length of the simulated traffic, e.g. 60s, 3m', '3m')
  .addOption(
    new Option('-p, --port <port>', 'HTTP port (0: a free one)').argParser(parsePort).default(0),
  )
  .option(
    '--data-dir <dir>',
    `new or empty embedded PostgreSQL folder (default: ${DEFAULT_DEMO_DATA_DIR}, wiped first)`,
  )
  .option('--keep-serving', 'after the summary, keep the service and its web UI up until Ctrl-C')
  .action(async (options: DemoCliOptions) => {
    let durationSeconds: number;
    try {
      durationSeconds = parseDuration(options.duration);
    } catch (error) {
      console.error(`driftwatch: --duration: ${(error as Error).message}`);
      process.exit(2);
    }
    const abort = new AbortController();
    process.once('SIGINT', () => abort.abort());
    process.once('SIGTERM', () => abort.abort());
    const outcome = await runDemo({
      durationSeconds,
      port: options.port,
      dataDir: options.dataDir,
      print: (line) => console.log(line),
      logLevel: process.env.DRIFTWATCH_LOG_LEVEL ?? 'warn',
      signal: abort.signal,
      keepServingUntil: options.keepServing ? abort.signal : undefined,
    });
    process.exit(outcome.driftDetected && outcome.parityDegraded ? 0 : 1);
  });

program
  .command('dashboards')
  .description('Grafana dashboards')
  .command('build')
  .description('write dashboards/*.json from the dashboard sources (src/dashboards/)')
  .option('-o, --out <dir>', 'output folder', 'dashboards')
  .action(async (options: { out: string }) => {
    for (const file of await writeDashboards(options.out)) console.log(`wrote ${file}`);
  });

addReportCommand(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(`driftwatch: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
