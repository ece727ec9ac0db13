// When an endpoint's retrying deliveries give up if every attempt left fails: pure, over the
// store's groups of deliveries by attempts made (one row per attempt count, whatever the number
// of deliveries), with @payhook/protocol's givesUpAt.
import { type ExhaustionForecast, givesUpAt, type RetrySchedule } from '@payhook/protocol';

/** Retrying deliveries with the same number of failed attempts, and their due times' range. */
export interface RetryingGroup {
  attempts: number;
  count: number;
  earliestDue: number;
  latestDue: number;
}

/**
 * The earliest and latest give-up times over `groups`: givesUpAt grows with the due time, so a
 * group's earliest delivery gives up first (each remaining attempt failing at once) and its
 * latest last (each taking the whole `attemptTimeoutMs`). `null` without retrying deliveries.
 */
export function exhaustionForecast(
  groups: readonly RetryingGroup[],
  schedule: RetrySchedule,
  attemptTimeoutMs: number,
): ExhaustionForecast | null {
  let deliveries = 0;
  let earliest = Number.POSITIVE_INFINITY;
  let latest = Number.NEGATIVE_INFINITY;
  for (const g of groups) {
    const first = givesUpAt(schedule, g.attempts, g.earliestDue, 0);
    const last = givesUpAt(schedule, g.attempts, g.latestDue, attemptTimeoutMs);
    if (first === null || last === null || g.count === 0) continue;
    deliveries += g.count;
    earliest = Math.min(earliest, first);
    latest = Math.max(latest, last);
  }
  return deliveries === 0 ? null : { deliveries, earliest, latest };
}
