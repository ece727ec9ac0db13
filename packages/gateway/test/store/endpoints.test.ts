// Store contract, endpoints: health folded atomically by several processes at once, the
// per-minute attempt counters the health read sums (no count lost between processes, the window's
// edge, old minutes deleted a little at a time), the claim and the dispatcher's sleep passing
// over a paused URL, and a resume of a large backlog in one statement, seen at once by another
// process's claim. Parking: a paused URL's backlog leaves the claim's due indexes, stragglers
// follow, resume restores every gap, and a park racing a resume never strands a delivery.
import { describe, expect, it } from 'vitest';
import type { EndpointAttempt, EndpointTransition } from '../../src/domain/endpoint-health.js';
import { MINUTE_MS, MINUTES_KEPT_MS } from '../../src/domain/endpoint-minutes.js';
import { resumedDueAt } from '../../src/domain/endpoint-pause.js';
import { PARK_BATCH } from '../../src/storage/sql/endpoints.js';
import type { Store } from '../../src/storage/store.js';
import { id, NOW, outcome, seedDelivery, useStore } from './harness.js';

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

const HOUR = 3_600_000;
const attemptAt = (url: string, endedAt: number, success: boolean): EndpointAttempt => ({
  url,
  host: new globalThis.URL(url).host,
  success,
  endedAt,
  errorClass: success ? null : 'bad_status',
  statusCode: success ? 200 : 500,
  errorMessage: success ? null : 'HTTP 500',
});

async function minuteRows(): Promise<[url: string, minute: number, attempts: number, succeeded: number][]> {
  const rows = await ctx.database.rows<{ url: string; minute: number; attempts: number; succeeded: number }>(
    'select url, minute, attempts, succeeded from endpoint_minutes order by minute, url',
  );
  return rows.map((r) => [r.url, Number(r.minute), Number(r.attempts), Number(r.succeeded)]);
}

async function recent(store: Store, since: number) {
  return (await store.endpoints.counts(since, {}))
    .map((c) => [c.url, c.recentAttempts, c.recentSucceeded])
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
}

