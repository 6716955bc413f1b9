import { describe, expect, it } from 'vitest';
import { collectPostgresOutput } from '../../../src/storage/postgresOutput.js';

describe('collectPostgresOutput', () => {
  it('passes on every non-blank line and keeps only the last ones', () => {
    const seen: string[] = [];
    const output = collectPostgresOutput(2, (line) => seen.push(line));
    output.write('LOG:  one  \r\n\n  \nLOG:  two\n');
    output.write('FATAL:  three');
    expect(seen).toEqual(['LOG:  one', 'LOG:  two', 'FATAL:  three']);
    expect(output.recentLines()).toEqual(['LOG:  two', 'FATAL:  three']);
  });
});
