// Run by `prepare` (so by `npm ci`): links node_modules/.bin/driftwatch to the
// project's own bin. `npx driftwatch` looks there first; without the link npm
// would install the project into its npx cache and rebuild it on every call.
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const binDir = path.join(root, 'node_modules', '.bin');
const link = path.join(binDir, 'driftwatch');
mkdirSync(binDir, { recursive: true });
rmSync(link, { force: true });
symlinkSync(path.relative(binDir, path.join(root, 'bin', 'driftwatch.js')), link);
