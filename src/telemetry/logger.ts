/** The root pino logger; everything else takes a child of it. */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: 'driftwatch' },
      // Tokens must never reach a log line, whatever a caller passes in.
      redact: ['req.headers.authorization', '*.token', 'token'],
    },
    destination ?? process.stderr,
  );
}
