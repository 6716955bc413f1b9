/** `driftwatch check run`: a pipeline gate on a check run now. */
import type { Command } from 'commander';
import { Option } from 'commander';
import type { RunView } from '../core/run.js';
import { exitCodeOfRuns } from './exitCodes.js';
import { addServiceOptions, type ServiceOptions } from './options.js';
import { formatRun } from './runTable.js';
import { requestService } from './serviceRequest.js';

interface CheckRunOptions extends ServiceOptions {
  model: string;
  version?: string;
  kind: string;
  window?: string;
  json?: boolean;
}

async function runCheck(options: CheckRunOptions): Promise<void> {
  const query = new URLSearchParams();
  if (options.version) query.set('version', options.version);
  if (options.window) query.set('window', options.window);
  const path = `/v1/models/${encodeURIComponent(options.model)}/checks/${options.kind}/run?${query.toString()}`;
  const { runs } = await requestService<{ runs: RunView[] }>(options, 'check', path, {
    method: 'POST',
  });
  if (options.json) console.log(JSON.stringify(runs, null, 2));
  else
    console.log(
      runs
        .map((run) => `${formatRun(run)}\npage ${new URL(run.links.page, options.url).href}`)
        .join('\n\n'),
    );
  process.exit(exitCodeOfRuns(runs));
}

export function addCheckCommand(program: Command): void {
  addServiceOptions(
    program
      .command('check')
      .description('checks of model versions')
      .command('run')
      .description(
        'run a check now on a running driftwatch and print its results; exit 0 (ok), 1 (drift or degraded), 2 (error of any kind), 3 (insufficient data)',
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
      ),
  )
    .option('--json', 'print the runs as JSON')
    .action(runCheck);
}
