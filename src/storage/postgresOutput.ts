/**
 * PostgreSQL's own output from the embedded server: passed on line by line,
 * and the last lines kept, since they name the reason when the server does
 * not initialise or start.
 */

export interface PostgresOutput {
  /** Takes a chunk of output: each non-blank line, trailing space trimmed, is passed on and kept. */
  write(text: string): void;
  /** The last lines kept, oldest first. */
  recentLines(): string[];
}

/** Keeps the last `linesKept` lines and hands every line to `onLine`. */
export function collectPostgresOutput(
  linesKept: number,
  onLine: (line: string) => void,
): PostgresOutput {
  const lines: string[] = [];
  return {
    write(text) {
      for (const line of text.split(/\r?\n/)) {
        if (line.trim() === '') continue;
        lines.push(line.trimEnd());
        if (lines.length > linesKept) lines.shift();
        onLine(line.trimEnd());
      }
    },
    recentLines: () => [...lines],
  };
}
