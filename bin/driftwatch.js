#!/usr/bin/env node
// The compiled CLI lives in dist/ (built by `npm ci` through the prepare script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(compiled))) {
  console.error('driftwatch: dist/ is missing; run `npm run build` (npm ci does it for you)');
  process.exit(1);
}
// `serve` gets tracing: the preload must run before express and pg are first
// imported, which is what `node --import` would do. This file imports only
// builtins, so importing the preload here, ahead of the CLI, is equivalent
// and needs no second process. Other commands skip it (and the SDK).
const command = process.argv.slice(2).find((arg) => !arg.startsWith('-'));
if (command === 'serve') {
  await import(new URL('../dist/telemetry/preload.js', import.meta.url).href);
}
await import(compiled.href);
