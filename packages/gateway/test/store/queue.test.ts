// Store contract, the delivery queue: claims, leases and their fencing, per-host budgets and
// batched recording, on whichever backend the project runs (SQLite or PostgreSQL).
import { describe, expect, it } from 'vitest';
import { id, NOW, outcome, seedDelivery, useStore } from './harness.js';

const ctx = useStore();
const lease = { leaseMs: 30_000, owner: 'owner-a' };

describe('claim', () => {
  it('leases due deliveries once, earliest first, and returns what the attempt needs', async () => {
    const { store } = ctx;
    const later = await seedDelivery(ctx.store, { nextAttemptAt: NOW - 10 });
    const earlier = await seedDelivery(ctx.store, { nextAttemptAt: NOW - 20, url: 'http://127.0.0.1:9000/cb' });
    await seedDelivery(ctx.store, { nextAttemptAt: NOW + 1 }); // not due yet

    const claimed = await store.queue.claim({ now: NOW, limit: 10, token: 't1', ...lease });
    expect(claimed.map((d) => d.id)).toEqual([earlier.id, later.id]);
    expect(claimed[0]).toMatchObject({
      traceId: earlier.traceId,
      eventId: earlier.eventId,
      url: 'http://127.0.0.1:9000/cb',
      host: '127.0.0.1:9000',
      body: earlier.body,
      attempts: 0,
      dueAt: NOW - 20,
      lockedUntil: NOW + 30_000,
    });
    expect(claimed[0]?.signingSecrets).toEqual([]);
    expect(claimed[1]?.host).toBe('shop.example');
    // Leased: nobody else gets them, however many claim.
    expect(await store.queue.claim({ now: NOW, limit: 10, token: 't2', ...lease })).toEqual([]);
    const rows = await ctx.database.rows<{ id: string; lock_token: string; lock_owner: string }>(
      'select id, lock_token, lock_owner from deliveries where lock_token is not null order by id',
    );
    expect(rows.map((r) => [r.lock_token, r.lock_owner])).toEqual([
      ['t1', 'owner-a'],
      ['t1', 'owner-a'],
    ]);
  });

  it('takes a delivery back once its lease has expired, not a millisecond before', async () => {
    const { store } = ctx;
    const d = await seedDelivery(store);
    await store.queue.claim({ now: NOW, limit: 1, token: 't1', ...lease });
    expect(await store.queue.claim({ now: NOW + 29_999, limit: 1, token: 't2', ...lease })).toEqual([]);
    const again = await store.queue.claim({ now: NOW + 30_000, limit: 1, token: 't2', ...lease });
    expect(again.map((c) => c.id)).toEqual([d.id]);
  });

  it('never claims a delivered or exhausted delivery', async () => {
    const { store } = ctx;
    await seedDelivery(store, { state: 'delivered', nextAttemptAt: null, attempts: 1 });
    await seedDelivery(store, { state: 'exhausted', nextAttemptAt: null, attempts: 10 });
    expect(await store.queue.claim({ now: NOW, limit: 10, token: 't', ...lease })).toEqual([]);
  });

  it('gives first attempts at least half the batch, even behind older retries', async () => {
    const { store } = ctx;
    const retries = [];
    for (let i = 0; i < 6; i++)
      retries.push(await seedDelivery(store, { attempts: 2, nextAttemptAt: NOW - 3_600_000 + i }));
    const firsts = [];
    for (let i = 0; i < 6; i++) firsts.push(await seedDelivery(store, { nextAttemptAt: NOW - 10 + i }));

    const claimed = await store.queue.claim({ now: NOW, limit: 4, token: 't', ...lease });
    expect(claimed.filter((d) => d.attempts === 0).map((d) => d.id)).toEqual(firsts.slice(0, 2).map((d) => d.id));
    expect(claimed.filter((d) => d.attempts > 0).map((d) => d.id)).toEqual(retries.slice(0, 2).map((d) => d.id));
    // What one kind leaves unused, the other takes.
    const rest = await store.queue.claim({ now: NOW, limit: 20, token: 't2', ...lease });
    expect(rest).toHaveLength(8);
  });

  it('keeps each host within its limit and budget, and claims nothing for a full host', async () => {
    const { store } = ctx;
    const a = 'http://a.example/cb';
    const b = 'http://b.example:8080/cb';
    for (let i = 0; i < 5; i++) await seedDelivery(store, { url: a, nextAttemptAt: NOW - 100 + i });
    for (let i = 0; i < 5; i++) await seedDelivery(store, { url: b, nextAttemptAt: NOW - 50 + i });

    const hosts = (claimed: { host: string }[]) => {
      const n: Record<string, number> = {};
      for (const d of claimed) n[d.host] = (n[d.host] ?? 0) + 1;
      return n;
    };
    const first = await store.queue.claim({ now: NOW, limit: 10, token: 't1', hostLimit: 2, ...lease });
    expect(hosts(first)).toEqual({ 'a.example': 2, 'b.example:8080': 2 });
    // a has one slot left, b none: b is not claimed at all (nothing to give back).
    const budgets = new Map([
      ['a.example', 1],
      ['b.example:8080', 0],
    ]);
    const second = await store.queue.claim({
      now: NOW,
      limit: 10,
      token: 't2',
      hostLimit: 2,
      hostBudgets: budgets,
      ...lease,
    });
    expect(hosts(second)).toEqual({ 'a.example': 1 });
    const leased = await ctx.database.rows('select id from deliveries where lock_token is not null');
    expect(leased).toHaveLength(5);
  });

  it('reads the payee signing secret at claim time, so a rotation applies from the next claim', async () => {
    const { store } = ctx;
    await store.payeeSecrets.set({ payeeId: 'signer', secret: 'whsec_one', createdAt: NOW });
    const d = await seedDelivery(store, { payeeId: 'signer' });
    const [first] = await store.queue.claim({ now: NOW, limit: 1, token: 't1', ...lease });
    expect(first?.signingSecrets).toEqual(['whsec_one']);

    await store.payeeSecrets.set({ payeeId: 'signer', secret: 'whsec_two', createdAt: NOW + 1 });
    const [again] = await store.queue.claim({ now: NOW + 30_000, limit: 1, token: 't2', ...lease });
    expect(again).toMatchObject({ id: d.id, signingSecrets: ['whsec_two'] });

    await store.payeeSecrets.delete('signer');
    const [unsigned] = await store.queue.claim({ now: NOW + 60_000, limit: 1, token: 't3', ...lease });
    expect(unsigned?.id).toBe(d.id);
    expect(unsigned?.signingSecrets).toEqual([]);
  });

  it("returns the previous secret too while a rotation overlaps at the claim's now, new one first", async () => {
    const { store } = ctx;
    const overlap = 3_600_000;
    await store.payeeSecrets.set({ payeeId: 'rotator', secret: 'whsec_old', createdAt: NOW - 1 });
    await store.payeeSecrets.set({ payeeId: 'rotator', secret: 'whsec_new', createdAt: NOW }, overlap);
    await seedDelivery(store, { payeeId: 'rotator' });
    // Each claim gives its lease back, so the next one, however soon, claims the delivery again.
    const claimAt = async (now: number, token: string) => {
      const [claimed] = await store.queue.claim({ now, limit: 1, token, ...lease });
      if (claimed) await store.queue.release([claimed.id], token);
      return claimed?.signingSecrets;
    };
    expect(await claimAt(NOW, 't1')).toEqual(['whsec_new', 'whsec_old']);
    expect(await claimAt(NOW + overlap - 1, 't2')).toEqual(['whsec_new', 'whsec_old']);
    expect(await claimAt(NOW + overlap, 't3')).toEqual(['whsec_new']);
    expect(await claimAt(NOW + overlap + 60_000, 't4')).toEqual(['whsec_new']);
  });

  it('two stores claiming at once never share a delivery', async () => {
    const other = await ctx.another();
    for (let i = 0; i < 40; i++) await seedDelivery(ctx.store, { nextAttemptAt: NOW - i });
    const claims = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        (i % 2 ? other : ctx.store).queue.claim({ now: NOW, limit: 7, token: `t${i}`, ...lease }),
      ),
    );
    const ids = claims.flat().map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(40);
  });
});

