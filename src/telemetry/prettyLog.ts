/**
 * The human-readable form of a pino JSON line, for a terminal:
 *
 *   14:05:01.123 INFO  [registry] registered model manifest  model=demo-churn version=1
 *
 * Pure: a line in, a line out. A line that is not pino JSON is passed through
 * unchanged, so nothing is ever lost to the formatter. Stack traces are kept
 * for `error` and `fatal` only: a warning names its cause in one line.
 */

const LEVEL_NAMES: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

/** ANSI colours of the level names, used only when the terminal takes them. */
const LEVEL_COLOURS: Record<number, string> = {
  10: '\u001b[90m',
  20: '\u001b[90m',
  30: '\u001b[32m',
  40: '\u001b[33m',
  50: '\u001b[31m',
  60: '\u001b[35m',
};
const RESET = '\u001b[0m';
const ERROR_LEVEL = 50;

/** Fields shown elsewhere on the line, or constant for the process. */
const SHOWN_APART = new Set(['level', 'time', 'msg', 'component', 'service', 'pid', 'hostname']);

export interface PrettyOptions {
  colours: boolean;
}

function clock(timeMs: unknown): string {
  if (typeof timeMs !== 'number' || !Number.isFinite(timeMs)) return '--:--:--.---';
  return new Date(timeMs).toISOString().slice(11, 23);
}

function valueText(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) ? JSON.stringify(value) : value;
  return JSON.stringify(value) ?? String(value);
}

interface SerializedError {
  type?: unknown;
  message?: unknown;
  stack?: unknown;
}

function errorText(error: SerializedError, withStack: boolean): string {
  const stack = typeof error.stack === 'string' ? error.stack : '';
  if (withStack && stack) return `\n    ${stack.split('\n').join('\n    ')}`;
  const type = typeof error.type === 'string' ? `${error.type}: ` : '';
  const message = typeof error.message === 'string' ? error.message : valueText(error.message);
  return `  err=${JSON.stringify(`${type}${message}`)}`;
}

/** One pino JSON line (with or without its newline) → one readable line ending in "\n". */
export function formatLogLine(line: string, options: PrettyOptions): string {
  let entry: Record<string, unknown>;
  try {
    const parsed = JSON.parse(line) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error();
    entry = parsed as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  const level = typeof entry.level === 'number' ? entry.level : 30;
  const name = (LEVEL_NAMES[level] ?? `L${level}`).padEnd(5);
  const levelText = options.colours ? `${LEVEL_COLOURS[level] ?? ''}${name}${RESET}` : name;
  const component = typeof entry.component === 'string' ? `[${entry.component}] ` : '';
  const message = typeof entry.msg === 'string' ? entry.msg : '';
  const fields: string[] = [];
  let error = '';
  for (const [key, value] of Object.entries(entry)) {
    if (SHOWN_APART.has(key) || value === undefined) continue;
    if (key === 'err' && typeof value === 'object' && value !== null) {
      error = errorText(value, level >= ERROR_LEVEL);
      continue;
    }
    fields.push(`${key}=${valueText(value)}`);
  }
  const rest = fields.length > 0 ? `  ${fields.join(' ')}` : '';
  return `${clock(entry.time)} ${levelText} ${component}${message}${rest}${error}\n`;
}
