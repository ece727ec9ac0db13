// A flood of callbacks naming real orders costs one lookup per order and window, never one per
// callback; and the window never keeps a genuine callback from being answered by its next try.
import type { PaymentResult } from '@payhook/protocol';
import { beforeEach, describe, expect, it } from 'vitest';
import { holdLookup } from '../test/helpers/held-lookup.js';
import { makeOrder, PAYEE } from '../test/helpers/orders.js';
import { type CallbackHandlerOptions, createCallbackHandler } from './handler.js';
import { MIXPAY_CALLBACK_IPS } from './ip-allowlist.js';
import type { Order } from './order.js';
import { DEFAULT_LOOKUP_WINDOW_MS } from './recent-lookups.js';
import { MemoryOrderStore } from './stores/memory-store.js';
import { buildCallbackRequest, resultFor, ScriptedResultSource } from './testing.js';
import { lookupFor } from './verify.js';

const SECRET = `whsec_${Buffer.from('k'.repeat(32)).toString('base64')}`;
let now: number;
let store: MemoryOrderStore;
let source: ScriptedResultSource;

beforeEach(() => {
  now = 1_700_000_500_000;
  store = new MemoryOrderStore();
  source = new ScriptedResultSource();
});

function handler(options: Partial<CallbackHandlerOptions> = {}) {
  const h = createCallbackHandler({ payeeId: PAYEE, store, source, now: () => now, ...options });
  return async (order: Order, { remoteAddress = '127.0.0.1', signed = false } = {}) => {
    const request = buildCallbackRequest(order, undefined, signed ? { secret: SECRET, timestampMs: now } : undefined);
    const response = await h(request, { remoteAddress });
    return `${response.status} ${((await response.json()) as { code: string }).code}`;
  };
}

async function waitingOrder(overrides: Partial<Order> = {}) {
  const order = makeOrder(overrides);
  await store.insert(order);
  return order;
}

const unpaid = (order: Order): PaymentResult => resultFor(order, { status: 'unpaid' });

