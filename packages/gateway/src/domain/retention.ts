// Attempt retention, as rules: which recorded attempts may be pruned, and when. Pure: the store
// runs these rules as SQL (storage/sql/retention.ts) and the tests hold its result against them.
//
// An attempt may go once it ended before the cutoff (now − retention), unless it is its delivery's
// last attempt (`attemptNo === delivery.attempts`): that one says what the receiver answered last,
// so the delivery's outcome keeps its evidence however old. Deliveries themselves are never
// pruned: their state is the outcome.

/** Where retention is off: every attempt is kept. */
export const KEEP_EVERYTHING = 0;

/** The instant before which attempts may be pruned, or null when retention keeps everything. */
export function retentionCutoff(now: number, retentionMs: number): number | null {
  if (retentionMs <= KEEP_EVERYTHING) return null;
  return now - retentionMs;
}

/** Whether an attempt may be pruned at `cutoff`, given how many attempts its delivery has made. */
export function isPrunable(
  attempt: { attemptNo: number; endedAt: number },
  delivery: { attempts: number },
  cutoff: number | null,
): boolean {
  if (cutoff === null) return false;
  return attempt.endedAt < cutoff && attempt.attemptNo < delivery.attempts;
}
