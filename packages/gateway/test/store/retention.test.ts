// Store contract, attempt retention: a batch deletes exactly the attempts older than the cutoff
// but each delivery's last, in bounded batches from a stored cursor, leaves deliveries alone, and
// several stores on one database (several gateways) never prune twice or count twice.
import { describe, expect, it } from 'vitest';
import { isPrunable } from '../../src/domain/retention.js';
import type { Delivery } from '../../src/interfaces.js';
import type { PrunedBatch, Store } from '../../src/storage/store.js';
import { NOW, outcome, seedDelivery, useStore } from './harness.js';

const ctx = useStore();
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const CUTOFF = NOW - DAY;

type Then = 'delivered' | 'exhausted' | { pendingUntil: number };

/** A delivery whose attempts ended at `endedAt`, in order, each made through claim and record. */
async function withAttempts(store: Store, endedAt: readonly number[], then: Then): Promise<Delivery> {
  const first = endedAt[0] ?? NOW;
  const delivery = await seedDelivery(store, { nextAttemptAt: first - 10, createdAt: first - 10 });
  for (const [i, at] of endedAt.entries()) {
    const n = i + 1;
    const last = n === endedAt.length;
    const token = `${delivery.id}-${n}`;
    const claimed = await store.queue.claim({ now: at - 3, limit: 10, leaseMs: 60_000, token });
    expect(claimed.map((d) => d.id)).toEqual([delivery.id]);
    const next = endedAt[i + 1];
    const success = last && then === 'delivered';
    const nextAttemptAt = !last ? (next ?? at) - 10 : typeof then === 'object' ? then.pendingUntil : null;
    await store.queue.record([outcome(delivery.id, token, n, { success, at, nextAttemptAt })], at);
  }
  return delivery;
}

/** Runs batches until one is not full; returns every batch's answer. */
async function prune(store: Store, cutoff: number, limit: number): Promise<PrunedBatch[]> {
  const batches: PrunedBatch[] = [];
  for (;;) {
    const batch = await store.retention.pruneBatch(cutoff, limit);
    if (!batch) return batches;
    batches.push(batch);
    if (!batch.more) return batches;
  }
}

interface AttemptKey {
  delivery_id: string;
  attempt_no: number;
  ended_at: number;
}

async function attemptKeys(): Promise<string[]> {
  const rows = await ctx.database.rows<AttemptKey>(
    'select delivery_id, attempt_no from attempts order by delivery_id, attempt_no',
  );
  return rows.map((r) => `${r.delivery_id}#${r.attempt_no}`);
}

const deliveryRows = () => ctx.database.rows('select * from deliveries order by id');

/** The shapes a store holds: old and new, final and still retrying, at and around the cutoff. */
async function seedMix(store: Store) {
  return {
    // Delivered after three attempts, all older than the cutoff: the first two go.
    delivered: await withAttempts(store, [NOW - 3 * DAY, NOW - 3 * DAY + 1_000, NOW - 2 * DAY], 'delivered'),
    // Exhausted: two old attempts go, the last (recent) one stays.
    exhausted: await withAttempts(store, [NOW - 5 * DAY, NOW - 4 * DAY, NOW - HOUR], 'exhausted'),
    // Still retrying: its old first attempt goes.
    retrying: await withAttempts(store, [NOW - 2 * DAY, NOW - HOUR], { pendingUntil: NOW + HOUR }),
    // One old attempt, its last: it stays however old.
    lone: await withAttempts(store, [NOW - 10 * DAY], 'delivered'),
    // Recent attempts stay.
    recent: await withAttempts(store, [NOW - 2 * HOUR, NOW - HOUR], { pendingUntil: NOW + 2 * HOUR }),
    // Ended exactly at the cutoff: not older than the retention yet.
    atCutoff: await withAttempts(store, [CUTOFF, CUTOFF + 5], 'exhausted'),
  };
}

