// The retry schedule: plain data plus pure arithmetic over it.

/**
 * MixPay's schedule, in seconds: attempt k is due `schedule[k-1]` seconds after
 * attempt k-1 ended (attempt 1 right after the event). Its length is the number
 * of attempts; after the last one fails the delivery is exhausted.
 */
export const DEFAULT_RETRY_SCHEDULE_SECONDS: readonly number[] = [0, 15, 15, 30, 180, 1800, 1800, 1800, 1800, 3600];

/** A schedule in milliseconds, the unit the dispatcher and the store use. */
export type RetrySchedule = readonly number[];

export class ScheduleParseError extends Error {
  override readonly name = 'ScheduleParseError';
}

/**
 * Parses `PAYHOOK_RETRY_SCHEDULE`: comma-separated seconds, fractions allowed
 * (`0,0.05,0.1` compresses three hours into a test run).
 */
export function parseRetrySchedule(text: string): RetrySchedule {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length === 0 || parts.some((p) => p === '')) {
    throw new ScheduleParseError(`retry schedule "${text}" must be comma-separated seconds, e.g. 0,15,15,30`);
  }
  return parts.map((p) => {
    if (!/^\d+(\.\d+)?$/.test(p)) {
      throw new ScheduleParseError(`retry schedule entry "${p}" is not a non-negative number of seconds`);
    }
    return Math.round(Number(p) * 1000);
  });
}

export function scheduleFromSeconds(seconds: readonly number[]): RetrySchedule {
  return seconds.map((s) => Math.round(s * 1000));
}

/** The delay before the first attempt, counted from the event. */
export function firstAttemptDelay(schedule: RetrySchedule): number {
  return schedule[0] ?? 0;
}

/**
 * When the attempt after `attemptsDone` failed attempts is due, or `null` when
 * the schedule is used up and the delivery is exhausted.
 */
export function nextAttemptAt(schedule: RetrySchedule, attemptsDone: number, lastEndedAt: number): number | null {
  const delay = schedule[attemptsDone];
  return delay === undefined ? null : lastEndedAt + delay;
}

/**
 * When a pending delivery gives up if every attempt it has left fails: its next attempt is due at
 * `nextAttemptAt` after `attemptsDone` failed ones, each later one `schedule[k]` after the one
 * before ended. `attemptMs` is how long each remaining attempt is taken to last (0: the earliest
 * it can give up; the attempt timeout: the latest). The endpoint health forecast and the
 * dashboard's "gives up at" read it; a paused endpoint's deliveries do not give up until resumed.
 */
export function givesUpAt(
  schedule: RetrySchedule,
  attemptsDone: number,
  nextAttemptAt: number,
  attemptMs = 0,
): number | null {
  if (attemptsDone >= schedule.length) return null;
  let at = nextAttemptAt + attemptMs;
  for (let k = attemptsDone + 1; k < schedule.length; k++) at += (schedule[k] ?? 0) + attemptMs;
  return at;
}
