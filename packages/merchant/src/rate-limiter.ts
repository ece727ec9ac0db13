// A token bucket for MixPay's per-client limit (60 requests a minute), which also
// pauses everything when the server says 1429.

export interface LimiterClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realLimiterClock: LimiterClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export class RateLimiter {
  private tokens: number;
  private updatedAt: number;
  private pausedUntil = 0;

  constructor(
    private readonly perMinute: number,
    private readonly clock: LimiterClock = realLimiterClock,
  ) {
    this.tokens = perMinute;
    this.updatedAt = clock.now();
  }

  /** How long the next request would have to wait, without taking a token. */
  waitFor(): number {
    this.refill();
    const now = this.clock.now();
    const pause = Math.max(0, this.pausedUntil - now);
    const deficit = this.tokens >= 1 ? 0 : ((1 - this.tokens) * 60_000) / this.perMinute;
    return Math.max(pause, Math.ceil(deficit));
  }

  /**
   * Takes a token, waiting up to `maxWaitMs` for one. Returns false, having waited for
   * nothing, when the wait would be longer: a callback handler must not hang for a minute.
   */
  async acquire(maxWaitMs: number): Promise<boolean> {
    for (;;) {
      const wait = this.waitFor();
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
