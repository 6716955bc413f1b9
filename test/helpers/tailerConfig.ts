/** A test configuration that tails `<dir>/*.ndjson`, written into `dir`. */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Writes `<dir>/driftwatch.yaml`: the test fixture plus a 20 ms tailer of `<dir>/*.ndjson`. */
export function writeTailerConfig(dir: string, batchRecords: number): string {
  const configFile = path.join(dir, 'driftwatch.yaml');
  writeFileSync(
    configFile,
    readFileSync('test/fixtures/driftwatch.test.yaml', 'utf8') +
      `logs:\n  files: ['${dir}/*.ndjson']\n  pollIntervalMs: 20\n  batchRecords: ${batchRecords}\n`,
  );
  return configFile;
}
