/**
 * The `driftwatch` command as users run it: the compiled binary
 * (`bin/driftwatch.js` over `dist/`), so the tests see the exit codes,
 * output and start-up of what ships. `dist/` comes from
 * `npx tsc -p tsconfig.build.json` (`npm ci` runs it); a build older than
 * the sources fails the test instead of testing stale code.
 */
import { execFile } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export const CLI_BIN = path.resolve('bin/driftwatch.js');

function newestMtimeMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtimeMs(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** Throws when dist/ is missing or older than a file of src/. */
export function assertBuilt(): void {
  let built: number;
  try {
    built = statSync(path.resolve('dist/cli.js')).mtimeMs;
  } catch {
    throw new Error('dist/ is missing: run `npx tsc -p tsconfig.build.json` before these tests');
  }
  if (newestMtimeMs(path.resolve('src')) > built) {
    throw new Error('dist/ is older than src/: run `npx tsc -p tsconfig.build.json` first');
  }
}

/** An environment without the caller's database or service settings. */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DRIFTWATCH_LOG_LEVEL: 'warn' };
  for (const name of Object.keys(env)) {
    if (name.startsWith('DRIFTWATCH_') && name !== 'DRIFTWATCH_LOG_LEVEL') delete env[name];
  }
  delete env.DATABASE_URL;
  return { ...env, ...extra };
}

export interface CliOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the binary to its end; a non-zero exit is an outcome, not a rejection. */
export function runCli(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CliOutcome> {
  assertBuilt();
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [CLI_BIN, ...args],
      { env: options.env ?? cliEnv(), timeout: options.timeoutMs ?? 90_000 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(new Error(`driftwatch ${args.join(' ')} did not finish: ${error.message}`));
          return;
        }
        resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
      },
    );
  });
}
