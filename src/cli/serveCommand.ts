/** `driftwatch serve` and `driftwatch migrate`: the commands that open the database. */
import type { Command } from 'commander';
import { Option } from 'commander';
import { openDatabase, startService } from '../main.js';
import { migrate } from '../storage/migrations.js';
import { createPool } from '../storage/pool.js';
import { createLogger } from '../telemetry/logger.js';
import { shutdownTracing } from '../telemetry/tracer.js';
import { EXIT } from './exitCodes.js';
import { addCommonOptions, configFrom, parsePort, type CommonOptions } from './options.js';

export function addServeCommand(program: Command): void {
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
    const logger = createLogger(config.logging.level, { format: config.logging.format });
    // A start-up failure rejects here and reaches the one error line of cli.ts (exit 2).
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
          () => process.exit(EXIT.ok),
          (error: unknown) => {
            logger.error({ err: error }, 'shutdown failed');
            process.exit(EXIT.error);
          },
        );
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });
}

export function addMigrateCommand(program: Command): void {
  addCommonOptions(
    program.command('migrate').description('apply pending database migrations and exit'),
  ).action(async (options: CommonOptions) => {
    const config = configFrom(options);
    const logger = createLogger(config.logging.level, { format: config.logging.format });
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
}
