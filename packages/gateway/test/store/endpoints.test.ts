// Store contract, endpoints: health folded atomically by several processes at once, the claim
// and the dispatcher's sleep passing over a paused URL, and a resume of a large backlog in one
// statement, seen at once by another process's claim.
import { describe, expect, it } from 'vitest';
import type { EndpointAttempt, EndpointTransition } from '../../src/domain/endpoint-health.js';
import { NOW, seedDelivery, useStore } from './harness.js';

const ctx = useStore();
const URL = 'http://shop.example/callback';
const lease = { leaseMs: 30_000, owner: 'owner-a' };
const thresholds = { failingAfter: 5, autoPauseAfter: 0 };

const failures = (from: number, n: number): EndpointAttempt[] =>
  Array.from({ length: n }, (_, i) => ({
    url: URL,
    host: 'shop.example',
    success: false,
    endedAt: from + i,
    errorClass: 'bad_status',
    statusCode: 500,
    errorMessage: 'HTTP 500',
  }));

describe('recordAttempts', () => {
  it('two processes recording at once lose no failure and raise the failing transition once', async () => {
    const other = await ctx.another();
    const batches = [ctx.store, other, ctx.store, other, ctx.store, other, ctx.store, other].map((store, i) =>
      store.endpoints.recordAttempts(failures(NOW + i * 100, 20), NOW, thresholds),
    );
    const transitions: EndpointTransition[] = (await Promise.all(batches)).flat();
    expect(transitions.map((t) => t.type)).toEqual(['endpoint.failing']);
    const [row] = await ctx.store.endpoints.list({ url: URL });
    expect(row).toMatchObject({ consecutiveFailures: 160, health: 'failing', lastFailureAt: NOW + 719 });
  });
});

describe('pause', () => {
  it('the claim and nextDueAt pass over a paused URL; another process claims as soon as it resumes', async () => {
    const other = await ctx.another();
    const paused = await seedDelivery(ctx.store, { url: URL, nextAttemptAt: NOW - 10 });
    const later = await seedDelivery(ctx.store, { url: URL, nextAttemptAt: NOW + 500 });
    const elsewhere = await seedDelivery(ctx.store, { url: 'http://other.example/cb', nextAttemptAt: NOW - 5 });
    expect(
      (await ctx.store.endpoints.pause(URL, 'shop.example', { at: NOW - 100, by: 'bearer', reason: null })).changed,
    ).toBe(true);

    const claimed = await other.queue.claim({ now: NOW, limit: 10, token: 't1', ...lease });
    expect(claimed.map((d) => d.id)).toEqual([elsewhere.id]);
    expect(await other.queue.nextDueAt(NOW)).toBeNull();

    const resumed = await ctx.store.endpoints.resume(URL, NOW + 1_000);
    expect(resumed).toMatchObject({ changed: true, rescheduled: 2 });
    // Due at NOW - 10 when paused at NOW - 100: 90 ms were left; `later` had 600 ms left.
    expect(await other.queue.nextDueAt(NOW)).toBe(NOW + 1_090);
    const next = await other.queue.claim({ now: NOW + 1_090, limit: 10, token: 't2', ...lease });
    expect(next.map((d) => d.id)).toEqual([paused.id]);
    expect(next[0]?.dueAt).toBe(NOW + 1_090);
    const [row] = await ctx.database.rows<{ next_attempt_at: number }>(
      `select next_attempt_at from deliveries where id = '${later.id}'`,
    );
    expect(Number(row?.next_attempt_at)).toBe(NOW + 1_600);
  });

  it('resumes a backlog of every pending delivery of the URL in one statement, no cap', async () => {
    const n = 300;
    for (let i = 0; i < n; i++) await seedDelivery(ctx.store, { url: URL, nextAttemptAt: NOW + i, attempts: 0 });
    await seedDelivery(ctx.store, { url: URL, state: 'exhausted', nextAttemptAt: null, attempts: 10 });
    await ctx.store.endpoints.pause(URL, 'shop.example', { at: NOW, by: 'bearer', reason: 'test' });
    const resumed = await ctx.store.endpoints.resume(URL, NOW + 60_000);
    expect(resumed.rescheduled).toBe(n);
    const rows = await ctx.database.rows<{ n: number; lo: number; hi: number }>(
      `select count(*) as n, min(next_attempt_at) as lo, max(next_attempt_at) as hi from deliveries where url = '${URL}' and state = 'pending'`,
    );
    // Created at NOW - 1000, each had i ms left of its wait when the pause began.
    expect(rows.map((r) => [Number(r.n), Number(r.lo), Number(r.hi)])).toEqual([
      [n, NOW + 60_000, NOW + 60_000 + n - 1],
    ]);
  });
});