describe('record', () => {
  it('records a batch in one call, each outcome fenced by its token and attempt count', async () => {
    const { store } = ctx;
    const ok = await seedDelivery(store);
    const retry = await seedDelivery(store);
    const stolen = await seedDelivery(store);
    await store.queue.claim({ now: NOW, limit: 3, token: 'mine', ...lease });
    // `stolen`'s lease expired and another dispatcher took it: its token is no longer ours.
    await store.queue.release([stolen.id], 'mine');
    await store.queue.claim({ now: NOW, limit: 1, token: 'theirs', ...lease });

    const held = await store.queue.record(
      [
        outcome(ok.id, 'mine', 1),
        outcome(retry.id, 'mine', 1, { success: false, nextAttemptAt: NOW + 15_000 }),
        outcome(stolen.id, 'mine', 1),
      ],
      NOW,
    );
    expect(held).toEqual([true, true, false]);

    const state = async (deliveryId: string) => store.admin.getDelivery(deliveryId);
    expect(await state(ok.id)).toMatchObject({
      state: 'delivered',
      attempts: 1,
      nextAttemptAt: null,
      lockedUntil: null,
    });
    expect(await state(retry.id)).toMatchObject({ state: 'pending', attempts: 1, nextAttemptAt: NOW + 15_000 });
    expect(await state(stolen.id)).toMatchObject({ state: 'pending', attempts: 0 });
    expect(await store.admin.listAttempts(stolen.id)).toEqual([]);
    const [written] = await store.admin.listAttempts(retry.id);
    expect(written).toEqual(outcome(retry.id, 'mine', 1, { success: false, nextAttemptAt: NOW + 15_000 }).attempt);
    // The lease is gone with the record: the retry is claimable when due, by anyone.
    expect(await store.queue.claim({ now: NOW + 14_999, limit: 5, token: 'x', ...lease })).toEqual([]);
    const due = await store.queue.claim({ now: NOW + 15_000, limit: 5, token: 'x', ...lease });
    expect(due.map((d) => [d.id, d.attempts])).toEqual([[retry.id, 1]]);
  });

  it('refuses an outcome whose attempt number does not follow the count (a replayed or doubled result)', async () => {
    const { store } = ctx;
    const d = await seedDelivery(store);
    await store.queue.claim({ now: NOW, limit: 1, token: 't', ...lease });
    expect(await store.queue.record([outcome(d.id, 't', 2)], NOW)).toEqual([false]);
    expect(await store.queue.record([outcome(d.id, 't', 1, { success: false, nextAttemptAt: NOW })], NOW)).toEqual([
      true,
    ]);
    // The same result again: the lease is gone and the count moved on.
    expect(await store.queue.record([outcome(d.id, 't', 1)], NOW)).toEqual([false]);
    expect(await store.admin.listAttempts(d.id)).toHaveLength(1);
  });

  it('records the last attempt as exhausted', async () => {
    const { store } = ctx;
    const d = await seedDelivery(store, { attempts: 9 });
    await store.queue.claim({ now: NOW, limit: 1, token: 't', ...lease });
    expect(await store.queue.record([outcome(d.id, 't', 10, { success: false })], NOW)).toEqual([true]);
    expect(await store.admin.getDelivery(d.id)).toMatchObject({
      state: 'exhausted',
      attempts: 10,
      nextAttemptAt: null,
    });
  });

  it('records 64 outcomes in one batch', async () => {
    const { store } = ctx;
    const ds = [];
    for (let i = 0; i < 64; i++) ds.push(await seedDelivery(store));
    await store.queue.claim({ now: NOW, limit: 64, token: 't', ...lease });
    const held = await store.queue.record(
      ds.map((d) => outcome(d.id, 't', 1)),
      NOW,
    );
    expect(held).toEqual(ds.map(() => true));
    expect((await store.admin.countDeliveries()).delivered).toBe(64);
    expect(await ctx.database.rows('select delivery_id from attempts')).toHaveLength(64);
  });

  it("keeps each attempt's request headers in the order sent; one recorded without them reads back null", async () => {
    const { store } = ctx;
    const signed = await seedDelivery(store);
    const bare = await seedDelivery(store);
    await store.queue.claim({ now: NOW, limit: 2, token: 't', ...lease });
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'payhook/0.1',
      'x-payhook-attempt': '1',
      'webhook-signature': 'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4= v1,second+sig/=',
      'webhook-id': 'évènement "quoted" \\ id',
    };
    const withHeaders = outcome(signed.id, 't', 1);
    withHeaders.attempt.request = { headers };
    const without = outcome(bare.id, 't', 1);
    without.attempt.request = null;
    expect(await store.queue.record([withHeaders, without], NOW)).toEqual([true, true]);
    const [read] = await store.admin.listAttempts(signed.id);
    expect(read?.request).toEqual({ headers });
    expect(Object.keys(read?.request?.headers ?? {})).toEqual(Object.keys(headers));
    expect((await store.admin.listAttempts(bare.id))[0]?.request).toBeNull();
    // The attempt feed carries it too.
    const feed = await store.admin.attemptFeed(undefined, 10);
    expect(feed.find((a) => a.deliveryId === signed.id)?.request).toEqual({ headers });
  });

  it('an empty batch writes nothing', async () => {
    expect(await ctx.store.queue.record([], NOW)).toEqual([]);
  });
});

