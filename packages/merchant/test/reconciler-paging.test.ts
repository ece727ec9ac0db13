// Orders that wait for good (abandoned carts, paylinks never opened) must not starve the rest:
// the reconciler pages through the waiting orders with a cursor instead of always re-reading
// the oldest batch. Checked on both bundled stores, with ties on createdAt.
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Order } from '../src/order.js';
import { Reconciler } from '../src/reconciler.js';
import type { WritableOrderStore } from '../src/store.js';
import { MemoryOrderStore } from '../src/stores/memory-store.js';
import { SqlOrderStore } from '../src/stores/sql-store.js';
import { resultFor, ScriptedResultSource } from '../src/testing.js';

const stores: [string, () => Promise<WritableOrderStore>][] = [
  ['memory', async () => new MemoryOrderStore()],
  [
    'sql',
    async () =>
      SqlOrderStore.open(new Kysely<any>({ dialect: new SqliteDialect({ database: new BetterSqlite3(':memory:') }) })),
  ],
];

const order = (orderId: string, createdAt: number, traceId: string | null = null): Order => ({
  orderId,
  traceId,
  payeeId: 'payee',
  amount: '10',
  assetId: 'usd',
  status: 'waiting',
  paymentUrl: null,
  settledAt: null,
  createdAt,
  updatedAt: createdAt,
});

describe.each(stores)('reconciler paging (%s store)', (_name, open) => {
  it('lists waiting orders after a cursor, by createdAt then orderId', async () => {
    const store = await open();
    for (const [id, at] of [
      ['order-b', 1],
      ['order-a', 1],
      ['order-c', 2],
      ['order-d', 3],
    ] as const) {
      await store.insert(order(id, at));
    }
    const ids = async (after?: { createdAt: number; orderId: string }) =>
      (await store.listWaiting(10, 10, after)).map((o) => o.orderId);
    expect(await ids()).toEqual(['order-a', 'order-b', 'order-c', 'order-d']);
    expect(await ids({ createdAt: 1, orderId: 'order-a' })).toEqual(['order-b', 'order-c', 'order-d']);
    expect(await ids({ createdAt: 2, orderId: 'order-c' })).toEqual(['order-d']);
    expect(await ids({ createdAt: 3, orderId: 'order-d' })).toEqual([]);
  });

  it('reaches a paid order behind a full batch of orders that never settle, then starts over', async () => {
    const store = await open();
    const source = new ScriptedResultSource();
    for (let i = 0; i < 5; i++) {
      const o = order(`abandoned-${i}`, i % 2); // ties on createdAt too
      await store.insert(o);
      source.set({ orderId: o.orderId, payeeId: 'payee' }, new Error('payment does not exist'));
    }
    const lost = order('lost-order', 50, '11111111-2222-4333-8444-555555555555');
    await store.insert(lost);
    source.set({ traceId: lost.traceId as string }, resultFor(lost));
    const reconciler = new Reconciler({ store, source, batchSize: 5, olderThanMs: 0, now: () => 100 });

    expect((await reconciler.runOnce()).outcomes).toMatchObject({ error: 5, paid: 0 });
    expect((await reconciler.runOnce()).outcomes).toMatchObject({ error: 0, paid: 1 });
    expect((await store.findByOrderId('lost-order'))?.status).toBe('paid');
    // The end of the list was reached: the next pass starts from the oldest again.
    const again = await reconciler.runOnce();
    expect(again.checked).toBe(5);
    expect(source.calls.at(-5)).toEqual({ orderId: 'abandoned-0', payeeId: 'payee' });
  });
});
