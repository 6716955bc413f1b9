import { describe, expect, it } from 'vitest';
import { exitCodeOfRuns } from '../../../src/cli/exitCodes.js';

const runs = (...statuses: string[]) => statuses.map((status) => ({ status }));

describe('exitCodeOfRuns', () => {
  it('passes only when every run is ok', () => {
    expect(exitCodeOfRuns(runs('ok', 'ok'))).toBe(0);
  });

  it('ranks an error over drift, drift over missing data, missing data over ok', () => {
    expect(exitCodeOfRuns(runs('ok', 'drift', 'error', 'insufficient_data'))).toBe(2);
    expect(exitCodeOfRuns(runs('insufficient_data', 'degraded'))).toBe(1);
    expect(exitCodeOfRuns(runs('ok', 'drift'))).toBe(1);
    expect(exitCodeOfRuns(runs('ok', 'insufficient_data'))).toBe(3);
  });

  it('does not pass on no runs at all', () => {
    expect(exitCodeOfRuns([])).toBe(3);
  });
});
