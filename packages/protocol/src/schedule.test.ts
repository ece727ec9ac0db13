// The retry schedule is configuration (so tests can compress time) with MixPay's schedule as default.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RETRY_SCHEDULE_SECONDS,
  firstAttemptDelay,
  givesUpAt,
  nextAttemptAt,
  parseRetrySchedule,
  ScheduleParseError,
  scheduleFromSeconds,
} from './schedule.js';

const MIXPAY = scheduleFromSeconds(DEFAULT_RETRY_SCHEDULE_SECONDS);

describe('DEFAULT_RETRY_SCHEDULE_SECONDS', () => {
  it("is MixPay's documented schedule: 10 attempts", () => {
    expect(DEFAULT_RETRY_SCHEDULE_SECONDS).toEqual([0, 15, 15, 30, 180, 1800, 1800, 1800, 1800, 3600]);
  });
});

describe('parseRetrySchedule', () => {
  it('parses the default schedule into milliseconds', () => {
    expect(parseRetrySchedule('0,15,15,30,180,1800,1800,1800,1800,3600')).toEqual(MIXPAY);
    expect(MIXPAY[9]).toBe(3_600_000);
  });

  it('accepts fractions of a second, so tests can compress three hours', () => {
    expect(parseRetrySchedule('0,0.05,0.1,1.5')).toEqual([0, 50, 100, 1500]);
  });

  it('tolerates spaces around entries', () => {
    expect(parseRetrySchedule(' 0 , 15 ,30')).toEqual([0, 15_000, 30_000]);
  });

  it('accepts a single entry (one attempt only)', () => {
    expect(parseRetrySchedule('5')).toEqual([5000]);
  });

  it.each(['', ' ', '1,,2', '1,2,', ',1'])('rejects empty entries in %j', (text) => {
    expect(() => parseRetrySchedule(text)).toThrow(ScheduleParseError);
  });

  it.each(['-1', 'abc', '1,abc', '1e3', '0x10', '1.', '.5', 'Infinity'])(
    'rejects %j, which is not a non-negative number of seconds',
    (text) => {
      expect(() => parseRetrySchedule(text)).toThrow(/not a non-negative number of seconds/);
    },
  );

  it('names the bad entry in the message', () => {
    expect(() => parseRetrySchedule('0,15,abc')).toThrow('"abc"');
  });
});

describe('firstAttemptDelay', () => {
  it('is the first entry, or 0 for an empty schedule', () => {
    expect(firstAttemptDelay(MIXPAY)).toBe(0);
    expect(firstAttemptDelay([2000, 3000])).toBe(2000);
    expect(firstAttemptDelay([])).toBe(0);
  });
});

describe('nextAttemptAt', () => {
  const t0 = 1_000_000;

  it('adds the delay of the next attempt to when the last one ended', () => {
    expect(nextAttemptAt(MIXPAY, 0, t0)).toBe(t0);
    expect(nextAttemptAt(MIXPAY, 1, t0)).toBe(t0 + 15_000);
    expect(nextAttemptAt(MIXPAY, 4, t0)).toBe(t0 + 180_000);
    expect(nextAttemptAt(MIXPAY, 9, t0)).toBe(t0 + 3_600_000);
  });

  it('spaces attempt 1 and attempt 10 by 11,040 s when each attempt takes no time', () => {
    // Attempt 1 is due at the event; each later attempt is due a delay after the previous ended.
    let at = nextAttemptAt(MIXPAY, 0, t0);
    const times: number[] = [];
    for (let done = 1; at !== null; done++) {
      times.push(at);
      at = nextAttemptAt(MIXPAY, done, at);
    }
    expect(times).toHaveLength(10);
    expect((times[9] ?? 0) - (times[0] ?? 0)).toBe(11_040_000);
  });

  it('returns null after the 10th failed attempt: the delivery is exhausted', () => {
    expect(nextAttemptAt(MIXPAY, 10, t0)).toBeNull();
    expect(nextAttemptAt(MIXPAY, 11, t0)).toBeNull();
  });

  it('follows a custom schedule and its length', () => {
    const schedule = parseRetrySchedule('0,0.05');
    expect(nextAttemptAt(schedule, 1, t0)).toBe(t0 + 50);
    expect(nextAttemptAt(schedule, 2, t0)).toBeNull();
  });
});

describe('givesUpAt', () => {
  it("is 3 h 04 min after the first attempt is due on MixPay's schedule when every attempt fails at once", () => {
    // 0 + 15 + 15 + 30 + 180 + 4 × 1800 + 3600 seconds after the first attempt is due.
    expect(givesUpAt(MIXPAY, 0, 0)).toBe((15 + 15 + 30 + 180 + 4 * 1800 + 3600) * 1000);
  });

  it('counts only the gaps still ahead, and each remaining attempt once at attemptMs', () => {
    // After 8 failures: attempt 9 due at 1000, attempt 10 one hour after attempt 9 ends.
    expect(givesUpAt(MIXPAY, 8, 1000)).toBe(1000 + 3600_000);
    expect(givesUpAt(MIXPAY, 8, 1000, 30_000)).toBe(1000 + 30_000 + 3600_000 + 30_000);
    expect(givesUpAt(MIXPAY, 9, 5000, 30_000)).toBe(5000 + 30_000);
  });

  it('is null once the schedule is used up', () => {
    expect(givesUpAt(MIXPAY, 10, 0)).toBeNull();
  });
});
