/**
 * Writes the OpenAPI document generated from the request schemas to
 * docs/openapi.json (2-space indent, trailing newline). Run by `npm run openapi`;
 * test/unit/openapi.test.ts fails when the committed file differs from it.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildOpenApiDocument } from '../src/http/openapi.js';

const file = fileURLToPath(new URL('../docs/openapi.json', import.meta.url));
writeFileSync(file, `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`);
console.log(`wrote ${file}`);
