// A token bucket for MixPay's per-client limit (60 requests a minute), which also
// pauses everything when the server says 1429. The one budget is shared by priority:
// creating payments may spend every token, callbacks leave a reserve for creation, the
// reconciler leaves a reserve for both; so a flood of callbacks cannot stop the shop
// from taking orders, and a long reconciling pass cannot make callbacks wait.

export interface LimiterClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realLimiterClock: LimiterClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Who spends a request, highest priority first. */
export type Budget = 'create' | 'callback' | 'reconcile';

/**
 * Tokens kept back from the lower priorities: `create` are never spent by callbacks or the
 * reconciler, `callback` never by the reconciler. Defaults: a sixth and a third of the limit
 * (10 and 20 of 60), so the reconciler only gets the bucket's top half.
 */
export interface BudgetReserves {
  create?: number;
  callback?: number;
}

export class RateLimiter {
  private tokens: number;
  private updatedAt: number;
  private pausedUntil = 0;
  private readonly floors: Record<Budget, number>;

  constructor(
    private readonly perMinute: number,
    private readonly clock: LimiterClock = realLimiterClock,
    reserves: BudgetReserves = {},
  ) {
    this.tokens = perMinute;
    this.updatedAt = clock.now();
    const create = reserves.create ?? Math.floor(perMinute / 6);
    const callback = reserves.callback ?? Math.floor(perMinute / 3);
    if (!(create >= 0 && callback >= 0 && create + callback < perMinute)) {
      throw new RangeError(
        `reserves (create ${create}, callback ${callback}) must be non-negative and leave the reconciler part of ${perMinute}`,
      );
    }
    this.floors = { create: 0, callback: create, reconcile: create + callback };
  }

  /** How long the next request of `budget` would have to wait, without taking a token. */
  waitFor(budget: Budget = 'create'): number {
    this.refill();
    const now = this.clock.now();
    const pause = Math.max(0, this.pausedUntil - now);
    const needed = this.floors[budget] + 1;
    const deficit = this.tokens >= needed ? 0 : ((needed - this.tokens) * 60_000) / this.perMinute;
    return Math.max(pause, Math.ceil(deficit));
  }

  /**
   * Takes a token for `budget`, waiting up to `maxWaitMs` for one. Returns false, having waited
   * for nothing, when the wait would be longer: a callback handler must not hang for a minute.
   */
  async acquire(maxWaitMs: number, budget: Budget = 'create'): Promise<boolean> {
    for (;;) {
      const wait = this.waitFor(budget);
      if (wait === 0) {
        this.tokens -= 1;
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
    this.tokens = 0;
    this.updatedAt = this.clock.now();
  }

  private refill(): void {
    const now = this.clock.now();
    const elapsed = now - this.updatedAt;
    if (elapsed > 0) {
      this.tokens = Math.min(this.perMinute, this.tokens + (elapsed * this.perMinute) / 60_000);
      this.updatedAt = now;
    }
  }
}
