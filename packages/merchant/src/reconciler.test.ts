// The reconciler polls what callbacks missed: only orders old enough, a batch at a time,
// stopping at the first rate limit, through the same checkOrder as the handler.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { holdLookup } from '../test/helpers/held-lookup.js';
import { makeOrder } from '../test/helpers/orders.js';
import { sendJson, startServer, type TestServer } from '../test/helpers/server.js';
import { MixPayClient } from './client.js';
import { RateLimitedError } from './errors.js';
import type { Order } from './order.js';
import { Reconciler } from './reconciler.js';
import { MemoryOrderStore } from './stores/memory-store.js';
import { resultFor, ScriptedResultSource } from './testing.js';
import { lookupFor } from './verify.js';

const NOW = 1_700_010_000_000;
const MINUTE = 60_000;

async function setup(ages: number[]) {
  const store = new MemoryOrderStore();
  const source = new ScriptedResultSource();
  const orders: Order[] = [];
  for (const age of ages) {
    const order = makeOrder({ createdAt: NOW - age, updatedAt: NOW - age });
    await store.insert(order);
    orders.push(order);
  }
  return { store, source, orders };
}

const zero = { paid: 0, failed: 0, suspicious: 0, settled: 0, paid_less: 0, waiting: 0, final: 0, error: 0 };

describe('Reconciler.runOnce', () => {
  it('checks orders older than the threshold and leaves younger ones to their callback', async () => {
    const { store, source, orders } = await setup([10 * MINUTE, 6 * MINUTE, 4 * MINUTE, 30_000]);
    for (const o of orders) source.set(lookupFor(o), resultFor(o));
    const onPaid = vi.fn();
    const pass = await new Reconciler({
      store,
      source,
      hooks: { onPaid },
      olderThanMs: 5 * MINUTE,
      now: () => NOW,
    }).runOnce();
    expect(pass).toEqual({ checked: 2, outcomes: { ...zero, paid: 2 } });
    expect(source.calls).toEqual([lookupFor(orders[0] as Order), lookupFor(orders[1] as Order)]);
    expect(store.all().map((o) => o.status)).toEqual(['paid', 'paid', 'waiting', 'waiting']);
    expect(onPaid).toHaveBeenCalledTimes(2);
  });

  it('defaults to orders older than five minutes', async () => {
    const { store, source, orders } = await setup([5 * MINUTE + 1, 5 * MINUTE - 1]);
    for (const o of orders) source.set(lookupFor(o), resultFor(o));
    const pass = await new Reconciler({ store, source, now: () => NOW }).runOnce();
    expect(pass.checked).toBe(1);
    expect(source.calls).toEqual([lookupFor(orders[0] as Order)]);
  });

  it('respects the batch size, oldest first', async () => {
    const ages = [20, 50, 10, 40, 30].map((m) => m * MINUTE);
    const { store, source, orders } = await setup(ages);
    for (const o of orders) source.set(lookupFor(o), resultFor(o, { status: 'unpaid' }));
    const reconciler = new Reconciler({ store, source, batchSize: 2, now: () => NOW });
    const pass = await reconciler.runOnce();
    expect(pass).toEqual({ checked: 2, outcomes: { ...zero, waiting: 2 } });
    // The 50 and 40 minute old orders.
    expect(source.calls).toEqual([lookupFor(orders[1] as Order), lookupFor(orders[3] as Order)]);
  });

  it('stops the pass at the first RateLimitedError', async () => {
    const { store, source, orders } = await setup([40 * MINUTE, 30 * MINUTE, 20 * MINUTE, 10 * MINUTE]);
    const [first, second, third, fourth] = orders as [Order, Order, Order, Order];
    source.set(lookupFor(first), resultFor(first));
    source.set(lookupFor(second), new RateLimitedError(60_000, 'server'));
    source.set(lookupFor(third), resultFor(third));
    source.set(lookupFor(fourth), resultFor(fourth));
    const onError = vi.fn();
    const pass = await new Reconciler({ store, source, onError, now: () => NOW }).runOnce();
    expect(source.calls).toHaveLength(2);
    expect(pass.outcomes).toEqual({ ...zero, paid: 1, error: 1 });
    expect(pass.checked).toBe(1);
    expect(onError).toHaveBeenCalledWith(expect.any(RateLimitedError), second.orderId);
    expect((await store.findByOrderId(third.orderId))?.status).toBe('waiting');
  });

  it('goes on past other errors, counting them', async () => {
    const { store, source, orders } = await setup([30 * MINUTE, 20 * MINUTE, 10 * MINUTE]);
    const [first, second, third] = orders as [Order, Order, Order];
    source.set(lookupFor(first), new Error('ECONNRESET'));
    source.set(lookupFor(second), resultFor(second));
    // `third` is not scripted: the source throws for it too.
    const onError = vi.fn();
    const pass = await new Reconciler({ store, source, onError, now: () => NOW }).runOnce();
    expect(pass).toEqual({ checked: 3, outcomes: { ...zero, paid: 1, error: 2 } });
    expect(onError.mock.calls.map((c) => c[1])).toEqual([first.orderId, third.orderId]);
  });

  it('counts every kind of outcome', async () => {
    const { store, source, orders } = await setup([60, 50, 40, 30, 20, 10].map((m) => m * MINUTE));
    const [paid, failed, tampered, underpaid, pending, settled] = orders as Order[] as [
      Order,
      Order,
      Order,
      Order,
      Order,
      Order,
    ];
    source.set(lookupFor(paid), resultFor(paid));
    source.set(lookupFor(failed), resultFor(failed, { status: 'failed', failureCode: '40000' }));
    source.set(lookupFor(tampered), resultFor(tampered, { quoteAmount: '0.01' }));
    source.set(
      lookupFor(underpaid),
      resultFor(underpaid, {
        status: 'pending',
        payment: { isMultiPay: true, isFullyPaid: false, totalTransactionsAmount: '3' },
      }),
    );
    source.set(lookupFor(pending), resultFor(pending, { status: 'pending' }));
    source.set(lookupFor(settled), resultFor(settled, { settleStatus: 'success' }));
    const hooks = { onPaid: vi.fn(), onFailed: vi.fn(), onMismatch: vi.fn(), onPaidLess: vi.fn(), onSettled: vi.fn() };
    const pass = await new Reconciler({ store, source, hooks, now: () => NOW }).runOnce();
    expect(pass).toEqual({
      checked: 6,
      outcomes: { ...zero, paid: 2, failed: 1, suspicious: 1, paid_less: 1, waiting: 1 },
    });
    expect(store.all().map((o) => o.status)).toEqual(['paid', 'failed', 'suspicious', 'waiting', 'waiting', 'paid']);
    expect((await store.findByOrderId(settled.orderId))?.settledAt).toBe(NOW);
    expect(hooks.onPaid).toHaveBeenCalledTimes(2);
    expect(hooks.onSettled).toHaveBeenCalledTimes(1);
    expect(hooks.onFailed).toHaveBeenCalledTimes(1);
    expect(hooks.onMismatch).toHaveBeenCalledTimes(1);
    expect(hooks.onPaidLess).toHaveBeenCalledTimes(1);
  });

  it('finds nothing to do when every order is final', async () => {
    const store = new MemoryOrderStore();
    await store.insert(makeOrder({ status: 'paid', createdAt: 0 }));
    await store.insert(makeOrder({ status: 'failed', createdAt: 0 }));
    const source = new ScriptedResultSource();
    expect(await new Reconciler({ store, source, now: () => NOW }).runOnce()).toEqual({ checked: 0, outcomes: zero });
    expect(source.calls).toEqual([]);
  });
});