describe('release and lease owners', () => {
  it('release gives back only the leases its token holds', async () => {
    const { store } = ctx;
    const a = await seedDelivery(store);
    const b = await seedDelivery(store);
    await store.queue.claim({ now: NOW, limit: 1, token: 'ta', ...lease });
    await store.queue.claim({ now: NOW, limit: 1, token: 'tb', ...lease });
    await store.queue.release([a.id, b.id], 'ta');
    const again = await store.queue.claim({ now: NOW, limit: 5, token: 'tc', ...lease });
    expect(again.map((d) => d.id)).toEqual([a.id]);
  });

  it('takes back the leases of an owner whose process is gone, never of a live one or its own', async () => {
    const { store } = ctx;
    const other = await ctx.another();
    const live = await other.queue.holdOwner('owner-live');
    expect(live.held).toBe(true);
    await ctx.killedOwner('owner-gone');
    await seedDelivery(store);
    await seedDelivery(store);
    const dead = await seedDelivery(store);
    await store.queue.claim({ now: NOW, limit: 1, token: 't1', leaseMs: 30_000, owner: 'owner-self' });
    await store.queue.claim({ now: NOW, limit: 1, token: 't2', leaseMs: 30_000, owner: 'owner-live' });
    await store.queue.claim({ now: NOW, limit: 1, token: 't3', leaseMs: 30_000, owner: 'owner-gone' });

    const released = await store.queue.releaseDeadOwners('owner-self');
    expect(Object.fromEntries(released)).toEqual({ 'owner-gone': 1 });
    const claimable = await store.queue.claim({
      now: NOW,
      limit: 5,
      token: 't4',
      leaseMs: 30_000,
      owner: 'owner-self',
    });
    expect(claimable.map((d) => d.id)).toEqual([dead.id]);
    // Judged once: nothing more to take back while the others live.
    expect(await store.queue.releaseDeadOwners('owner-self')).toEqual(new Map());
    await live.release();
  });
});

