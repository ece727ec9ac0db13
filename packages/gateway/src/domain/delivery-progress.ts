// Where a delivery stands on its schedule, as the dashboard says it: the next attempt's number out
// of the schedule's and the earliest it can give up, or when it ended. Pure: the page passes the
// schedule and the last attempt's end.
import { givesUpAt, type RetrySchedule } from '@payhook/protocol';
import type { Delivery } from '../interfaces.js';

export type DeliveryProgress =
  /** Pending: attempt `attemptNo` of `of` is due at `dueAt`; if it and every later one fail, it
   * gives up at `givesUpAt` at the earliest (each attempt taken to last no time at all). */
  | { kind: 'pending'; attemptNo: number; of: number; dueAt: number; givesUpAt: number }
  | { kind: 'delivered' | 'exhausted'; attempts: number; at: number };

export function deliveryProgress(
  delivery: Pick<Delivery, 'state' | 'attempts' | 'nextAttemptAt' | 'updatedAt'>,
  lastEndedAt: number | null,
  schedule: RetrySchedule,
): DeliveryProgress {
  const { state, attempts } = delivery;
  if (state !== 'pending') return { kind: state, attempts, at: lastEndedAt ?? delivery.updatedAt };
  const dueAt = delivery.nextAttemptAt ?? delivery.updatedAt;
  // A schedule shortened since the delivery began: the attempt due is its last.
  const of = Math.max(schedule.length, attempts + 1);
  return {
    kind: 'pending',
    attemptNo: attempts + 1,
    of,
    dueAt,
    givesUpAt: givesUpAt(schedule, attempts, dueAt) ?? dueAt,
  };
}
