import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXAMPLES_DIR, buildExamples } from '../../scripts/buildExamples.js';

describe('examples/', () => {
  it('holds the files a fresh build writes (run npm run examples:build when this fails)', () => {
    for (const [name, text] of buildExamples()) {
      expect(readFileSync(path.join(EXAMPLES_DIR, name), 'utf8'), name).toBe(text);
    }
  });

  it('builds the same bytes twice', () => {
    expect(buildExamples()).toEqual(buildExamples());
  });
});
