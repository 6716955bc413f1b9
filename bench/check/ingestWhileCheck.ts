/**
 * Ingest while a drift check runs: the ingest load client sends a fixed
 * number of records to the service alone, then the same number while drift
 * checks of the large window run back to back on the same service, then
 * alone again; the ratio is the rate during the checks over the mean of the
 * two rates alone (the second "alone" run shows how much of a change is
 * drift of the machine or of the growing tables). The records belong to
 * another model (`bench-ingest`), so the checked windows do not change.
 */
import { benchVersionDefinition, BENCH_VERSION } from '../ingestRecords.js';
import {
  runLoadClient,
  type LoadOptions,
  type LoadRun,
  type RunningService,
} from '../lib/index.js';
import { runDriftCheck, type HttpRun } from './httpRuns.js';

export const INGEST_MODEL = 'bench-ingest';
/** Bounds of the check loop: it stops when the load ends, or at these. */
const MAX_CHECKS = 1_000;
const MAX_LOOP_MS = 30 * 60_000;

export interface IngestWhileCheck {
  aloneBefore: LoadRun;
  during: LoadRun;
  aloneAfter: LoadRun;
  checks: HttpRun[];
  /** During over the mean of the two alone. */
  ratio: number;
}

async function registerIngestModel(url: string): Promise<void> {
  const response = await fetch(`${url}/v1/models/${INGEST_MODEL}/versions/${BENCH_VERSION}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(benchVersionDefinition()),
  });
  if (!response.ok)
    throw new Error(
      `registering ${INGEST_MODEL} failed: ${response.status} ${await response.text()}`,
    );
}

export async function measureIngestWhileCheck(
  service: RunningService,
  database: string,
  check: { version: string; window: string },
  load: Omit<LoadOptions, 'model' | 'seed' | 'endMs'>,
  seed: number,
): Promise<IngestWhileCheck> {
  await registerIngestModel(service.url);
  const options = (offset: number): LoadOptions => ({
    ...load,
    model: INGEST_MODEL,
    seed: seed + offset,
    endMs: Date.now(),
  });
  const aloneBefore = await runLoadClient(service.url, database, service.pid, options(0));

  const checks: HttpRun[] = [];
  let loadDone = false;
  // Set by the client's start callback; a holder, as TypeScript does not see callbacks assign.
  const running: { loop?: Promise<void> } = {};
  const checkLoop = async (): Promise<void> => {
    const startedMs = Date.now();
    while (!loadDone && checks.length < MAX_CHECKS && Date.now() - startedMs < MAX_LOOP_MS) {
      checks.push(await runDriftCheck(service, database, check.version, check.window));
    }
  };
  let during: LoadRun;
  try {
    during = await runLoadClient(service.url, database, service.pid, options(1), () => {
      running.loop = checkLoop();
      // Awaited (and its failure rethrown) once the load ends; until then a
      // failed check must not count as an unhandled rejection.
      running.loop.catch(() => undefined);
    });
  } finally {
    loadDone = true;
    if (running.loop) await running.loop;
  }
  const aloneAfter = await runLoadClient(service.url, database, service.pid, options(2));
  const alone = (aloneBefore.summary.rowsPerSecond + aloneAfter.summary.rowsPerSecond) / 2;
  return {
    aloneBefore,
    during,
    aloneAfter,
    checks,
    ratio: during.summary.rowsPerSecond / alone,
  };
}
