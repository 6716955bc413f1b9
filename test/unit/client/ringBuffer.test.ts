import { describe, expect, it } from 'vitest';
import { RingBuffer } from '../../../src/client/ringBuffer.js';

const entry = (seq: number) => ({ seq, json: `{"n":${seq}}` });

describe('RingBuffer', () => {
  it('takes from the front what was pushed at either end, across the wrap', () => {
    const buffer = new RingBuffer(3);
    buffer.pushBack(entry(1));
    buffer.pushBack(entry(2));
    expect(buffer.shift()?.seq).toBe(1);
    buffer.pushBack(entry(3));
    buffer.pushFront(entry(0));
    expect(buffer.full).toBe(true);
    expect([buffer.shift()?.seq, buffer.shift()?.seq, buffer.shift()?.seq]).toEqual([0, 2, 3]);
    expect(buffer.size).toBe(0);
    expect(buffer.first()).toBeUndefined();
    expect(buffer.shift()).toBeUndefined();
  });
});