describe('attempt retention', () => {
  it("deletes exactly the attempts older than the cutoff but each delivery's last, and no delivery", async () => {
    const { store, database } = ctx;
    const seeded = await seedMix(store);
    const before = await database.rows<AttemptKey>('select delivery_id, attempt_no, ended_at from attempts');
    const counts = await database.rows<{ id: string; attempts: number }>('select id, attempts from deliveries');
    const attemptsOf = new Map(counts.map((d) => [d.id, d.attempts]));
    // The rule's answer, from the rows as they were.
    const expected = before
      .filter(
        (a) =>
          !isPrunable(
            { attemptNo: a.attempt_no, endedAt: Number(a.ended_at) },
            { attempts: attemptsOf.get(a.delivery_id) ?? 0 },
            CUTOFF,
          ),
      )
      .map((a) => `${a.delivery_id}#${a.attempt_no}`)
      .sort();
    const deliveriesBefore = await deliveryRows();
    const adminBefore = await store.admin.countDeliveries();

    const batches = await prune(store, CUTOFF, 1_000);

    expect(batches.reduce((n, b) => n + b.pruned, 0)).toBe(5);
    expect(await attemptKeys()).toEqual(expected);
    expect(expected).toHaveLength(before.length - 5);
    expect(await deliveryRows()).toEqual(deliveriesBefore);
    // Admin reads answer as before, with the attempts that are left.
    expect(await store.admin.countDeliveries()).toEqual(adminBefore);
    expect((await store.admin.listAttempts(seeded.delivered.id)).map((a) => a.attemptNo)).toEqual([3]);
    expect((await store.admin.listAttempts(seeded.exhausted.id)).map((a) => a.attemptNo)).toEqual([3]);
    expect((await store.admin.listAttempts(seeded.retrying.id)).map((a) => a.attemptNo)).toEqual([2]);
    expect((await store.admin.listAttempts(seeded.lone.id)).map((a) => a.attemptNo)).toEqual([1]);
    expect((await store.admin.listAttempts(seeded.atCutoff.id)).map((a) => a.attemptNo)).toEqual([1, 2]);
    expect(await store.admin.getDelivery(seeded.delivered.id)).toMatchObject({ state: 'delivered', attempts: 3 });
    expect(await store.admin.attemptFeed(undefined, 50)).toHaveLength(expected.length);
    expect(await store.retention.state()).toEqual({ prunedTotal: 5, lastPass: null });
  });

  it('works in bounded batches from its cursor, and a later pass reads only what is new', async () => {
    const { store } = ctx;
    await seedMix(store);
    // Older than the cutoff, in the order they ended: lone#1, exhausted#1, exhausted#2,
    // delivered#1, delivered#2, then delivered#3 and retrying#1 (both at NOW − 2 days).
    const batches = await prune(store, CUTOFF, 2);
    expect(batches.map((b) => b.scanned)).toEqual([2, 2, 2, 1]);
    expect(batches.map((b) => b.more)).toEqual([true, true, true, false]);
    for (const b of batches) expect(b.pruned).toBeLessThanOrEqual(2);
    expect(batches.reduce((n, b) => n + b.pruned, 0)).toBe(5);

    // Again at the same cutoff: the kept last attempts behind the cursor are not read again.
    expect(await prune(store, CUTOFF, 2)).toEqual([{ scanned: 0, pruned: 0, more: false }]);
    // A day later the attempts that were recent are old: only they are read.
    const later = await prune(store, NOW, 100);
    expect(later).toEqual([{ scanned: 6, pruned: 2, more: false }]);
  });

  it("prunes an attempt that was its delivery's last when the cursor passed it, once superseded", async () => {
    const { store } = ctx;
    const d = await withAttempts(store, [NOW - 3 * DAY, NOW - 2 * DAY], { pendingUntil: NOW });
    expect(await prune(store, CUTOFF, 10)).toEqual([{ scanned: 2, pruned: 1, more: false }]);
    // The retry it was waiting for, made now; two days on it is old as well.
    const claimed = await store.queue.claim({ now: NOW, limit: 10, leaseMs: 60_000, token: 'retry' });
    expect(claimed.map((c) => c.id)).toEqual([d.id]);
    await store.queue.record([outcome(d.id, 'retry', 3, { success: true, at: NOW + 5 })], NOW + 5);
    expect(await prune(store, NOW + 2 * DAY, 10)).toEqual([{ scanned: 1, pruned: 1, more: false }]);
    expect((await store.admin.listAttempts(d.id)).map((a) => a.attemptNo)).toEqual([3]);
  });

  it('two stores on one database prune each attempt once and count it once', async () => {
    const { store } = ctx;
    const other = await ctx.another();
    for (let i = 0; i < 12; i++) await withAttempts(store, [NOW - 4 * DAY, NOW - 3 * DAY, NOW - 2 * DAY], 'exhausted');
    const [a, b] = await Promise.all([prune(store, CUTOFF, 3), prune(other, CUTOFF, 3)]);
    // Whichever stopped first (PostgreSQL: it found the other in a batch), finishing takes nothing more.
    const rest = await prune(store, CUTOFF, 3);
    const total = [...a, ...b, ...rest].reduce((n, batch) => n + batch.pruned, 0);
    expect(total).toBe(24);
    expect(await attemptKeys()).toHaveLength(12);
    expect((await other.retention.state()).prunedTotal).toBe(24);
  });

  it('remembers the last pass for every store on the database', async () => {
    const { store } = ctx;
    const pass = { startedAt: NOW, endedAt: NOW + 40, cutoff: CUTOFF, pruned: 7, reclaimedPages: 3 };
    await store.retention.recordPass(pass);
    const other = await ctx.another();
    expect(await other.retention.state()).toEqual({ prunedTotal: 0, lastPass: pass });
  });
});
