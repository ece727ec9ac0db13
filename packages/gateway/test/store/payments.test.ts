// Store contract, payments: inserts and their unique keys, every lookup key, the all-or-nothing
// life-cycle write, and the timers the sweeper reads.
import { describe, expect, it } from 'vitest';
import { UniqueViolation } from '../../src/errors.js';
import { aPayment, id, NOW, seedDelivery, useStore } from './harness.js';

const ctx = useStore();

describe('insert and find', () => {
  it('finds a payment by traceId (any case), by payee and orderId, by code, by deposit and by txid', async () => {
    const { store } = ctx;
    const p = aPayment({ code: 'code-abc', destination: '0xdeposit', tag: '', isChain: true });
    await store.payments.insert(p);
    const txid = id('tx');
    const transfer = {
      txid,
      traceId: p.traceId,
      amount: '4',
      assetId: p.settlementAssetId,
      confirmations: 1,
      createdAt: NOW,
      updatedAt: NOW,
    };
    await store.payments.update(p.traceId, (state) => ({
      next: { ...state, transfers: [transfer] },
      writes: { payment: false, addedTransfers: [transfer], confirmedTransfers: [] },
      events: [],
      deliveries: [],
    }));

    for (const key of [
      { traceId: p.traceId },
      { traceId: p.traceId.toUpperCase() },
      { payeeId: p.payeeId, orderId: p.orderId as string },
      { code: 'code-abc' },
      { destination: '0xdeposit', tag: '' },
      { txid },
    ]) {
      const found = await store.payments.find(key);
      expect(found?.payment, JSON.stringify(key)).toEqual(p);
      expect(found?.transfers.map((t) => t.txid)).toEqual([txid]);
    }
    expect(await store.payments.find({ payeeId: 'another-payee', orderId: p.orderId as string })).toBeUndefined();
    expect(await store.payments.find({ traceId: id('trace') })).toBeUndefined();
  });

  it('refuses a taken traceId, (payee, orderId) or code with a UniqueViolation naming it', async () => {
    const { store } = ctx;
    const p = aPayment({ code: 'code-1' });
    await store.payments.insert(p);
    const taken = async (q: ReturnType<typeof aPayment>) => {
      const error = await store.payments.insert(q).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UniqueViolation);
      return (error as UniqueViolation).constraint;
    };
    expect(await taken(aPayment({ traceId: p.traceId }))).toBe('trace');
    expect(await taken(aPayment({ orderId: p.orderId }))).toBe('order');
    expect(await taken(aPayment({ code: 'code-1' }))).toBe('code');
    // The same orderId under another payee is another payment.
    await store.payments.insert(aPayment({ orderId: p.orderId, payeeId: 'payee-2' }));
    expect((await store.admin.listPayments({ limit: 10 })).length).toBe(2);
  });
});

describe('update', () => {
  it('writes the new state, its events and its deliveries together', async () => {
    const { store } = ctx;
    const d = await seedDelivery(store);
    const found = await store.payments.find({ traceId: d.traceId });
    expect(found?.payment.status).toBe('success');
    expect(await store.admin.listEvents(d.traceId)).toEqual([
      expect.objectContaining({ id: d.eventId, type: 'success' }),
    ]);
    expect(await store.admin.getDelivery(d.id)).toEqual(d);
  });

  it('writes nothing when the change throws, or when one of its rows is refused', async () => {
    const { store } = ctx;
    const p = aPayment();
    await store.payments.insert(p);
    await expect(
      store.payments.update(p.traceId, () => {
        throw new Error('no such transition');
      }),
    ).rejects.toThrow('no such transition');
    const event = {
      id: id('event'),
      traceId: p.traceId,
      type: 'success' as const,
      status: 'success' as const,
      createdAt: NOW,
    };
    await expect(
      store.payments.update(p.traceId, (state) => ({
        next: { ...state, payment: { ...state.payment, status: 'success' } },
        writes: { payment: true, addedTransfers: [], confirmedTransfers: [] },
        events: [event, event], // the second is a duplicate key: the whole step rolls back
        deliveries: [],
      })),
    ).rejects.toThrow();
    expect((await store.payments.find({ traceId: p.traceId }))?.payment.status).toBe('unpaid');
    expect(await store.admin.listEvents(p.traceId)).toEqual([]);
  });

  it('serialises concurrent steps on one payment: each sees the one before', async () => {
    const { store } = ctx;
    const other = await ctx.another();
    const p = aPayment();
    await store.payments.insert(p);
    const bump = (s: typeof store) =>
      s.payments.update(p.traceId, (state) => ({
        next: { ...state, payment: { ...state.payment, paidAmount: String(Number(state.payment.paidAmount) + 1) } },
        writes: { payment: true, addedTransfers: [], confirmedTransfers: [] },
        events: [],
        deliveries: [],
      }));
    await Promise.all(Array.from({ length: 10 }, (_, i) => bump(i % 2 ? other : store)));
    expect((await store.payments.find({ traceId: p.traceId }))?.payment.paidAmount).toBe('10');
  });

  it('serialises concurrent steps that add transfers: each sees every transfer of the steps before', async () => {
    // PostgreSQL: a statement that waited for the row lock reads its subqueries from the snapshot
    // taken before the wait; the transfers must be read after the lock, or a step misses some.
    const { store } = ctx;
    const other = await ctx.another();
    const p = aPayment();
    await store.payments.insert(p);
    const seen: number[] = [];
    const pay = (s: typeof store, i: number) =>
      s.payments.update(p.traceId, (state) => {
        seen.push(state.transfers.length);
        const transfer = {
          txid: id(`tx-${i}`),
          traceId: p.traceId,
          amount: '1',
          assetId: p.settlementAssetId,
          confirmations: 0,
          createdAt: NOW + i,
          updatedAt: NOW + i,
        };
        return {
          next: { ...state, transfers: [...state.transfers, transfer] },
          writes: { payment: false, addedTransfers: [transfer], confirmedTransfers: [] },
          events: [],
          deliveries: [],
        };
      });
    await Promise.all(Array.from({ length: 10 }, (_, i) => pay(i % 2 ? other : store, i)));
    expect(seen.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect((await store.payments.find({ traceId: p.traceId }))?.transfers).toHaveLength(10);
  });
});

describe('timers', () => {
  it('dueWork lists expiries and settlements whose time has come; nextWorkAt the earliest still ahead', async () => {
    const { store } = ctx;
    const expiring = aPayment({ expireAt: NOW - 1 });
    const later = aPayment({ expireAt: NOW + 5_000 });
    const settling = aPayment({ status: 'success', settleStatus: 'pending', settleDueAt: NOW });
    const settlesLater = aPayment({ status: 'success', settleStatus: 'pending', settleDueAt: NOW + 2_000 });
    const paid = aPayment({ status: 'success', expireAt: NOW - 1 }); // final: never expires
    for (const p of [expiring, later, settling, settlesLater, paid]) await store.payments.insert(p);

    expect(await store.payments.dueWork(NOW, 10)).toEqual([
      { traceId: expiring.traceId, reason: 'expire' },
      { traceId: settling.traceId, reason: 'settle' },
    ]);
    expect(await store.payments.dueWork(NOW, 0)).toEqual([]);
    expect(await store.payments.nextWorkAt(NOW)).toBe(NOW + 2_000);
    expect(await store.payments.nextWorkAt(NOW + 2_000)).toBe(NOW + 5_000);
    expect(await store.payments.nextWorkAt(NOW + 5_000)).toBeNull();
  });
});