describe('per-minute attempt counters', () => {
  it('two processes adding to the same minutes at once lose no attempt, and both delete expired minutes', async () => {
    const other = await ctx.another();
    const second = 'http://shop.example/other';
    // Three expired minutes of both URLs, written when they were recent: the batches' deletes race too.
    for (const ago of [5, 4, 3]) {
      const at = NOW - MINUTES_KEPT_MS - ago * MINUTE_MS;
      await ctx.store.endpoints.recordAttempts([attemptAt(URL, at, true), attemptAt(second, at, true)], at, thresholds);
    }
    expect(await minuteRows()).toHaveLength(6);
    // Eight batches, alternating processes, each over the same two URLs and two minutes:
    // 30 attempts a batch, every third a success.
    const batch = (i: number) =>
      Array.from({ length: 30 }, (_, j) =>
        attemptAt(j % 2 === 0 ? URL : second, NOW + (j % 4 < 2 ? 0 : MINUTE_MS) + i * 10 + j, j % 3 === 0),
      );
    await Promise.all(
      [ctx.store, other, ctx.store, other, ctx.store, other, ctx.store, other].map((store, i) =>
        store.endpoints.recordAttempts(batch(i), NOW + MINUTE_MS, thresholds),
      ),
    );
    const all = Array.from({ length: 8 }, (_, i) => batch(i)).flat();
    const expected = (url: string, minute: number) => {
      const mine = all.filter((a) => a.url === url && a.endedAt - (a.endedAt % MINUTE_MS) === minute);
      return [url, minute, mine.length, mine.filter((a) => a.success).length];
    };
    expect(await minuteRows()).toEqual([
      expected(URL, NOW),
      expected(second, NOW),
      expected(URL, NOW + MINUTE_MS),
      expected(second, NOW + MINUTE_MS),
    ]);
    expect(all).toHaveLength(240);
    expect(await recent(other, NOW + MINUTE_MS - HOUR)).toEqual([
      [URL, 120, all.filter((a) => a.url === URL && a.success).length],
      [second, 120, all.filter((a) => a.url === second && a.success).length],
    ]);
  });

  it('counts the minutes from the one the window starts in; older minutes are not counted', async () => {
    const since = NOW + 30_000 - HOUR; // 11:00:30
    await ctx.store.endpoints.recordAttempts(
      [
        attemptAt(URL, since - 30_001, false), // 10:59:59.999: the minute before the window's
        attemptAt(URL, since - 30_000, true), // 11:00:00: the window's first minute, counted whole
        attemptAt(URL, since - 1, false), // 11:00:29.999: before `since`, in its minute
        attemptAt(URL, NOW + 59_999, true), // 12:00:59.999
      ],
      NOW,
      thresholds,
    );
    expect(await recent(ctx.store, since)).toEqual([[URL, 3, 2]]);
    expect(await recent(ctx.store, since + 30_000)).toEqual([[URL, 1, 1]]);
  });

  it('deletes minutes older than MINUTES_KEPT_MS, at most two minutes a batch, and keeps the rest', async () => {
    const cutoff = NOW - MINUTES_KEPT_MS; // 10:00, kept
    const old = [cutoff - 60 * MINUTE_MS, cutoff - 59 * MINUTE_MS, cutoff - 30 * MINUTE_MS];
    // Written when they were recent, each by a batch of its own time (nothing had expired yet).
    for (const at of [...old, cutoff, cutoff + 30 * MINUTE_MS]) {
      await ctx.store.endpoints.recordAttempts([attemptAt(URL, at + 5, false)], at + 5, thresholds);
    }
    expect((await minuteRows()).map((r) => r[1])).toEqual([...old, cutoff, cutoff + 30 * MINUTE_MS]);

    const now = NOW + 10; // 12:00:00.010
    await ctx.store.endpoints.recordAttempts([attemptAt(URL, now - 5, true)], now, thresholds);
    expect((await minuteRows()).map((r) => r[1])).toEqual([old[2], cutoff, cutoff + 30 * MINUTE_MS, NOW]);
    const other = await ctx.another();
    await other.endpoints.recordAttempts([attemptAt(URL, now - 3, true)], now, thresholds);
    expect(await minuteRows()).toEqual([
      [URL, cutoff, 1, 0],
      [URL, cutoff + 30 * MINUTE_MS, 1, 0],
      [URL, NOW, 2, 2],
    ]);
    // The hour's read counts only what ended since 11:00.
    expect(await recent(ctx.store, now - HOUR)).toEqual([[URL, 2, 2]]);
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

interface ParkRow {
  id: string;
  next_attempt_at: number | string | null;
  parked_next_attempt_at: number | string | null;
}

describe('parking', () => {
  const rowsOf = async (url = URL) => {
    const rows = await ctx.database.rows<ParkRow>(
      `select id, next_attempt_at, parked_next_attempt_at from deliveries where url = '${url}' and state = 'pending'`,
    );
    const n = (v: number | string | null) => (v === null ? null : Number(v));
    return new Map(rows.map((r) => [r.id, { next: n(r.next_attempt_at), parked: n(r.parked_next_attempt_at) }]));
  };

  it('a pause parks the backlog out of the due scans; stragglers are parked next; resume restores every gap', async () => {
    const other = await ctx.another();
    const due = await seedDelivery(ctx.store, { url: URL, nextAttemptAt: NOW - 10 });
    const later = await seedDelivery(ctx.store, { url: URL, nextAttemptAt: NOW + 500 });
    const retrying = await seedDelivery(ctx.store, { url: URL, attempts: 2, nextAttemptAt: NOW + 2_000 });
    const inFlight = await seedDelivery(ctx.store, { url: URL, nextAttemptAt: NOW - 20 });
    const elsewhere = await seedDelivery(ctx.store, { url: 'http://other.example/cb', nextAttemptAt: NOW - 5 });
    // inFlight is leased before the pause (claimed first: it is the most overdue).
    const [claimed] = await ctx.store.queue.claim({ now: NOW - 15, limit: 1, token: 'tf', ...lease });
    expect(claimed?.id).toBe(inFlight.id);

    const P = NOW - 5;
    await ctx.store.endpoints.pause(URL, 'shop.example', { at: P, by: 'bearer', reason: null });
    // Every pending, unleased delivery of the URL is out of the due range, its due time held.
    let rows = await rowsOf();
    expect(rows.get(due.id)).toEqual({ next: null, parked: NOW - 10 });
    expect(rows.get(later.id)).toEqual({ next: null, parked: NOW + 500 });
    expect(rows.get(retrying.id)).toEqual({ next: null, parked: NOW + 2_000 });
    expect(rows.get(inFlight.id)).toEqual({ next: NOW - 20, parked: null });
    // Read through the store a parked delivery is pending at its held due time.
    expect(await ctx.store.admin.getDelivery(later.id)).toMatchObject({ state: 'pending', nextAttemptAt: NOW + 500 });
    const [counts] = await ctx.store.endpoints.counts(NOW - 3_600_000, { url: URL });
    expect(counts).toMatchObject({
      notTriedYet: 3,
      retrying: [{ attempts: 2, count: 1, earliestDue: NOW + 2_000, latestDue: NOW + 2_000 }],
    });
    const claimedNow = await other.queue.claim({ now: NOW + 10_000, limit: 10, token: 't1', ...lease });
    expect(claimedNow.map((d) => d.id)).toEqual([elsewhere.id]);

    // Stragglers: the attempt in flight fails during the pause; a new event arrives.
    expect(
      await ctx.store.queue.record(
        [outcome(inFlight.id, 'tf', 1, { success: false, at: NOW, nextAttemptAt: NOW + 100 })],
        NOW,
      ),
    ).toEqual([true]);
    const fresh = await seedDelivery(ctx.store, { url: URL, nextAttemptAt: NOW + 50, createdAt: NOW + 50 });
    rows = await rowsOf();
    expect(rows.get(inFlight.id)?.next).toBe(NOW + 100);
    expect(rows.get(fresh.id)?.next).toBe(NOW + 50);
    // The claim still passes over them (NOT_PAUSED) until the periodic step parks them.
    expect(await other.queue.claim({ now: NOW + 10_000, limit: 10, token: 't2', ...lease })).toEqual([]);
    expect(await other.queue.parkPaused()).toBe(2);
    rows = await rowsOf();
    expect(rows.get(inFlight.id)).toEqual({ next: null, parked: NOW + 100 });
    expect(rows.get(fresh.id)).toEqual({ next: null, parked: NOW + 50 });
    expect(await other.queue.parkPaused()).toBe(0);

    // A retry-now during the pause is refused: the delivery waits for the resume, its held time kept.
    expect(await ctx.store.recoveries.retryNow(retrying.id, NOW + 1_000)).toBeUndefined();
    expect((await rowsOf()).get(retrying.id)).toEqual({ next: null, parked: NOW + 2_000 });

    const R = NOW + 60_000;
    const resumed = await ctx.store.endpoints.resume(URL, R);
    expect(resumed).toMatchObject({ changed: true, rescheduled: 5 });
    rows = await rowsOf();
    // W: creation (NOW - 1000) for the never-tried, the failed attempt's end for inFlight, the
    // seeded creation for `retrying` (its attempts were never recorded), creation for `fresh`.
    const expected: [string, number, number][] = [
      [due.id, NOW - 10, NOW - 1_000],
      [later.id, NOW + 500, NOW - 1_000],
      [retrying.id, NOW + 2_000, NOW - 1_000],
      [inFlight.id, NOW + 100, NOW],
      [fresh.id, NOW + 50, NOW + 50],
    ];
    for (const [id, T, W] of expected) {
      expect(rows.get(id), id).toEqual({ next: resumedDueAt({ nextAttemptAt: T, waitBegan: W }, P, R), parked: null });
    }
    expect(rows.get(later.id)?.next).toBe(R + 505);
    expect(rows.get(inFlight.id)?.next).toBe(R + 100);
    expect(await other.queue.parkPaused()).toBe(0);
  });

  it('leaves a lease alone, an expired one too, until it is given back; then parks it', async () => {
    await ctx.killedOwner('owner-gone');
    const d = await seedDelivery(ctx.store, { url: URL, nextAttemptAt: NOW - 10 });
    await ctx.store.queue.claim({ now: NOW - 5, limit: 1, token: 'tg', leaseMs: 1, owner: 'owner-gone' });
    await ctx.store.endpoints.pause(URL, 'shop.example', { at: NOW, by: 'bearer', reason: null });
    // Its owner may still record an outcome under the lease: not parked.
    expect((await rowsOf()).get(d.id)).toEqual({ next: NOW - 10, parked: null });
    expect(await ctx.store.queue.parkPaused()).toBe(0);
    expect(Object.fromEntries(await ctx.store.queue.releaseDeadOwners('owner-self'))).toEqual({ 'owner-gone': 1 });
    expect(await ctx.store.queue.parkPaused()).toBe(1);
    expect((await rowsOf()).get(d.id)).toEqual({ next: null, parked: NOW - 10 });
  });

  it('a pause parks a backlog larger than one batch, all of it; the claim takes other URLs’ deliveries', async () => {
    const n = PARK_BATCH + 100;
    const first = await seedDelivery(ctx.store, { url: URL, nextAttemptAt: NOW - n - 1 });
    // The rest in a few writes, as one payment's events would add them.
    for (let from = 1; from < n; from += 1_000) {
      const event = {
        id: id('event'),
        traceId: first.traceId,
        type: 'success' as const,
        status: 'success' as const,
        createdAt: NOW - 2_000,
      };
      const deliveries = Array.from({ length: Math.min(1_000, n - from) }, (_, i) => ({
        ...first,
        id: id('delivery'),
        eventId: event.id,
        nextAttemptAt: NOW - n + from + i,
      }));
      await ctx.store.payments.update(first.traceId, (state) => ({
        next: state,
        writes: { payment: false, addedTransfers: [], confirmedTransfers: [] },
        events: [event],
        deliveries,
      }));
    }
    const other = await seedDelivery(ctx.store, { url: 'http://other.example/cb', nextAttemptAt: NOW - 1 });
    await ctx.store.endpoints.pause(URL, 'shop.example', { at: NOW, by: 'bearer', reason: null });
    const [left] = await ctx.database.rows<{ n: number | string }>(
      `select count(*) as n from deliveries where url = '${URL}' and next_attempt_at is not null`,
    );
    expect(Number(left?.n)).toBe(0);
    const claimed = await ctx.store.queue.claim({ now: NOW, limit: 10, token: 't', ...lease });
    expect(claimed.map((d) => d.id)).toEqual([other.id]);
    const resumed = await ctx.store.endpoints.resume(URL, NOW + 1_000);
    expect(resumed.rescheduled).toBe(n);
    const [parked] = await ctx.database.rows<{ n: number | string }>(
      `select count(*) as n from deliveries where parked_next_attempt_at is not null or next_attempt_at is null`,
    );
    expect(Number(parked?.n)).toBe(0);
  });

  it('a park racing a resume in another process never strands a delivery', async () => {
    const other = await ctx.another();
    for (let round = 0; round < 25; round++) {
      const at = NOW + round * 10_000;
      await ctx.store.endpoints.pause(URL, 'shop.example', { at, by: 'bearer', reason: null });
      // Stragglers for the park to take while the resume runs.
      for (let i = 0; i < 3; i++) await seedDelivery(ctx.store, { url: URL, nextAttemptAt: at + i, createdAt: at });
      const [parked, resumed] = await Promise.all([other.queue.parkPaused(), ctx.store.endpoints.resume(URL, at + 5)]);
      expect(resumed.changed).toBe(true);
      expect(parked).toBeLessThanOrEqual(3 * (round + 1));
      const stranded = await ctx.database.rows<ParkRow>(
        `select id, next_attempt_at, parked_next_attempt_at from deliveries where url = '${URL}' and state = 'pending' and next_attempt_at is null`,
      );
      expect(stranded, `round ${round}`).toEqual([]);
    }
  });
});
