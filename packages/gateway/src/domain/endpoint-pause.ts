// Pausing an endpoint stops its deliveries' clocks; resuming starts them again where they
// stopped. Pure: the store runs the same arithmetic as one UPDATE (storage/sql/endpoints.ts).
//
// A pending delivery due at T was waiting since W (its last attempt ended then, or it was
// created then if never tried). Paused at P and resumed at R, the part of its wait that had not
// passed when the pause began, T − max(P, W), is what it still has to wait: none of its gap is
// lost, none is added, and its attempt count is untouched. A wait that began during the pause (an
// attempt in flight that failed, a new event, a redelivery) has passed none of its gap at all.

/** What resume reads of a pending delivery. */
export interface PausedWait {
  /** Its next attempt's due time as stored (T). */
  nextAttemptAt: number;
  /** When its current wait began (W): its last attempt's end, or its creation if never tried. */
  waitBegan: number;
}

/**
 * The due time after a resume at `resumedAt` of an endpoint paused at `pausedAt`:
 * R + max(0, T − max(P, W)).
 *
 * @example resumedDueAt({ nextAttemptAt: 1_800, waitBegan: 0 }, 1_000, 5_000) // 5_800: 800 ms left
 */
export function resumedDueAt(wait: PausedWait, pausedAt: number, resumedAt: number): number {
  const stoppedAt = Math.max(pausedAt, wait.waitBegan);
  return resumedAt + Math.max(0, wait.nextAttemptAt - stoppedAt);
}

/** Who a pause is recorded as: how the request authenticated, and the actor it named, if any. */
export function pausedBy(auth: string, actor: string | undefined): string {
  return actor === undefined || actor === '' ? auth : `${auth}:${actor}`;
}
