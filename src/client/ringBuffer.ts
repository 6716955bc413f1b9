/**
 * The shipper's bounded buffer: serialised records waiting to be sent, in
 * logging order.
 */

/** One logged record, serialised when `log()` took it. */
export interface BufferedRecord {
  /** Position in logging order, from 0; records resolve in this order. */
  seq: number;
  json: string;
}

/** Fixed-capacity double-ended queue: O(1) at both ends, no reallocation. */
export class RingBuffer {
  private readonly slots: (BufferedRecord | undefined)[];
  private head = 0;
  size = 0;

  constructor(readonly capacity: number) {
    this.slots = new Array<BufferedRecord | undefined>(capacity);
  }

  get full(): boolean {
    return this.size === this.capacity;
  }

  first(): BufferedRecord | undefined {
    return this.size === 0 ? undefined : this.slots[this.head];
  }

  pushBack(entry: BufferedRecord): void {
    this.slots[(this.head + this.size) % this.capacity] = entry;
    this.size += 1;
  }

  pushFront(entry: BufferedRecord): void {
    this.head = (this.head - 1 + this.capacity) % this.capacity;
    this.slots[this.head] = entry;
    this.size += 1;
  }

  shift(): BufferedRecord | undefined {
    if (this.size === 0) return undefined;
    const entry = this.slots[this.head];
    this.slots[this.head] = undefined;
    this.head = (this.head + 1) % this.capacity;
    this.size -= 1;
    return entry;
  }
}
