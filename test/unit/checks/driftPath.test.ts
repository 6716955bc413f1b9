import { describe, expect, it } from 'vitest';
import { chooseDriftPath, needsRawCount } from '../../../src/checks/driftPath.js';

const LIMIT = 1_000;

describe('chooseDriftPath', () => {
  it('takes the exact path when every summarised record is retained within the limit', () => {
    expect(chooseDriftPath({ summaryRows: 1_000, rawRows: 1_000, exactLimit: LIMIT })).toBe(
      'exact',
    );
    expect(chooseDriftPath({ summaryRows: 0, rawRows: 0, exactLimit: LIMIT })).toBe('exact');
  });

  it('takes the summaries path beyond the limit without counting raw rows', () => {
    expect(needsRawCount(1_001, LIMIT)).toBe(false);
    expect(needsRawCount(1_000, LIMIT)).toBe(true);
    expect(chooseDriftPath({ summaryRows: 1_001, rawRows: null, exactLimit: LIMIT })).toBe(
      'summaries',
    );
  });

  it('takes the summaries path when the raw rows are a sample of the summarised ones', () => {
    expect(chooseDriftPath({ summaryRows: 900, rawRows: 899, exactLimit: LIMIT })).toBe(
      'summaries',
    );
  });

  it('reads raw rows that predate minute summaries exactly within the limit, by hours beyond', () => {
    expect(chooseDriftPath({ summaryRows: 0, rawRows: 1_000, exactLimit: LIMIT })).toBe('exact');
    expect(chooseDriftPath({ summaryRows: 10, rawRows: 1_001, exactLimit: LIMIT })).toBe(
      'approximate',
    );
  });
});
