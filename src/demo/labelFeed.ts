/**
 * The demo's ground truth, arriving late: each prediction's outcome is held
 * back for a delay and then posted to /v1/labels, as a churn label arrives at
 * the end of the month. Until then the performance runs can only estimate.
 */

export interface PendingLabel {
  request_id: string;
  label: 0 | 1;
}

export class LabelFeed {
  private readonly pending: (PendingLabel & { dueMs: number })[] = [];

  constructor(private readonly delayMs: number) {}

  /** Holds the outcome of a prediction made at `atMs`. */
  add(requestId: string, label: 0 | 1, atMs: number): void {
    this.pending.push({ request_id: requestId, label, dueMs: atMs + this.delayMs });
  }

  /** The labels due by `nowMs`, in the order their predictions were made; removed from the feed. */
  due(nowMs: number): PendingLabel[] {
    let count = 0;
    while (count < this.pending.length && this.pending[count]!.dueMs <= nowMs) count += 1;
    return this.pending.splice(0, count).map(({ request_id, label }) => ({ request_id, label }));
  }

  get size(): number {
    return this.pending.length;
  }
}
