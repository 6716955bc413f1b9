/** `driftwatch reference import`: upload a reference file to a running driftwatch. */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { Option } from 'commander';
import { CliError } from './exitCodes.js';
import { addServiceOptions, type ServiceOptions } from './options.js';
import { requestService } from './serviceRequest.js';

interface ImportOptions extends ServiceOptions {
  model: string;
  version: string;
  format?: 'csv' | 'ndjson';
}

interface ImportAnswer {
  rows?: number;
  rejected?: { index: number; code: string; message: string }[];
  rejected_count?: number;
  ignored_columns?: string[];
}

/** Rejected rows printed after a successful import, at most this many. */
const LISTED_REJECTIONS = 20;

function progressBar(sent: number, total: number): string {
  const width = 30;
  const done = total > 0 ? Math.min(1, sent / total) : 1;
  const filled = Math.round(done * width);
  const mib = (bytes: number): string => (bytes / 1_048_576).toFixed(1);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(done * 100).toFixed(0).padStart(3)}%  ${mib(sent)}/${mib(total)} MiB`;
}

/** The file's size; a file that cannot be read is a CliError naming it and why. */
async function sizeOf(file: string): Promise<number> {
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new CliError(`${file} is not a file`);
    return info.size;
  } catch (error) {
    if (error instanceof CliError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(code);
    throw new CliError(`cannot read ${file}: ${reason}`);
  }
}

async function importReference(file: string, options: ImportOptions): Promise<void> {
  const format = options.format ?? (/\.(nd)?jsonl?$/i.test(file) ? 'ndjson' : 'csv');
  const size = await sizeOf(file);
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
  const path = `/v1/models/${encodeURIComponent(options.model)}/versions/${encodeURIComponent(options.version)}/reference`;
  let body: ImportAnswer;
  try {
    body = await requestService<ImportAnswer>(options, 'import', path, {
      method: 'PUT',
      headers: {
        'content-type': format === 'csv' ? 'text/csv' : 'application/x-ndjson',
        'content-length': String(size),
      },
      body: withProgress(),
      duplex: 'half',
    });
  } finally {
    if (showProgress) process.stderr.write('\n');
  }
  console.log(
    `imported ${body.rows ?? 0} reference rows for ${options.model} version ${options.version}`,
  );
  const rejected = body.rejected ?? [];
  const rejectedCount = body.rejected_count ?? rejected.length;
  if (rejectedCount > 0) {
    console.log(`${rejectedCount} row(s) rejected:`);
    for (const rejection of rejected.slice(0, LISTED_REJECTIONS)) {
      console.log(`  row ${rejection.index}: ${rejection.code}: ${rejection.message}`);
    }
    const shown = Math.min(rejected.length, LISTED_REJECTIONS);
    if (rejectedCount > shown) console.log(`  … and ${rejectedCount - shown} more`);
  }
  if ((body.ignored_columns ?? []).length > 0) {
    console.log(`ignored columns: ${(body.ignored_columns ?? []).join(', ')}`);
  }
}

export function addReferenceCommand(program: Command): void {
  addServiceOptions(
    program
      .command('reference')
      .description('reference (training) data')
      .command('import')
      .description(
        'upload a reference dataset (CSV with a header row, or NDJSON) to a running driftwatch; exit 0 (imported) or 2 (error)',
      )
      .argument('<file>', 'the CSV or NDJSON file')
      .requiredOption('-m, --model <model>', 'model name')
      .requiredOption('-v, --version <version>', 'model version'),
  )
    .addOption(
      new Option('--format <format>', 'file format (default: from the file name)').choices([
        'csv',
        'ndjson',
      ]),
    )
    .action(importReference);
}
