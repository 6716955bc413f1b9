/** `driftwatch demo` and `driftwatch dashboards build`: the commands that need no running service. */
import type { Command } from 'commander';
import { Option } from 'commander';
import { parseDuration } from '../config/checksSchema.js';
import { writeDashboards } from '../dashboards/build.js';
import { DEFAULT_DEMO_DATA_DIR, runDemo } from '../demo/demo.js';
import { CliError, EXIT } from './exitCodes.js';
import { parsePort } from './options.js';

interface DemoOptions {
  duration: string;
  port: number;
  dataDir?: string;
  keepServing?: boolean;
}

async function demo(options: DemoOptions): Promise<void> {
  let durationSeconds: number;
  try {
    durationSeconds = parseDuration(options.duration);
  } catch (error) {
    throw new CliError(`--duration: ${(error as Error).message}`);
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
  // The demo's verdict is on driftwatch itself: missing what it injected is a failure, not drift.
  process.exit(outcome.driftDetected && outcome.parityDegraded ? EXIT.ok : EXIT.error);
}

export function addDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'run driftwatch end to end on this machine (embedded database, simulated serving pod, drift and serving skew); exit 0 when both are detected, 2 otherwise',
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
    .action(demo);
}

export function addDashboardsCommand(program: Command): void {
  program
    .command('dashboards')
    .description('Grafana dashboards')
    .command('build')
    .description('write dashboards/*.json from the dashboard sources (src/dashboards/)')
    .option('-o, --out <dir>', 'output folder', 'dashboards')
    .action(async (options: { out: string }) => {
      for (const file of await writeDashboards(options.out)) console.log(`wrote ${file}`);
    });
}
