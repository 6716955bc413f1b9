/** Options several commands share, and reading the configuration for them. */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { ConfigError } from '../core/errors.js';
import { LOG_FORMATS } from '../telemetry/logger.js';
import { CliError } from './exitCodes.js';

/** Where the client commands find driftwatch when neither --url nor DRIFTWATCH_URL says. */
export const DEFAULT_SERVICE_URL = 'http://127.0.0.1:8080';

export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError('a port is a whole number from 0 to 65535');
  }
  return port;
}

/** Options of the commands that open the database (serve, migrate). */
export interface CommonOptions {
  config?: string;
  port?: number;
  host?: string;
  dataDir?: string;
  logFormat?: string;
}

/** The configuration file and environment with the command's flags on top; a bad one is a CliError. */
export function configFrom(options: CommonOptions): Config {
  try {
    return loadConfig({
      file: options.config,
      overrides: {
        port: options.port,
        host: options.host,
        dataDir: options.dataDir,
        logFormat: options.logFormat,
      },
    });
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message);
    throw error;
  }
}

export function addCommonOptions(command: Command): Command {
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
    )
    .addOption(
      new Option(
        '--log-format <format>',
        'log lines: readable on a terminal and JSON otherwise (auto), or always one of them (default: logging.format, DRIFTWATCH_LOG_FORMAT)',
      ).choices(LOG_FORMATS),
    );
}

/** Options of the commands that call a running driftwatch over HTTP. */
export interface ServiceOptions {
  url: string;
  token?: string;
}

export function addServiceOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--url <url>', 'driftwatch base URL')
        .env('DRIFTWATCH_URL')
        .default(DEFAULT_SERVICE_URL),
    )
    .addOption(new Option('--token <token>', 'admin bearer token').env('DRIFTWATCH_TOKEN'));
}
