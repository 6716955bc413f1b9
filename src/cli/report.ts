/**
 * `driftwatch report RUN_ID -o run.html`: the run page of the web UI as one
 * standalone file. The run is read from the service's API and rendered here
 * by the same function that serves `/runs/:id`, with the stylesheet inlined
 * under a Content-Security-Policy that allows only that stylesheet (by hash).
 */
import { writeFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import type { RunView } from '../core/run.js';
import { renderRunPage } from '../http/ui/runPage.js';

interface ReportOptions {
  out: string;
  url: string;
  token?: string;
}

/** The run page of `run` as a standalone document; links point at `serviceUrl`. */
export function standaloneRunReport(run: RunView, serviceUrl: string): string {
  return renderRunPage(
    { linkBase: serviceUrl.replace(/\/+$/, ''), standalone: true, signedIn: false },
    run,
  );
}

async function fetchRun(id: string, options: ReportOptions): Promise<RunView> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const target = new URL(`/v1/runs/${encodeURIComponent(id)}`, options.url);
  let response: Response;
  try {
    response = await fetch(target, { headers });
  } catch (error) {
    throw new Error(
      `could not reach ${options.url}: ${(error as Error).message}. Is "driftwatch serve" running?`,
    );
  }
  const body = (await response.json().catch(() => ({}))) as RunView & {
    error?: { message?: string };
  };
  if (!response.ok) {
    throw new Error(
      `GET ${target.pathname} answered ${response.status}: ${body.error?.message ?? response.statusText}`,
    );
  }
  return body;
}

/** Adds the `report` subcommand to the program. */
export function addReportCommand(program: Command): void {
  program
    .command('report')
    .description('write the web page of one run as a standalone HTML file')
    .argument('<run-id>', 'the run id (see "driftwatch check run" or the web UI)')
    .requiredOption('-o, --out <file>', 'the HTML file to write')
    .addOption(
      new Option('--url <url>', 'driftwatch base URL')
        .env('DRIFTWATCH_URL')
        .default('http://127.0.0.1:8080'),
    )
    .addOption(new Option('--token <token>', 'bearer token').env('DRIFTWATCH_TOKEN'))
    .action(async (runId: string, options: ReportOptions) => {
      if (!/^[1-9]\d{0,14}$/.test(runId)) {
        console.error(`driftwatch: a run id is a positive integer, not "${runId}"`);
        process.exit(2);
      }
      try {
        const run = await fetchRun(runId, options);
        await writeFile(options.out, standaloneRunReport(run, options.url), 'utf8');
        console.log(
          `wrote ${options.out}: ${run.kind} run ${run.id} of ${run.model} version ${run.model_version}, status ${run.status}`,
        );
      } catch (error) {
        console.error(`driftwatch: ${(error as Error).message}`);
        process.exit(2);
      }
    });
}
