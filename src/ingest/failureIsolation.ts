/**
 * Finds the records a store keeps failing on, so that one bad record cannot
 * hold back every record after it. Used by file tailing once a batch has
 * failed the same way several times in a row.
 *
 * Bisection, in order: the failed range is split in halves, the first half is
 * stored and then the second; a half that fails is split again. A single
 * record is retried `attemptsPerRecord` times and only then set aside. Ranges
 * are stored left to right, so a caller saving a read offset with each stored
 * range (and with each record set aside) sees the offset only move forward.
 *
 * Cost, for `n` records of which `k` keep failing: at most `2n − 1` store
 * calls for the ranges plus `(attemptsPerRecord − 1)` more per single record;
 * about `2k·⌈log₂ n⌉ + k·attemptsPerRecord` when `k` is small.
 *
 * Worked example, 8 records, record 5 failing, `attemptsPerRecord` 3:
 * store [0,4) ✓, [4,8) ✗ → [4,6) ✗ → [4,5) ✓, [5,6) ✗ ✗ ✗ → set aside 5,
 * then [6,8) ✓: eight store calls, seven records stored, one set aside.
 *
 * An error `isTransient` accepts (the database is unavailable) is no record's
 * fault: it is rethrown at once, and nothing more is stored or set aside.
 */

export interface IsolationHooks {
  /** Stores records `[from, to)`; throws when that fails. */
  store(from: number, to: number): Promise<void>;
  /** Gives up record `index`, which failed alone with `error` every time. */
  setAside(index: number, error: unknown): Promise<void>;
  /** True for failures that are not the records' fault (an outage): never bisected, rethrown. */
  isTransient(error: unknown): boolean;
}

export interface IsolationOptions {
  /** Tries of a single record before it is set aside (≥ 1). */
  attemptsPerRecord: number;
}

/**
 * Isolates the failing records of `count` records that just failed together
 * with `error`, storing all the others. Resolves with the number set aside.
 */
export async function isolateFailingRecords(
  count: number,
  error: unknown,
  hooks: IsolationHooks,
  options: IsolationOptions,
): Promise<number> {
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`count must be a positive integer, got ${String(count)}`);
  }
  const { attemptsPerRecord } = options;
  if (!Number.isInteger(attemptsPerRecord) || attemptsPerRecord < 1) {
    throw new RangeError(
      `attemptsPerRecord must be a positive integer, got ${String(attemptsPerRecord)}`,
    );
  }
  let setAside = 0;

  /** `[from, to)` failed with `failure`: set the record aside, or store its halves. */
  async function bisect(from: number, to: number, failure: unknown): Promise<void> {
    if (to - from === 1) {
      await hooks.setAside(from, failure);
      setAside += 1;
      return;
    }
    const middle = from + Math.ceil((to - from) / 2);
    await attempt(from, middle);
    await attempt(middle, to);
  }

  async function attempt(from: number, to: number): Promise<void> {
    // A range of several records is split after one failure (splitting loses
    // nothing); only giving a record up needs the repeated evidence.
    const tries = to - from === 1 ? attemptsPerRecord : 1;
    let failure: unknown;
    for (let i = 0; i < tries; i += 1) {
      try {
        await hooks.store(from, to);
        return;
      } catch (caught) {
        if (hooks.isTransient(caught)) throw caught;
        failure = caught;
      }
    }
    await bisect(from, to, failure);
  }

  await bisect(0, count, error);
  return setAside;
}
