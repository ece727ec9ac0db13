import { givesUpAt } from '@payhook/protocol';
import { describe, expect, it } from 'vitest';
import { exhaustionForecast } from './endpoint-forecast.js';

// MixPay's schedule in ms.
const SCHEDULE = [0, 15, 15, 30, 180, 1800, 1800, 1800, 1800, 3600].map((s) => s * 1000);
const TIMEOUT = 10_000;

describe('exhaustionForecast', () => {
  it('is null without retrying deliveries', () => {
    expect(exhaustionForecast([], SCHEDULE, TIMEOUT)).toBeNull();
  });

  it('spans the earliest delivery failing fast to the latest taking every timeout', () => {
    const groups = [
      { attempts: 1, count: 3, earliestDue: 1_000, latestDue: 5_000 },
      { attempts: 9, count: 2, earliestDue: 2_000, latestDue: 4_000 },
    ];
    const forecast = exhaustionForecast(groups, SCHEDULE, TIMEOUT);
    // After 9 failures only the 10th attempt is left: it gives up when it ends.
    expect(givesUpAt(SCHEDULE, 9, 2_000, 0)).toBe(2_000);
    expect(forecast).toEqual({
      deliveries: 5,
      earliest: 2_000,
      // After 1 failure: attempt 2 at latestDue, then 15+30+180+1800×4+3600 s, 9 attempts of 10 s.
      latest: 5_000 + (15 + 30 + 180 + 4 * 1800 + 3600) * 1000 + 9 * TIMEOUT,
    });
  });

  it('skips groups past the schedule', () => {
    expect(
      exhaustionForecast([{ attempts: 10, count: 4, earliestDue: 1, latestDue: 2 }], SCHEDULE, TIMEOUT),
    ).toBeNull();
  });
});
