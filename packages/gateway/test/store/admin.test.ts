// Store contract, admin reads: filters, paging, counts and figures as the admin API, the
// dashboard and /metrics use them.
import { describe, expect, it } from 'vitest';
import { aPayment, NOW, outcome, seedDelivery, useStore } from './harness.js';

const ctx = useStore();
const lease = { leaseMs: 30_000 };

describe('payments', () => {
  it('lists newest first, filters by status, search and delivery state, and pages by (createdAt, traceId)', async () => {
    const { store } = ctx;
    const unpaid = [];
    for (let i = 0; i < 3; i++) {
      const p = aPayment({ createdAt: NOW - 1_000 + i });
      await store.payments.insert(p);
      unpaid.push(p);
    }
    const withDelivery = await seedDelivery(store);
    const newestFirst = [...unpaid].reverse().map((p) => p.traceId);

    expect((await store.admin.listPayments({ limit: 10, status: 'unpaid' })).map((p) => p.traceId)).toEqual(
      newestFirst,
    );
    const page1 = await store.admin.listPayments({ limit: 2, status: 'unpaid' });
    const last = page1.at(-1);
    const page2 = await store.admin.listPayments({
      limit: 2,
      status: 'unpaid',
      before: { createdAt: last?.createdAt ?? 0, traceId: last?.traceId ?? '' },
    });
    expect([...page1, ...page2].map((p) => p.traceId)).toEqual(newestFirst);
    expect(
      (await store.admin.listPayments({ limit: 10, search: unpaid[1]?.orderId as string })).map((p) => p.traceId),
    ).toEqual([unpaid[1]?.traceId]);
    expect((await store.admin.listPayments({ limit: 10, search: withDelivery.traceId.toUpperCase() })).length).toBe(1);
    expect((await store.admin.listPayments({ limit: 10, deliveryState: 'pending' })).map((p) => p.traceId)).toEqual([
      withDelivery.traceId,
    ]);
    expect(await store.admin.listPayments({ limit: 10, deliveryState: 'retrying' })).toEqual([]);
  });
});

describe('deliveries and attempts', () => {
  it('filters deliveries by trace, event, state, URL and not-yet-redelivered', async () => {
    const { store } = ctx;
    const a = await seedDelivery(store, { url: 'http://a.example/cb' });
    const b = await seedDelivery(store, {
      url: 'http://b.example/cb',
      state: 'exhausted',
      attempts: 10,
      nextAttemptAt: null,
    });
    const redo = {
      ...b,
      id: `${b.id}-r`,
      state: 'pending' as const,
      attempts: 0,
      nextAttemptAt: NOW,
      redeliveryOf: b.id,
    };
    await store.queue.insert(redo);
    const ids = async (filter: Parameters<typeof store.admin.listDeliveries>[0]) =>
      (await store.admin.listDeliveries(filter)).map((d) => d.id).sort();

    expect(await ids({ limit: 10, traceId: a.traceId })).toEqual([a.id]);
    expect(await ids({ limit: 10, eventId: b.eventId })).toEqual([b.id, redo.id].sort());
    expect(await ids({ limit: 10, state: 'exhausted' })).toEqual([b.id]);
    expect(await ids({ limit: 10, url: 'http://b.example/cb' })).toEqual([b.id, redo.id].sort());
    expect(await ids({ limit: 10, state: 'exhausted', notRedelivered: true })).toEqual([]);
    expect(await store.admin.getDelivery(redo.id)).toEqual(redo);
    expect(await store.admin.getDelivery('no-such-delivery')).toBeUndefined();
  });

  it('counts deliveries by state and the queue depth in one read', async () => {
    const { store } = ctx;
    await seedDelivery(store);
    await seedDelivery(store, { attempts: 2, nextAttemptAt: NOW + 1 });
    await seedDelivery(store, { state: 'delivered', attempts: 1, nextAttemptAt: null });
    await seedDelivery(store, { state: 'exhausted', attempts: 10, nextAttemptAt: null });
    expect(await store.admin.countDeliveries()).toEqual({ pending: 2, delivered: 1, exhausted: 1 });
    expect(await store.admin.queueDepth()).toEqual({ notTriedYet: 1, retrying: 1, exhausted: 1 });
  });

  it('feeds attempts in the order they ended, after a cursor; buckets outcomes; measures lateness', async () => {
    const { store } = ctx;
    const ds = [];
    for (let i = 0; i < 3; i++) ds.push(await seedDelivery(store));
    await store.queue.claim({ now: NOW, limit: 3, token: 't', ...lease });
    await store.queue.record(
      ds.map((d, i) => outcome(d.id, 't', 1, { success: i !== 1, at: NOW + i * 1_000, nextAttemptAt: NOW + 60_000 })),
      NOW + 3_000,
    );

    const latest = await store.admin.attemptFeed(undefined, 2);
    expect(latest.map((a) => a.deliveryId)).toEqual([ds[1]?.id, ds[2]?.id]);
    expect(latest[0]).toMatchObject({ traceId: ds[1]?.traceId, eventType: 'success', url: ds[1]?.url, success: false });
    const first = await store.admin.attemptFeed(undefined, 3);
    const after = first[0];
    const rest = await store.admin.attemptFeed(
      { endedAt: after?.endedAt ?? 0, deliveryId: after?.deliveryId ?? '', attemptNo: after?.attemptNo ?? 0 },
      10,
    );
    expect(rest.map((a) => a.deliveryId)).toEqual([ds[1]?.id, ds[2]?.id]);

    const buckets = await store.admin.attemptOutcomes(NOW - 10_000, 2_000);
    expect(buckets).toEqual([
      { at: NOW, delivered: 1, failed: 1 },
      { at: NOW + 2_000, delivered: 1, failed: 0 },
    ]);
    // Each attempt started 2 ms after it was due (harness.outcome).
    expect(await store.admin.lateness(100)).toEqual({ samples: 3, p50: 2, p99: 2, max: 2 });
    expect(await store.admin.listAttempts(ds[1]?.id as string)).toHaveLength(1);
  });
});
