// MixPay's per-client limit (60 requests a minute) as a sliding window: at most that many
// requests in any minute, so whatever window the server counts in, it never has to say 1429
// (and when it does anyway, everything pauses). The one budget is shared by priority:
// creating payments may use the whole limit, callbacks leave a reserve for creation, the
// reconciler leaves a reserve for both; so a flood of callbacks cannot stop the shop
// from taking orders, and a long reconciling pass cannot make callbacks wait.

import type { Clock } from '@payhook/protocol';

/** A Clock that can also wait: the limiter sleeps until a request may go. */
export interface LimiterClock extends Clock {
  sleep(ms: number): Promise<void>;
}

export const realLimiterClock: LimiterClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Who spends a request, highest priority first. */
export type Budget = 'create' | 'callback' | 'reconcile';

/**
 * Requests a minute kept back from the lower priorities: `create` are never spent by callbacks
 * or the reconciler, `callback` never by the reconciler. Defaults: a sixth of the limit each
 * (10 and 10 of 60): the reconciler's default pass (30 orders a minute) fits in what it may
 * use (40), and whatever it does, callbacks and creation keep 20 of every minute.
 */
export interface BudgetReserves {
  create?: number;
  callback?: number;
}

/** A minute, and a second for the way to the server: its clock counts arrivals, ours departures. */
export const RATE_WINDOW_MS = 61_000;

export class RateLimiter {
  /** When each request of the last window was let through, oldest first. */
  private readonly sent: number[] = [];
  private pausedUntil = 0;
  private readonly floors: Record<Budget, number>;

  constructor(
    private readonly perMinute: number,
    private readonly clock: LimiterClock = realLimiterClock,
    reserves: BudgetReserves = {},
  ) {
    const create = reserves.create ?? Math.floor(perMinute / 6);
    const callback = reserves.callback ?? Math.floor(perMinute / 6);
    if (!(create >= 0 && callback >= 0 && create + callback < perMinute)) {
      throw new RangeError(
        `reserves (create ${create}, callback ${callback}) must be non-negative and leave the reconciler part of ${perMinute}`,
      );
    }
    this.floors = { create: 0, callback: create, reconcile: create + callback };
  }

  /** How long the next request of `budget` would have to wait, without taking a slot. */
  waitFor(budget: Budget = 'create'): number {
    const now = this.clock.now();
    while (this.sent.length > 0 && (this.sent[0] as number) + RATE_WINDOW_MS <= now) this.sent.shift();
    const pause = Math.max(0, this.pausedUntil - now);
    // Free slots for this budget once `excess` of the oldest requests have left the window.
    const excess = this.sent.length - (this.perMinute - this.floors[budget] - 1);
    const slot = excess <= 0 ? 0 : (this.sent[excess - 1] as number) + RATE_WINDOW_MS - now;
    return Math.max(pause, slot);
  }

  /**
   * Takes a slot for `budget`, waiting up to `maxWaitMs` for one. Returns false, having waited
   * for nothing, when the wait would be longer: a callback handler must not hang for a minute.
   */
  async acquire(maxWaitMs: number, budget: Budget = 'create'): Promise<boolean> {
    for (;;) {
      const wait = this.waitFor(budget);
      if (wait === 0) {
        this.sent.push(this.clock.now());
        return true;
      }
      if (wait > maxWaitMs) return false;
      await this.clock.sleep(wait);
      maxWaitMs -= wait;
    }
  }

  /** The server answered 1429: nobody sends until `ms` has passed. */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.clock.now() + ms);
  }
}
