/**
 * The exit codes of the `driftwatch` command, a contract CI pipelines gate on:
 *
 *   0  success (`check run`: every run ok)
 *   1  `check run` only: drift, or performance degraded
 *   2  an error of any kind: usage, configuration, unreachable service, HTTP
 *      error, missing file, start-up failure
 *   3  `check run` only: a window without enough data to decide
 *
 * Every command other than `check run` (and `demo`, which says whether the
 * drift it injects was found) exits 0 or 2, so that a pipeline never reads a
 * mistake as a verdict.
 */

export const EXIT = {
  ok: 0,
  drift: 1,
  error: 2,
  insufficientData: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit-code paragraph of `driftwatch --help`. */
export const EXIT_CODES_HELP = `
Exit codes:
  0  success; for "check run": no drift
  1  "check run": drift, or performance degraded
  2  error: usage, configuration, unreachable service, HTTP error, missing file, start-up failure
  3  "check run": not enough data in the window to decide (insufficient_data)
`;

/**
 * An expected failure of a command: its message is printed as one line
 * (`driftwatch: …`) and the command exits 2.
 */
export class CliError extends Error {
  /** Lines printed under the message (an API's list of problems). */
  readonly details: readonly string[];

  constructor(message: string, details: readonly string[] = []) {
    super(message);
    this.name = 'CliError';
    this.details = details;
  }
}

/**
 * Exit code of `check run` for its runs. An error outranks a verdict (the
 * gate cannot trust a partial answer), a verdict of drift outranks missing
 * data, and missing data is not a pass: a pipeline with no traffic must not
 * go green silently.
 */
export function exitCodeOfRuns(runs: readonly { status: string }[]): ExitCode {
  if (runs.length === 0) return EXIT.insufficientData;
  if (runs.some((run) => run.status === 'error')) return EXIT.error;
  if (runs.some((run) => run.status === 'drift' || run.status === 'degraded')) return EXIT.drift;
  if (runs.some((run) => run.status === 'insufficient_data')) return EXIT.insufficientData;
  return EXIT.ok;
}
