// The sliding window and its budgets on a fake clock: time only moves when the test says so.
import { describe, expect, it } from 'vitest';
import { type BudgetReserves, type LimiterClock, RATE_WINDOW_MS, RateLimiter } from './rate-limiter.js';

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

/** A limiter of `limit` requests per window whose time only moves when the test says so. */
function onFakeClock(limit = 60, budgets?: BudgetReserves) {
  const clock = new FakeClock();
  return { clock, limiter: new RateLimiter(limit, clock, budgets) };
}

async function drain(limiter: RateLimiter, n: number) {
  for (let i = 0; i < n; i++) expect(await limiter.acquire(0)).toBe(true);
}

describe('RateLimiter', () => {
  it('lets 60 requests through at once, without sleeping; the 61st waits for the first to leave the window', async () => {
    const { clock, limiter } = onFakeClock();
    await drain(limiter, 60);
    expect(clock.sleeps).toEqual([]);
    expect(limiter.waitFor()).toBe(RATE_WINDOW_MS);
  });

  it('never lets more than 60 through in any minute, however they are spread', async () => {
    const { clock, limiter } = onFakeClock();
    const times: number[] = [];
    // Someone asks every 250 ms for five minutes.
    for (let i = 0; i < 1200; i++) {
      if (await limiter.acquire(0)) times.push(clock.now());
      await clock.advance(250);
    }
    for (const t of times) expect(times.filter((u) => u >= t && u < t + 60_000).length).toBeLessThanOrEqual(60);
    // And it is not stingy: about 60 per window of 61 s.
    expect(times.length).toBeGreaterThanOrEqual(Math.floor((1200 * 250) / RATE_WINDOW_MS) * 60);
  });

  it('a slot comes back exactly when its request is a window old', async () => {
    const { clock, limiter } = onFakeClock();
    await drain(limiter, 30);
    await clock.advance(30_000);
    await drain(limiter, 30);
    expect(await limiter.acquire(0)).toBe(false);
    const sixtyFirst = track(limiter.acquire(40_000));
    await settle();
    expect(clock.sleeps).toEqual([RATE_WINDOW_MS - 30_000]);
    await clock.advance(RATE_WINDOW_MS - 30_000 - 1);
    expect(sixtyFirst.done).toBe(false);
    await clock.advance(1);
    expect(sixtyFirst).toEqual({ done: true, value: true });
    // The other 29 of the first half are free now too; then the second half's wait.
    await drain(limiter, 29);
    expect(limiter.waitFor()).toBe(30_000);
  });

  it('acquire(maxWait) answers false at once, taking nothing, when the wait is longer', async () => {
    const { clock, limiter } = onFakeClock();
    await drain(limiter, 60);
    const before = clock.now();
    expect(await limiter.acquire(RATE_WINDOW_MS - 1)).toBe(false);
    expect(await limiter.acquire(0)).toBe(false);
    expect(clock.sleeps).toEqual([]);
    expect(clock.now()).toBe(before);
    // Nothing was consumed by the refusals.
    await clock.advance(RATE_WINDOW_MS);
    await drain(limiter, 60);
  });

  it('concurrent waiters do not share one slot', async () => {
    const { clock, limiter } = onFakeClock();
    await drain(limiter, 59);
    await clock.advance(1000);
    await drain(limiter, 1);
    const a = track(limiter.acquire(RATE_WINDOW_MS));
    const b = track(limiter.acquire(RATE_WINDOW_MS));
    await settle();
    await clock.advance(RATE_WINDOW_MS - 1000);
    // 59 slots came back: both waiters got one.
    expect(a).toEqual({ done: true, value: true });
    expect(b).toEqual({ done: true, value: true });
    await drain(limiter, 57);
    const c = track(limiter.acquire(RATE_WINDOW_MS));
    const d = track(limiter.acquire(RATE_WINDOW_MS));
    await settle();
    await clock.advance(1000);
    // One slot came back (the 60th request): exactly one of the two has it.
    expect([c.done, d.done].filter(Boolean)).toHaveLength(1);
    expect(clock.sleeping).toBe(1);
  });

  it('pause() after a 1429 blocks every request until it ends', async () => {
    const { clock, limiter } = onFakeClock();
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
    const { limiter } = onFakeClock();
    limiter.pause(60_000);
    limiter.pause(5_000);
    expect(limiter.waitFor()).toBe(60_000);
  });

  it('honours other limits than 60', async () => {
    const { limiter } = onFakeClock(6);
    await drain(limiter, 6);
    expect(await limiter.acquire(0)).toBe(false);
    expect(limiter.waitFor()).toBe(RATE_WINDOW_MS);
  });

  describe('budgets: creation, then callbacks, then the reconciler', () => {
    it('callbacks leave the creation reserve; the reconciler leaves both reserves', async () => {
      const { limiter } = onFakeClock(60, { create: 10, callback: 20 });
      for (let i = 0; i < 30; i++) expect(await limiter.acquire(0, 'reconcile')).toBe(true);
      expect(await limiter.acquire(0, 'reconcile')).toBe(false);
      for (let i = 0; i < 20; i++) expect(await limiter.acquire(0, 'callback')).toBe(true);
      expect(await limiter.acquire(0, 'callback')).toBe(false);
      // The reserve is creation's alone.
      for (let i = 0; i < 10; i++) expect(await limiter.acquire(0, 'create')).toBe(true);
      expect(await limiter.acquire(0, 'create')).toBe(false);
    });

    it('under a callback flood, creation is served at once from its reserve, minute after minute', async () => {
      const { clock, limiter } = onFakeClock();
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
      let created = 0;
      for (let s = 0; s < 5 * 60; s++) {
        // A creation every 10 s, each served without waiting.
        if (s % 10 === 0) {
          expect(limiter.waitFor('create')).toBe(0);
          expect(await limiter.acquire(0, 'create')).toBe(true);
          created++;
        }
        await clock.advance(1000);
      }
      // Together they never went over the limit: callbacks had the rest.
      const minutes = (5 * 60_000) / RATE_WINDOW_MS;
      expect(created + callbacks).toBeLessThanOrEqual(Math.ceil(minutes + 1) * 60);
      expect(callbacks).toBeGreaterThan(Math.floor(minutes) * 50 - created);
      stop = true;
      await clock.advance(RATE_WINDOW_MS);
      await Promise.all(floods);
    });

    it('the reconciler waits while callbacks are busy and gets the quiet minutes', async () => {
      const { clock, limiter } = onFakeClock();
      // Defaults: 10 kept for creation, 10 more for callbacks.
      for (let i = 0; i < 40; i++) expect(await limiter.acquire(0, 'callback')).toBe(true);
      expect(await limiter.acquire(0, 'reconcile')).toBe(false);
      expect(limiter.waitFor('reconcile')).toBe(RATE_WINDOW_MS);
      await clock.advance(RATE_WINDOW_MS);
      for (let i = 0; i < 40; i++) expect(await limiter.acquire(0, 'reconcile')).toBe(true);
      expect(await limiter.acquire(0, 'reconcile')).toBe(false);
      for (let i = 0; i < 10; i++) expect(await limiter.acquire(0, 'callback')).toBe(true);
      expect(await limiter.acquire(0, 'callback')).toBe(false);
      expect(await limiter.acquire(0, 'create')).toBe(true);
    });

    it('refuses reserves that leave the reconciler nothing', () => {
      expect(() => new RateLimiter(60, new FakeClock(), { create: 30, callback: 30 })).toThrow(RangeError);
      expect(() => new RateLimiter(60, new FakeClock(), { create: -1 })).toThrow(RangeError);
      expect(new RateLimiter(6, new FakeClock()).waitFor('reconcile')).toBe(0);
    });
  });
});
