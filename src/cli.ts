/**
 * The `driftwatch` command. Each subcommand lives in src/cli/ and is added
 * from the one table below; output for people goes to stdout/stderr there
 * and nowhere else. Exit codes are a contract (src/cli/exitCodes.ts): every
 * failure, whatever its kind, ends here as one `driftwatch: …` line and 2.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { addCheckCommand } from './cli/checkCommand.js';
import { CliError, EXIT, EXIT_CODES_HELP } from './cli/exitCodes.js';
import { addReferenceCommand } from './cli/referenceCommand.js';
import { addReportCommand } from './cli/report.js';
import { addMigrateCommand, addServeCommand } from './cli/serveCommand.js';
import { addDashboardsCommand, addDemoCommand } from './cli/toolCommands.js';

/** Every subcommand, in the order `--help` lists them: a new one is one more entry. */
const COMMANDS: readonly ((program: Command) => void)[] = [
  addServeCommand,
  addMigrateCommand,
  addReferenceCommand,
  addCheckCommand,
  addReportCommand,
  addDemoCommand,
  addDashboardsCommand,
];

/** The package's version; package.json sits one folder above both src/ and dist/. */
function packageVersion(): string {
  const text = readFileSync(new URL('../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

function fail(error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`driftwatch: ${message}`);
  if (error instanceof CliError) for (const line of error.details) console.error(`  ${line}`);
  process.exit(EXIT.error);
}

const program = new Command()
  .name('driftwatch')
  .description(
    'ML observability sidecar: prediction logs, drift checks, serving parity, Prometheus and Grafana.',
  )
  .version(packageVersion(), '-V, --version', 'print the version and exit')
  // Program options only before the subcommand: `check run --version 1` is the model's version.
  .enablePositionalOptions()
  .showHelpAfterError()
  .addHelpText('after', EXIT_CODES_HELP)
  // commander exits 1 on a usage error, which a CI gate would read as drift;
  // subcommands inherit this, as they are added after it.
  .exitOverride((error) => process.exit(error.exitCode === 0 ? EXIT.ok : EXIT.error));

for (const addCommand of COMMANDS) addCommand(program);

program.parseAsync(process.argv).catch(fail);
