/**
 * The rejections of one batch, bounded: every rejection is counted (in total
 * and by code, for the response and the metrics) but only the first
 * `maxListed` are kept with their message. A hostile batch of millions of bad
 * records therefore costs a few counters, not a response of hundreds of
 * megabytes (one message per record).
 */
import type { RejectCode, Rejection } from './rejection.js';

/** Longest message kept for one rejection; a longer one is cut. */
const MAX_MESSAGE_LENGTH = 300;

export class RejectionList {
  /** The first `maxListed` rejections, in batch order. */
  readonly listed: Rejection[] = [];
  /** Rejections by code, all of them. */
  readonly byCode = new Map<RejectCode, number>();
  /** Every rejection, listed or not. */
  count = 0;

  constructor(readonly maxListed: number) {}

  add(rejection: Rejection): void {
    this.count += 1;
    this.byCode.set(rejection.code, (this.byCode.get(rejection.code) ?? 0) + 1);
    if (this.listed.length >= this.maxListed) return;
    const message =
      rejection.message.length > MAX_MESSAGE_LENGTH
        ? `${rejection.message.slice(0, MAX_MESSAGE_LENGTH)}…`
        : rejection.message;
    this.listed.push(message === rejection.message ? rejection : { ...rejection, message });
  }

  /** The wire form: `rejected` (the listed ones) and `rejected_count` (all). */
  toJSON(): { rejected: Rejection[]; rejected_count: number } {
    return { rejected: this.listed, rejected_count: this.count };
  }
}