describe('a flood of callbacks naming a waiting order', () => {
  it('costs one lookup per window: the rest are answered 202 NOT_FINAL without a request', async () => {
    const order = await waitingOrder();
    source.set(lookupFor(order), unpaid(order));
    const send = handler();
    for (let i = 0; i < 100; i++) expect(await send(order)).toBe('202 NOT_FINAL');
    expect(source.calls).toHaveLength(1);
    expect((await store.findByOrderId(order.orderId))?.status).toBe('waiting');

    now += DEFAULT_LOOKUP_WINDOW_MS - 1;
    expect(await send(order)).toBe('202 NOT_FINAL');
    expect(source.calls).toHaveLength(1);
    now += 1;
    expect(await send(order)).toBe('202 NOT_FINAL');
    expect(source.calls).toHaveLength(2);
  });

  it('concurrent callbacks share the lookup under way', async () => {
    const order = await waitingOrder();
    const held = holdLookup(source, order, unpaid(order));
    const send = handler({ lookupWindowMs: 0 });
    const answers = Array.from({ length: 30 }, () => send(order));
    // Every handler has read the store and joined the one request before it is answered.
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    held.open();
    expect(await Promise.all(answers)).toEqual(Array(30).fill('202 NOT_FINAL'));
    expect(source.calls).toHaveLength(1);
    // With the window off, the next callback looks again.
    expect(await send(order)).toBe('202 NOT_FINAL');
    expect(source.calls).toHaveLength(2);
  });

  it('a genuine callback right after the payment: NOT_FINAL once, SUCCESS on the retry 15 s later', async () => {
    const order = await waitingOrder();
    source.set(lookupFor(order), unpaid(order));
    const send = handler();
    expect(await send(order)).toBe('202 NOT_FINAL'); // a forged one, a moment before the payment
    source.set(lookupFor(order), resultFor(order));
    now += 100;
    expect(await send(order)).toBe('202 NOT_FINAL'); // the genuine first attempt, inside the window
    expect((await store.findByOrderId(order.orderId))?.status).toBe('waiting');
    now += 15_000; // MixPay's second attempt
    expect(await send(order)).toBe('200 SUCCESS');
    expect((await store.findByOrderId(order.orderId))?.status).toBe('paid');
    expect(source.calls).toHaveLength(2);
  });

  it('a forged callback that happens to look after the payment pays the order; the genuine one is SUCCESS', async () => {
    const order = await waitingOrder();
    source.set(lookupFor(order), unpaid(order));
    const send = handler();
    expect(await send(order)).toBe('202 NOT_FINAL');
    source.set(lookupFor(order), resultFor(order));
    now += DEFAULT_LOOKUP_WINDOW_MS;
    expect(await send(order)).toBe('200 SUCCESS'); // whoever sent it, the lookup saw the payment
    now += 10;
    expect(await send(order)).toBe('200 SUCCESS'); // final: answered without a lookup
    expect(source.calls).toHaveLength(2);
  });

  it('a lookup that failed is not remembered: the next callback tries again', async () => {
    const order = await waitingOrder();
    source.set(lookupFor(order), new Error('connection reset'), unpaid(order));
    const send = handler();
    expect(await send(order)).toBe('503 RETRY_LATER');
    expect(await send(order)).toBe('202 NOT_FINAL');
    expect(await send(order)).toBe('202 NOT_FINAL');
    expect(source.calls).toHaveLength(2);
  });

  it('remembers an unsettled paid order too, and answers it NOT_FINAL so its settle callback comes back', async () => {
    const order = await waitingOrder({ status: 'paid' });
    source.set(lookupFor(order), resultFor(order, { settleStatus: 'pending' }));
    const send = handler({ subscribedEvents: ['settle'] });
    expect(await send(order)).toBe('200 SUCCESS'); // looked, not settled yet: already final
    source.set(lookupFor(order), resultFor(order, { settleStatus: 'success' }));
    now += 300;
    expect(await send(order)).toBe('202 NOT_FINAL'); // the settle callback, inside the window
    expect((await store.findByOrderId(order.orderId))?.settledAt).toBeNull();
    now += 15_000;
    expect(await send(order)).toBe('200 SUCCESS');
    expect((await store.findByOrderId(order.orderId))?.settledAt).toBe(now);
    expect(source.calls).toHaveLength(2);
  });

  it('keeps orders apart: each waiting order costs its own lookup, once', async () => {
    const orders = await Promise.all(Array.from({ length: 5 }, () => waitingOrder()));
    for (const order of orders) source.set(lookupFor(order), unpaid(order));
    const send = handler();
    for (let round = 0; round < 10; round++) {
      for (const order of orders) expect(await send(order)).toBe('202 NOT_FINAL');
    }
    expect(source.calls).toHaveLength(5);
  });
});

describe('callbacks proven to come from the sender are never answered from memory', () => {
  it('signed: the genuine callback right after the payment is SUCCESS on its first attempt', async () => {
    const order = await waitingOrder();
    source.set(lookupFor(order), unpaid(order));
    const send = handler({ signingSecret: SECRET });
    // Unsigned, forged: refused before any lookup, whatever the window holds.
    for (let i = 0; i < 20; i++) expect(await send(order)).toBe('401 BAD_SIGNATURE');
    expect(source.calls).toHaveLength(0);
    expect(await send(order, { signed: true })).toBe('202 NOT_FINAL');
    source.set(lookupFor(order), resultFor(order));
    now += 100;
    expect(await send(order, { signed: true })).toBe('200 SUCCESS');
    expect(source.calls).toHaveLength(2);
  });

  it('allow-listed: MixPay’s address always looks, inside the window too', async () => {
    const order = await waitingOrder();
    source.set(lookupFor(order), unpaid(order));
    const send = handler({ allowedIps: MIXPAY_CALLBACK_IPS });
    const mixpay = { remoteAddress: MIXPAY_CALLBACK_IPS[0] };
    expect(await send(order, { remoteAddress: '203.0.113.9' })).toBe('403 FORBIDDEN');
    expect(await send(order, mixpay)).toBe('202 NOT_FINAL');
    source.set(lookupFor(order), resultFor(order));
    now += 100;
    expect(await send(order, mixpay)).toBe('200 SUCCESS');
    expect(source.calls).toHaveLength(2);
  });
});
