/**
 * Builds the README's example files from fixed seeds (`npm run examples:build`):
 *
 *   examples/reference.csv       1,000 reference rows of the README's `churn` model, version 1
 *   examples/predictions.ndjson  300 prediction records from the same distribution,
 *                                their timestamps the placeholder @NOW@ (the README
 *                                stamps them: records older than ingest.maxAgeDays are rejected)
 *
 * The rows: tenure uniform on 1–72 months, monthly charges uniform on 18–118,
 * plan basic / plus / pro with shares 0.5 / 0.3 / 0.2, and the model's score
 * 1 / (1 + exp(−z)) with z = −1 + 0.03 (24 − tenure) + 0.01 (charges − 60).
 * No clock, no Math.random: test/unit/examples.test.ts fails when the
 * committed files differ from a fresh build.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRandom } from '../src/stats/random.js';

export const EXAMPLES_DIR = fileURLToPath(new URL('../examples', import.meta.url));
const REFERENCE_ROWS = 1_000;
const PREDICTION_ROWS = 300;

interface ExampleRow {
  tenure_months: number;
  monthly_charges: number;
  plan: string;
  score: number;
}

function exampleRows(n: number, seed: number): ExampleRow[] {
  const random = createRandom(seed);
  return Array.from({ length: n }, () => {
    const tenure = 1 + Math.floor(random.next() * 72);
    const charges = Number((18 + random.next() * 100).toFixed(2));
    const u = random.next();
    const plan = u < 0.5 ? 'basic' : u < 0.8 ? 'plus' : 'pro';
    const z = -1 + 0.03 * (24 - tenure) + 0.01 * (charges - 60);
    return {
      tenure_months: tenure,
      monthly_charges: charges,
      plan,
      score: Number((1 / (1 + Math.exp(-z))).toFixed(4)),
    };
  });
}

/** File contents by name, in a fixed order. */
export function buildExamples(): Map<string, string> {
  const reference = exampleRows(REFERENCE_ROWS, 1);
  const csv = [
    'tenure_months,monthly_charges,plan,score',
    ...reference.map((r) => `${r.tenure_months},${r.monthly_charges},${r.plan},${r.score}`),
  ];
  const records = exampleRows(PREDICTION_ROWS, 2).map((r, i) =>
    JSON.stringify({
      model: 'churn',
      model_version: '1',
      request_id: `example-${i + 1}`,
      timestamp: '@NOW@',
      features: {
        tenure_months: r.tenure_months,
        monthly_charges: r.monthly_charges,
        plan: r.plan,
      },
      score: r.score,
      prediction: r.score >= 0.5 ? 1 : 0,
    }),
  );
  return new Map([
    ['reference.csv', `${csv.join('\n')}\n`],
    ['predictions.ndjson', `${records.join('\n')}\n`],
  ]);
}

async function main(): Promise<void> {
  for (const [name, text] of buildExamples()) {
    const file = path.join(EXAMPLES_DIR, name);
    await writeFile(file, text);
    console.log(`wrote ${file}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
