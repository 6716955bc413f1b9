import { describe, expect, it } from 'vitest';
import { formatLogLine } from '../../../src/telemetry/prettyLog.js';

const plain = { colours: false };
// 2026-12-03T14:05:01.123Z
const TIME = Date.UTC(2026, 11, 3, 14, 5, 1, 123);

describe('formatLogLine', () => {
  it('writes time, level, component, message and the other fields on one line', () => {
    const line = JSON.stringify({
      level: 30,
      time: TIME,
      service: 'driftwatch',
      component: 'registry',
      model: 'demo-churn',
      version: '1',
      rows: 5000,
      msg: 'registered model manifest',
    });
    expect(formatLogLine(line, plain)).toBe(
      '14:05:01.123 INFO  [registry] registered model manifest  model=demo-churn version=1 rows=5000\n',
    );
  });

  it('quotes text with spaces and writes objects as JSON', () => {
    const line = JSON.stringify({ level: 40, time: TIME, msg: 'm', file: 'a b', list: ['x'] });
    expect(formatLogLine(line, plain)).toBe('14:05:01.123 WARN  m  file="a b" list=["x"]\n');
  });

  it('keeps an error to its message below error level and prints its stack at error level', () => {
    const err = { type: 'DatabaseError', message: 'gone', stack: 'DatabaseError: gone\n    at x' };
    expect(formatLogLine(JSON.stringify({ level: 40, time: TIME, msg: 'w', err }), plain)).toBe(
      '14:05:01.123 WARN  w  err="DatabaseError: gone"\n',
    );
    expect(formatLogLine(JSON.stringify({ level: 50, time: TIME, msg: 'e', err }), plain)).toBe(
      '14:05:01.123 ERROR e\n    DatabaseError: gone\n        at x\n',
    );
  });

  it('colours the level only when asked', () => {
    const line = JSON.stringify({ level: 50, time: TIME, msg: 'e' });
    expect(formatLogLine(line, { colours: true })).toBe(
      '14:05:01.123 \u001b[31mERROR\u001b[0m e\n',
    );
  });

  it('passes a line that is not a JSON object through unchanged', () => {
    expect(formatLogLine('not json', plain)).toBe('not json\n');
    expect(formatLogLine('[1,2]\n', plain)).toBe('[1,2]\n');
  });
});
