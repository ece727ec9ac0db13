import { scheduleFromSeconds } from '@payhook/protocol';
import { describe, expect, it } from 'vitest';
import { deliveryProgress } from './delivery-progress.js';

const MIXPAY = scheduleFromSeconds([0, 15, 15, 30, 180, 1800, 1800, 1800, 1800, 3600]);
const T = 1_000_000;

describe('deliveryProgress', () => {
  it('a retrying delivery: the next attempt of the schedule, and the earliest it gives up', () => {
    const p = deliveryProgress(
      { state: 'pending', attempts: 3, nextAttemptAt: T, updatedAt: T - 30_000 },
      T - 30_000,
      MIXPAY,
    );
    // Attempt 4 at T, then 180 + 4×1800 + 3600 s of gaps if each attempt took no time.
    expect(p).toEqual({
      kind: 'pending',
      attemptNo: 4,
      of: 10,
      dueAt: T,
      givesUpAt: T + (180 + 4 * 1800 + 3600) * 1000,
    });
  });

  it('a delivery not tried yet gives up after the whole schedule; one on its last attempt when that fails', () => {
    expect(
      deliveryProgress({ state: 'pending', attempts: 0, nextAttemptAt: T, updatedAt: T }, null, MIXPAY),
    ).toMatchObject({
      attemptNo: 1,
      givesUpAt: T + (15 + 15 + 30 + 180 + 4 * 1800 + 3600) * 1000,
    });
    expect(
      deliveryProgress({ state: 'pending', attempts: 9, nextAttemptAt: T, updatedAt: T }, null, MIXPAY),
    ).toMatchObject({
      attemptNo: 10,
      of: 10,
      givesUpAt: T,
    });
  });

  it('a schedule shortened since the delivery began: the attempt due is its last', () => {
    const short = scheduleFromSeconds([0, 1]);
    expect(deliveryProgress({ state: 'pending', attempts: 4, nextAttemptAt: T, updatedAt: T }, null, short)).toEqual({
      kind: 'pending',
      attemptNo: 5,
      of: 5,
      dueAt: T,
      givesUpAt: T,
    });
  });

  it('a final delivery ended when its last attempt did', () => {
    const done = { attempts: 2, nextAttemptAt: null, updatedAt: T + 5 };
    expect(deliveryProgress({ ...done, state: 'delivered' }, T, MIXPAY)).toEqual({
      kind: 'delivered',
      attempts: 2,
      at: T,
    });
    expect(deliveryProgress({ ...done, state: 'exhausted' }, null, MIXPAY)).toEqual({
      kind: 'exhausted',
      attempts: 2,
      at: T + 5,
    });
  });
});