describe('Reconciler with a real MixPayClient', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
  });

  it('stops at a server 1429 and sends nothing more', async () => {
    server = await startServer((_hit, res) =>
      sendJson(res, 429, { code: 1429, success: false, message: 'rate limited', data: [], timestampMs: 1 }),
    );
    const { store, orders } = await setup([30 * MINUTE, 20 * MINUTE, 10 * MINUTE]);
    const source = new MixPayClient({ baseUrl: `${server.origin}/v1`, timeoutMs: 2_000 });
    const pass = await new Reconciler({ store, source, now: () => NOW }).runOnce();
    expect(pass.outcomes.error).toBe(1);
    expect(server.hits).toHaveLength(1);
    expect(server.hits[0]?.url).toContain(`traceId=${orders[0]?.traceId}`);
    expect(store.all().every((o) => o.status === 'waiting')).toBe(true);
  });
});

describe('Reconciler.start / stop', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs a pass at once, then every intervalMs, until stopped', async () => {
    vi.useFakeTimers();
    const { store, source, orders } = await setup([10 * MINUTE]);
    const order = orders[0] as Order;
    source.set(lookupFor(order), resultFor(order, { status: 'unpaid' }));
    const reconciler = new Reconciler({ store, source, intervalMs: 1_000, now: () => NOW });
    reconciler.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(source.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(source.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(source.calls).toHaveLength(2);
    await reconciler.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(source.calls).toHaveLength(2);
  });

  it('stop() waits for a pass in flight and schedules no other', async () => {
    vi.useFakeTimers();
    const { store, source, orders } = await setup([10 * MINUTE]);
    const order = orders[0] as Order;
    const held = holdLookup(source, order, resultFor(order));
    const reconciler = new Reconciler({ store, source, intervalMs: 1_000, now: () => NOW });
    reconciler.start();
    await vi.advanceTimersByTimeAsync(0);
    let stopped = false;
    const stopping = reconciler.stop().then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    held.open();
    await stopping;
    expect((await store.findByOrderId(order.orderId))?.status).toBe('paid');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(source.calls).toHaveLength(1);
  });
});
