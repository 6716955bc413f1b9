/** The root pino logger; everything else takes a child of it. */
import { pino, type DestinationStream, type Logger } from 'pino';
import { formatLogLine } from './prettyLog.js';

export type { Logger };

/**
 * `pretty`: one readable line per entry (prettyLog.ts); `json`: pino's JSON
 * lines, for log collectors; `auto`: pretty on a terminal, JSON otherwise.
 */
export const LOG_FORMATS = ['auto', 'pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface LoggerOptions {
  /** Default `auto`. */
  format?: LogFormat;
  /** Default: standard error. */
  destination?: NodeJS.WritableStream & { isTTY?: boolean };
}

/** Whether `format` comes out readable on this destination. */
export function isPretty(format: LogFormat, destination: { isTTY?: boolean }): boolean {
  return format === 'pretty' || (format === 'auto' && destination.isTTY === true);
}

export function createLogger(level: string, options: LoggerOptions = {}): Logger {
  const destination = options.destination ?? process.stderr;
  const pretty = isPretty(options.format ?? 'auto', destination);
  // pino hands each serialised line to `write`; formatting here keeps the
  // writes synchronous, so the last lines before an exit are not lost.
  const colours = pretty && destination.isTTY === true && !process.env.NO_COLOR;
  const stream: DestinationStream = pretty
    ? { write: (line: string) => destination.write(formatLogLine(line, { colours })) }
    : destination;
  return pino(
    {
      level,
      base: { service: 'driftwatch' },
      // Tokens must never reach a log line, whatever a caller passes in.
      redact: ['req.headers.authorization', '*.token', 'token'],
    },
    stream,
  );
}
