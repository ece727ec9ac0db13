// The token bucket and its budgets on a fake clock: time only moves when the test says so.
import { describe, expect, it } from 'vitest';
import { type LimiterClock, RateLimiter } from './rate-limiter.js';

class FakeClock implements LimiterClock {
  t = 1_000_000;
  readonly sleeps: number[] = [];
  private pending: { at: number; resolve: () => void }[] = [];

  now(): number {
    return this.t;
  }

  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    return new Promise((resolve) => this.pending.push({ at: this.t + ms, resolve }));
  }

  /** Moves time forward and wakes every sleeper that is due, then lets them run. */
  async advance(ms: number): Promise<void> {
    this.t += ms;
    const due = this.pending.filter((p) => p.at <= this.t);
    this.pending = this.pending.filter((p) => p.at > this.t);
    for (const p of due) p.resolve();
    await settle();
  }

  get sleeping(): number {
    return this.pending.length;
  }
}

/** Lets every queued promise callback run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Tracks whether a promise has resolved yet, and to what. */
function track<T>(promise: Promise<T>) {
  const state: { done: boolean; value?: T } = { done: false };
  promise.then((value) => {
    state.done = true;
    state.value = value;
  });
  return state;
}

async function drain(limiter: RateLimiter, n: number) {
  for (let i = 0; i < n; i++) expect(await limiter.acquire(0)).toBe(true);
}

describe('RateLimiter', () => {
  it('lets 60 requests through at once, without sleeping', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter(60, clock);
    await drain(limiter, 60);
    expect(clock.sleeps).toEqual([]);
    expect(limiter.waitFor()).toBe(1000);
  });

  it('makes the 61st wait about one second', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter(60, clock);
    await drain(limiter, 60);
    const sixtyFirst = track(limiter.acquire(5_000));
    await settle();
    expect(sixtyFirst.done).toBe(false);
    expect(clock.sleeps).toEqual([1000]);
    await clock.advance(999);
    expect(sixtyFirst.done).toBe(false);
    await clock.advance(1);
    expect(sixtyFirst).toEqual({ done: true, value: true });
    // The token it waited for is spent: the next one waits a full second again.
    expect(limiter.waitFor()).toBe(1000);
  });

  it('acquire(maxWait) answers false at once, taking nothing, when the wait is longer', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter(60, clock);
    await drain(limiter, 60);
    const before = clock.now();
    expect(await limiter.acquire(999)).toBe(false);
    expect(await limiter.acquire(0)).toBe(false);
    expect(clock.sleeps).toEqual([]);
    expect(clock.now()).toBe(before);
    // Nothing was consumed by the refusals.
    expect(limiter.waitFor()).toBe(1000);
  });

  it('refills at the per-minute rate and never above the burst size', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter(60, clock);
    await drain(limiter, 60);
    await clock.advance(30_000);
    await drain(limiter, 30);
    expect(await limiter.acquire(0)).toBe(false);
    await clock.advance(10 * 60_000);
    await drain(limiter, 60);
    expect(await limiter.acquire(0)).toBe(false);
  });

  it('concurrent waiters do not share one token', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter(60, clock);
    await drain(limiter, 60);
    const a = track(limiter.acquire(5_000));
    const b = track(limiter.acquire(5_000));
    await settle();
    await clock.advance(1000);
    // Exactly one got the token that refilled; the other is waiting for the next.
    expect([a.done, b.done].filter(Boolean)).toHaveLength(1);
    expect(clock.sleeping).toBe(1);
    await clock.advance(1000);
    expect(a).toEqual({ done: true, value: true });
    expect(b).toEqual({ done: true, value: true });
  });

  it('pause() after a 1429 blocks every request until it ends', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter(60, clock);
    expect(await limiter.acquire(0)).toBe(true);
    limiter.pause(60_000);
    expect(limiter.waitFor()).toBe(60_000);
    expect(await limiter.acquire(5_000)).toBe(false);
    expect(clock.sleeps).toEqual([]);
    await clock.advance(59_000);
    expect(limiter.waitFor()).toBe(1_000);
    expect(await limiter.acquire(0)).toBe(false);
    const waiter = track(limiter.acquire(5_000));
    await settle();
    expect(waiter.done).toBe(false);
    await clock.advance(1_000);
    expect(waiter).toEqual({ done: true, value: true });
  });

  it('a shorter pause never shortens a longer one', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter(60, clock);
    limiter.pause(60_000);
    limiter.pause(5_000);
    expect(limiter.waitFor()).toBe(60_000);
  });

  it('honours other limits than 60', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter(6, clock);
    await drain(limiter, 6);
    expect(limiter.waitFor()).toBe(10_000);
  });

  describe('budgets: creation, then callbacks, then the reconciler', () => {
    it('callbacks leave the creation reserve; the reconciler leaves both reserves', async () => {
      const clock = new FakeClock();
      const limiter = new RateLimiter(60, clock, { create: 10, callback: 20 });
      for (let i = 0; i < 30; i++) expect(await limiter.acquire(0, 'reconcile')).toBe(true);
      expect(await limiter.acquire(0, 'reconcile')).toBe(false);
      for (let i = 0; i < 20; i++) expect(await limiter.acquire(0, 'callback')).toBe(true);
      expect(await limiter.acquire(0, 'callback')).toBe(false);
      expect(limiter.waitFor('callback')).toBe(1000);
      expect(limiter.waitFor('reconcile')).toBe(21_000);
      // The reserve is creation's alone.
      for (let i = 0; i < 10; i++) expect(await limiter.acquire(0, 'create')).toBe(true);
      expect(await limiter.acquire(0, 'create')).toBe(false);
    });

    it('under a callback flood, creation is served first and at once from its reserve', async () => {
      const clock = new FakeClock();
      const limiter = new RateLimiter(60, clock);
      // The flood: callbacks take everything they may, and keep coming back for more.
      let callbacks = 0;
      let stop = false;
      const flood = async () => {
        while (!stop) {
          if (await limiter.acquire(5_000, 'callback')) callbacks++;
          else await clock.sleep(1000);
        }
      };
      const floods = [flood(), flood(), flood()];
      await settle();
      expect(callbacks).toBe(50);
      // Ten creations in a row are served without waiting, during the flood.
      for (let i = 0; i < 10; i++) expect(await limiter.acquire(0, 'create')).toBe(true);
      // Over the next minute the flood only gets the tokens above creation's reserve: the
      // bucket refills to the reserve first, and the reserve is there again at the end.
      for (let s = 0; s < 60; s++) await clock.advance(1000);
      expect(callbacks).toBe(50 + 60 - 10);
      expect(limiter.waitFor('create')).toBe(0);
      for (let i = 0; i < 10; i++) expect(await limiter.acquire(0, 'create')).toBe(true);
      stop = true;
      await clock.advance(60_000);
      await Promise.all(floods);
    });

    it('refuses reserves that leave the reconciler nothing', () => {
      expect(() => new RateLimiter(60, new FakeClock(), { create: 30, callback: 30 })).toThrow(RangeError);
      expect(() => new RateLimiter(60, new FakeClock(), { create: -1 })).toThrow(RangeError);
      expect(new RateLimiter(6, new FakeClock()).waitFor('reconcile')).toBe(0);
    });
  });
});