describe('due times and new work', () => {
  it('nextDueAt is the earliest future due time of either kind', async () => {
    const { store } = ctx;
    expect(await store.queue.nextDueAt(NOW)).toBeNull();
    await seedDelivery(store, { nextAttemptAt: NOW - 1 }); // due now: not in the future
    await seedDelivery(store, { nextAttemptAt: NOW + 500, attempts: 3 });
    expect(await store.queue.nextDueAt(NOW)).toBe(NOW + 500);
    await seedDelivery(store, { nextAttemptAt: NOW + 200 });
    expect(await store.queue.nextDueAt(NOW)).toBe(NOW + 200);
  });

  it('insert queues a delivery by hand; a subscriber in another store hears of it where the database can tell', async () => {
    const { store } = ctx;
    const seeded = await seedDelivery(store, { state: 'exhausted', attempts: 10, nextAttemptAt: null });
    const other = await ctx.another();
    let heard = 0;
    const unsubscribe = await other.queue.subscribe(() => {
      heard += 1;
    });
    const redo = {
      ...seeded,
      id: id('delivery'),
      state: 'pending' as const,
      attempts: 0,
      nextAttemptAt: NOW,
      redeliveryOf: seeded.id,
    };
    await store.queue.insert(redo);
    const [claimed] = await store.queue.claim({ now: NOW, limit: 5, token: 't', ...lease });
    expect(claimed).toMatchObject({ id: redo.id, redeliveryOf: seeded.id });
    if (store.capabilities.dialect === 'postgres') {
      const { waitFor } = await import('../../../../test-support/wait.js');
      await waitFor(() => heard > 0, { what: 'the NOTIFY of the new delivery' });
    } else expect(heard).toBe(0); // one process: the dispatcher is woken in-process
    await unsubscribe();
  });
});

