// Per-minute attempt counters of each callback URL: pure. recordAttempts adds a batch's counts to
// its minutes' rows (one upsert per URL and minute, in the batch's transaction) and the health
// read sums the minutes of its window, so a read costs URLs × 60 rows however many attempts
// there were. An attempt counts in the minute it ended in.
import type { EndpointAttempt } from './endpoint-health.js';

export const MINUTE_MS = 60_000;

/**
 * How long a minute's counters are kept after it ended: twice the read's hour, so a process
 * whose clock runs behind still finds its window whole.
 */
export const MINUTES_KEPT_MS = 2 * 3_600_000;

/** The start of the minute `at` falls in. */
export function minuteOf(at: number): number {
  return Math.floor(at / MINUTE_MS) * MINUTE_MS;
}

/** One URL's attempts of one minute, as a batch adds them to its row. */
export interface MinuteCount {
  url: string;
  host: string;
  minute: number;
  attempts: number;
  succeeded: number;
}

/**
 * A batch's attempts counted per URL and minute, in (url, minute) order: the order the rows are
 * written in, so two processes never wait on each other in a circle, and one row each, as
 * PostgreSQL's `on conflict do update` needs.
 */
export function minuteCounts(attempts: readonly EndpointAttempt[]): MinuteCount[] {
  const counts = new Map<string, MinuteCount>();
  for (const a of attempts) {
    const minute = minuteOf(a.endedAt);
    const key = `${minute}\u0000${a.url}`;
    let c = counts.get(key);
    if (!c) {
      c = { url: a.url, host: a.host, minute, attempts: 0, succeeded: 0 };
      counts.set(key, c);
    }
    c.attempts += 1;
    if (a.success) c.succeeded += 1;
  }
  return [...counts.values()].sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : a.minute - b.minute));
}