describe('retry now', () => {
  it('makes a pending delivery no one holds due now, its attempt count untouched', async () => {
    const { store } = ctx;
    const later = await seedDelivery(store, { attempts: 5, nextAttemptAt: NOW + 1_800_000 });
    const other = await ctx.another();
    let heard = 0;
    const unsubscribe = await other.queue.subscribe(() => {
      heard += 1;
    });
    expect(await store.queue.claim({ now: NOW, limit: 5, token: 't0', ...lease })).toEqual([]);
    const moved = await store.recoveries.retryNow(later.id, NOW);
    expect(moved).toMatchObject({ id: later.id, state: 'pending', attempts: 5, nextAttemptAt: NOW, updatedAt: NOW });
    const claimed = await store.queue.claim({ now: NOW, limit: 5, token: 't', ...lease });
    expect(claimed.map((d) => [d.id, d.attempts, d.dueAt])).toEqual([[later.id, 5, NOW]]);
    if (store.capabilities.dialect === 'postgres') {
      const { waitFor } = await import('../../../../test-support/wait.js');
      await waitFor(() => heard > 0, { what: 'the NOTIFY of the delivery made due' });
    }
    await unsubscribe();
  });

  it('keeps an earlier due time; refuses a leased, final or unknown delivery and changes nothing', async () => {
    const { store } = ctx;
    const overdue = await seedDelivery(store, { attempts: 2, nextAttemptAt: NOW - 5_000 });
    expect((await store.recoveries.retryNow(overdue.id, NOW))?.nextAttemptAt).toBe(NOW - 5_000);

    const leased = await seedDelivery(store, { attempts: 1, nextAttemptAt: NOW - 1 });
    await store.queue.claim({ now: NOW, limit: 5, token: 't', ...lease });
    const delivered = await seedDelivery(store, { state: 'delivered', attempts: 1, nextAttemptAt: null });
    const exhausted = await seedDelivery(store, { state: 'exhausted', attempts: 10, nextAttemptAt: null });
    const before = await Promise.all([leased, delivered, exhausted].map((d) => store.admin.getDelivery(d.id)));
    for (const d of [leased, delivered, exhausted])
      expect(await store.recoveries.retryNow(d.id, NOW + 1)).toBeUndefined();
    expect(await store.recoveries.retryNow('no-such-delivery', NOW)).toBeUndefined();
    expect(await Promise.all([leased, delivered, exhausted].map((d) => store.admin.getDelivery(d.id)))).toEqual(before);
    // Once its lease has expired, a leased one may be retried again.
    expect(await store.recoveries.retryNow(leased.id, NOW + lease.leaseMs)).toMatchObject({ attempts: 1 });
  });
});
