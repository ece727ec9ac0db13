// The callback handler's answer policy, case by case (see AnswerReason in handler.ts):
//   recorded / already_final / acknowledged -> 200 SUCCESS
//   not_final -> 202 NOT_FINAL, unverified -> 503 RETRY_LATER, unknown_order -> 404,
//   bad_request -> 400, forbidden -> 403.
import type { OptionalEventName, PaymentResult } from '@payhook/protocol';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { waitFor } from '../../../test-support/wait.js';
import { holdLookup } from '../test/helpers/held-lookup.js';
import { makeOrder, PAYEE } from '../test/helpers/orders.js';
import type { OrderHooks } from './check-order.js';
import { type CallbackHandlerOptions, type CallbackRecord, createCallbackHandler } from './handler.js';
import { MIXPAY_CALLBACK_IPS } from './ip-allowlist.js';
import type { Order } from './order.js';
import { MemoryOrderStore } from './stores/memory-store.js';
import { buildCallbackRequest, resultFor, ScriptedResultSource } from './testing.js';
import { lookupFor } from './verify.js';

const NOW = 1_700_000_500_000;

let store: MemoryOrderStore;
let source: ScriptedResultSource;
let hooks: {
  onPaid: ReturnType<typeof vi.fn>;
  onFailed: ReturnType<typeof vi.fn>;
  onPaidLess: ReturnType<typeof vi.fn>;
  onSettled: ReturnType<typeof vi.fn>;
  onMismatch: ReturnType<typeof vi.fn>;
  onHookError: ReturnType<typeof vi.fn>;
};
let records: CallbackRecord[];

beforeEach(() => {
  store = new MemoryOrderStore();
  source = new ScriptedResultSource();
  hooks = {
    onPaid: vi.fn(),
    onFailed: vi.fn(),
    onPaidLess: vi.fn(),
    onSettled: vi.fn(),
    onMismatch: vi.fn(),
    onHookError: vi.fn(),
  };
  records = [];
});

function handler(options: Partial<CallbackHandlerOptions> = {}) {
  return createCallbackHandler({
    payeeId: PAYEE,
    store,
    source,
    hooks: hooks as OrderHooks,
    recorder: { record: (entry) => records.push(entry) },
    now: () => NOW,
    ...options,
  });
}

async function send(request: Request, options: Partial<CallbackHandlerOptions> = {}, remoteAddress = '127.0.0.1') {
  const response = await handler(options)(request, { remoteAddress });
  return { status: response.status, body: (await response.json()) as unknown, reason: records.at(-1)?.answer.reason };
}

const callbackFor = (order: Order) => buildCallbackRequest(order);

const rawPost = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  new Request('http://shop.test/mixpay/callback', { method: 'POST', headers, body });

async function stored(order: Order) {
  const found = await store.findByOrderId(order.orderId);
  if (!found) throw new Error(`order ${order.orderId} vanished`);
  return found;
}

async function waitingOrder(overrides: Partial<Order> = {}) {
  const order = makeOrder(overrides);
  await store.insert(order);
  return order;
}

const SUCCESS = { status: 200, body: { code: 'SUCCESS' } };
const NOT_FINAL = { status: 202, body: { code: 'NOT_FINAL' } };
const RETRY_LATER = { status: 503, body: { code: 'RETRY_LATER' } };
const UNKNOWN = { status: 404, body: { code: 'UNKNOWN_ORDER' } };
const BAD = { status: 400, body: { code: 'BAD_REQUEST' } };
const FORBIDDEN = { status: 403, body: { code: 'FORBIDDEN' } };

const underpaid = (paid = '4'): Partial<PaymentResult> => ({
  status: 'pending',
  payment: { isMultiPay: true, isFullyPaid: false, totalTransactionsAmount: paid },
});

describe('a verified success', () => {
  it('marks the order paid, fires onPaid once and answers 200 SUCCESS', async () => {
    const order = await waitingOrder();
    source.set(lookupFor(order), resultFor(order));
    const answer = await send(callbackFor(order));
    expect(answer).toMatchObject({ ...SUCCESS, reason: 'recorded' });
    expect(await stored(order)).toMatchObject({ status: 'paid', updatedAt: NOW, settledAt: null });
    expect(hooks.onPaid).toHaveBeenCalledTimes(1);
    expect(hooks.onPaid).toHaveBeenCalledWith(
      expect.objectContaining({ orderId: order.orderId, status: 'paid' }),
      expect.objectContaining({ status: 'success', traceId: order.traceId }),
    );
    for (const hook of ['onFailed', 'onMismatch', 'onPaidLess', 'onSettled', 'onHookError'] as const) {
      expect(hooks[hook]).not.toHaveBeenCalled();
    }
    expect(source.calls).toEqual([{ traceId: order.traceId }]);
  });

  it('under 50 concurrent duplicate callbacks: one shared lookup, one onPaid, every answer SUCCESS', async () => {
    const order = await waitingOrder();
    // The lookup is held until all 50 have found the order, so they all arrive while it is under way.
    const held = holdLookup(source, order, resultFor(order));
    const find = vi.spyOn(store, 'findByOrderId');
    const transition = vi.spyOn(store, 'transition');
    const h = handler();
    const answers = Array.from({ length: 50 }, () => h(callbackFor(order), { remoteAddress: '127.0.0.1' }));
    await waitFor(() => find.mock.results.length === 50, { what: '50 store reads' });
    await Promise.all(find.mock.results.map((r) => r.value));
    await new Promise((resolve) => setImmediate(resolve));
    held.open();
    const responses = await Promise.all(answers);
    const bodies = await Promise.all(responses.map((r) => r.json()));
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
    expect(bodies).toEqual(Array(50).fill({ code: 'SUCCESS' }));
    expect(source.calls).toHaveLength(1);
    // Every callback acts on the shared answer; the store lets exactly one of them move the order.
    expect(transition).toHaveBeenCalledTimes(50);
    const wins = await Promise.all(transition.mock.results.map((r) => r.value));
    expect(wins.filter((won) => won === true)).toHaveLength(1);
    expect(hooks.onPaid).toHaveBeenCalledTimes(1);
    expect((await stored(order)).status).toBe('paid');
  });

  it('a later duplicate of an already paid and settled order is acknowledged without a lookup', async () => {
    const order = await waitingOrder({ status: 'paid', settledAt: NOW - 1 });
    const answer = await send(callbackFor(order));
    expect(answer).toMatchObject({ ...SUCCESS, reason: 'already_final' });
    expect(source.calls).toEqual([]);
    expect(hooks.onPaid).not.toHaveBeenCalled();
  });
});

describe('a verified failure', () => {
  it('marks the order failed and fires onFailed once', async () => {
    const order = await waitingOrder();
    source.set(
      lookupFor(order),
      resultFor(order, { status: 'failed', failureCode: '40000', failureReason: 'overtime' }),
    );
    expect(await send(callbackFor(order))).toMatchObject({ ...SUCCESS, reason: 'recorded' });
    expect((await stored(order)).status).toBe('failed');
    expect(hooks.onFailed).toHaveBeenCalledTimes(1);
    expect(hooks.onFailed.mock.calls[0]?.[0]).toMatchObject({ status: 'failed' });
    expect(hooks.onPaid).not.toHaveBeenCalled();

    // A duplicate changes nothing and fires nothing.
    expect(await send(callbackFor(order))).toMatchObject({ ...SUCCESS, reason: 'already_final' });
    expect(hooks.onFailed).toHaveBeenCalledTimes(1);
  });
});

describe('a result that is not this order’s deal', () => {
  it('a tampered amount (0.01 on a 1000 USD order) makes the order suspicious, never paid', async () => {
    const order = await waitingOrder({ amount: '1000', traceId: null });
    source.set(lookupFor(order), resultFor(order, { quoteAmount: '0.01', paymentAmount: '0.01' }));
    expect(await send(callbackFor(order))).toMatchObject({ ...SUCCESS, reason: 'recorded' });
    expect((await stored(order)).status).toBe('suspicious');
    expect(hooks.onPaid).not.toHaveBeenCalled();
    expect(hooks.onMismatch).toHaveBeenCalledTimes(1);
    expect(hooks.onMismatch.mock.calls[0]?.[2]).toEqual([{ field: 'quoteAmount', expected: '1000', actual: '0.01' }]);
  });

  it('a failure with a mismatch does not cancel: suspicious, never failed', async () => {
    const order = await waitingOrder();
    source.set(lookupFor(order), resultFor(order, { status: 'failed', quoteAssetId: 'eur', failureCode: '40020' }));
    expect(await send(callbackFor(order))).toMatchObject(SUCCESS);
    expect((await stored(order)).status).toBe('suspicious');
    expect(hooks.onFailed).not.toHaveBeenCalled();
    expect(hooks.onMismatch).toHaveBeenCalledTimes(1);
  });

  it('a suspicious order stays suspicious when a matching success comes later', async () => {
    const order = await waitingOrder({ status: 'suspicious' });
    source.set(lookupFor(order), resultFor(order));
    expect(await send(callbackFor(order))).toMatchObject({ ...SUCCESS, reason: 'already_final' });
    expect((await stored(order)).status).toBe('suspicious');
    expect(hooks.onPaid).not.toHaveBeenCalled();
  });
});

describe('results that are not final', () => {
  const subscribed = (...events: OptionalEventName[]) => ({ subscribedEvents: events });

  it('pending without a subscription: 202 NOT_FINAL, the order keeps waiting', async () => {
    const order = await waitingOrder();
    source.set(lookupFor(order), resultFor(order, { status: 'pending', confirmations: 1 }));
    expect(await send(callbackFor(order))).toMatchObject({ ...NOT_FINAL, reason: 'not_final' });
    expect((await stored(order)).status).toBe('waiting');
  });

  it('pending with the pending event subscribed: acknowledged with SUCCESS, still waiting', async () => {
    const order = await waitingOrder();
    source.set(lookupFor(order), resultFor(order, { status: 'pending' }));
    expect(await send(callbackFor(order), subscribed('pending'))).toMatchObject({ ...SUCCESS, reason: 'acknowledged' });
    expect((await stored(order)).status).toBe('waiting');
    expect(hooks.onPaid).not.toHaveBeenCalled();
  });

  it('paid_less hands the payment link to onPaidLess and answers NOT_FINAL without a subscription', async () => {
    const order = await waitingOrder({ paymentUrl: 'https://mixpay.me/code/original-link' });
    source.set(lookupFor(order), resultFor(order, underpaid('4')));
    expect(await send(callbackFor(order))).toMatchObject({ ...NOT_FINAL, reason: 'not_final' });
    expect((await stored(order)).status).toBe('waiting');
    expect(hooks.onPaidLess).toHaveBeenCalledTimes(1);
    // payableAmount (10) − totalTransactionsAmount (4), MixPay's documented rule.
    expect(hooks.onPaidLess.mock.calls[0]?.[2]).toEqual({
      paidAmount: '4',
      remainingAmount: '6',
      paymentUrl: 'https://mixpay.me/code/original-link',
    });
  });

  it('paid_less with the paid_less event subscribed: SUCCESS', async () => {
    const order = await waitingOrder();
    source.set(lookupFor(order), resultFor(order, underpaid()));
    expect(await send(callbackFor(order), subscribed('paid_less'))).toMatchObject({
      ...SUCCESS,
      reason: 'acknowledged',
    });
    expect(hooks.onPaidLess).toHaveBeenCalledTimes(1);
    expect((await stored(order)).status).toBe('waiting');
  });

  it('paid_less is not acknowledged by a subscription to pending alone', async () => {
    const order = await waitingOrder();
    source.set(lookupFor(order), resultFor(order, underpaid()));
    expect(await send(callbackFor(order), subscribed('pending'))).toMatchObject(NOT_FINAL);
  });

  it.each(['auditing', 'unpaid'] as const)(
    '%s keeps waiting (NOT_FINAL, even when pending is subscribed)',
    async (status) => {
      const order = await waitingOrder();
      source.set(lookupFor(order), resultFor(order, { status }));
      expect(await send(callbackFor(order), subscribed('pending', 'paid_less', 'settle'))).toMatchObject(NOT_FINAL);
      expect((await stored(order)).status).toBe('waiting');
      expect(Object.values(hooks).every((h) => h.mock.calls.length === 0)).toBe(true);
    },
  );

  it('a later success still pays an order that was pending', async () => {
    const order = await waitingOrder();
    source.set(lookupFor(order), resultFor(order, { status: 'pending' }), resultFor(order));
    expect(await send(callbackFor(order))).toMatchObject(NOT_FINAL);
    expect(await send(callbackFor(order))).toMatchObject(SUCCESS);
    expect((await stored(order)).status).toBe('paid');
  });
});

describe('callbacks out of order', () => {
  it.each([
    ['failed', { status: 'failed', failureCode: '40000' }],
    ['pending', { status: 'pending' }],
    ['unpaid', { status: 'unpaid' }],
  ] as const)('a %s result after paid leaves the order paid', async (_name, later) => {
    const order = await waitingOrder();
    source.set(lookupFor(order), resultFor(order), resultFor(order, later));
    expect(await send(callbackFor(order))).toMatchObject(SUCCESS);
    // The order is paid but not settled: the next callback may be `settle`, so it is looked up,
    // and what it says cannot move the order back.
    expect(await send(callbackFor(order))).toMatchObject({ ...SUCCESS, reason: 'already_final' });
    const after = await stored(order);
    expect(after.status).toBe('paid');
    expect(after.settledAt).toBeNull();
    expect(hooks.onFailed).not.toHaveBeenCalled();
    expect(hooks.onPaid).toHaveBeenCalledTimes(1);
  });

  it('a failed callback for a paid and settled order needs no lookup at all', async () => {
    const order = await waitingOrder({ status: 'paid', settledAt: NOW - 10 });
    source.set(lookupFor(order), resultFor(order, { status: 'failed' }));
    expect(await send(callbackFor(order))).toMatchObject({ ...SUCCESS, reason: 'already_final' });
    expect(source.calls).toEqual([]);
    expect((await stored(order)).status).toBe('paid');
  });

  it('a failed order never becomes paid', async () => {
    const order = await waitingOrder({ status: 'failed' });
    source.set(lookupFor(order), resultFor(order));
    expect(await send(callbackFor(order))).toMatchObject({ ...SUCCESS, reason: 'already_final' });
    expect(source.calls).toEqual([]);
    expect((await stored(order)).status).toBe('failed');
  });
});

describe('settlement', () => {
  const settle: Partial<CallbackHandlerOptions> = { subscribedEvents: ['settle'] };
  const settledResult = (order: Order) =>
    resultFor(order, { settleStatus: 'success', settleAmount: '9.9', settleSymbol: 'USDT', settleAsset: 'usdt-id' });

  it('a settle result for a paid order fires onSettled once', async () => {
    const order = await waitingOrder();
    source.set(lookupFor(order), resultFor(order, { settleStatus: 'pending' }), settledResult(order));
    expect(await send(callbackFor(order), settle)).toMatchObject(SUCCESS);
    expect(hooks.onSettled).not.toHaveBeenCalled();
    expect((await stored(order)).settledAt).toBeNull();

    expect(await send(callbackFor(order), settle)).toMatchObject({ ...SUCCESS, reason: 'recorded' });
    expect(hooks.onSettled).toHaveBeenCalledTimes(1);
    expect(hooks.onSettled.mock.calls[0]?.[1]).toMatchObject({ settleStatus: 'success', settleAsset: 'usdt-id' });
    expect(await stored(order)).toMatchObject({ status: 'paid', settledAt: NOW });

    // Settled: further callbacks are final, without a lookup.
    const lookups = source.calls.length;
    expect(await send(callbackFor(order), settle)).toMatchObject({ ...SUCCESS, reason: 'already_final' });
    expect(source.calls).toHaveLength(lookups);
    expect(hooks.onSettled).toHaveBeenCalledTimes(1);
    expect(hooks.onPaid).toHaveBeenCalledTimes(1);
  });

  it('without a settle subscription, a paid order is final: no lookup, SUCCESS', async () => {
    const order = await waitingOrder();
    source.set(lookupFor(order), resultFor(order, { settleStatus: 'pending' }), new Error('payments_result down'));
    expect(await send(callbackFor(order))).toMatchObject({ ...SUCCESS, reason: 'recorded' });
    const lookups = source.calls.length;
    // payments_result is down now, yet nothing needs it: the order is paid and nobody waits to settle.
    expect(await send(callbackFor(order))).toMatchObject({ ...SUCCESS, reason: 'already_final' });
    expect(source.calls).toHaveLength(lookups);
    expect(hooks.onSettled).not.toHaveBeenCalled();
  });

  it('a first callback that is already settled fires onPaid then onSettled', async () => {
    const order = await waitingOrder();
    source.set(lookupFor(order), settledResult(order));
    expect(await send(callbackFor(order))).toMatchObject(SUCCESS);
    expect(hooks.onPaid).toHaveBeenCalledTimes(1);
    expect(hooks.onSettled).toHaveBeenCalledTimes(1);
    expect(hooks.onPaid.mock.invocationCallOrder[0]).toBeLessThan(hooks.onSettled.mock.invocationCallOrder[0] ?? 0);
    expect(await stored(order)).toMatchObject({ status: 'paid', settledAt: NOW });
  });

  it('a settled result that does not match a paid order settles nothing', async () => {
    const order = await waitingOrder({ status: 'paid' });
    source.set(lookupFor(order), { ...settledResult(order), quoteAmount: '0.01' });
    expect(await send(callbackFor(order))).toMatchObject({ ...SUCCESS, reason: 'already_final' });
    expect(hooks.onSettled).not.toHaveBeenCalled();
    expect((await stored(order)).settledAt).toBeNull();
  });
});

describe('when the truth cannot be reached', () => {
  it('payments_result failing answers 503 RETRY_LATER and leaves the order unchanged', async () => {
    const order = await waitingOrder();
    source.set(lookupFor(order), new Error('connect ECONNREFUSED'));
    const answer = await send(callbackFor(order));
    expect(answer).toMatchObject({ ...RETRY_LATER, reason: 'unverified' });
    expect(await stored(order)).toEqual(order);
    expect(records.at(-1)?.error).toMatch(/ECONNREFUSED/);
    expect(Object.values(hooks).every((h) => h.mock.calls.length === 0)).toBe(true);
  });

  it('the store failing to find the order answers 503 without a lookup', async () => {
    const order = await waitingOrder();
    source.set(lookupFor(order), resultFor(order));
    vi.spyOn(store, 'findByOrderId').mockRejectedValue(new Error('database is locked'));
    expect(await send(callbackFor(order))).toMatchObject({ ...RETRY_LATER, reason: 'unverified' });
    expect(source.calls).toEqual([]);
  });

  it('the store failing to record the transition answers 503 and fires no hook', async () => {
    const order = await waitingOrder();
    source.set(lookupFor(order), resultFor(order));
    vi.spyOn(store, 'transition').mockRejectedValueOnce(new Error('connection lost'));
    expect(await send(callbackFor(order))).toMatchObject(RETRY_LATER);
    expect((await stored(order)).status).toBe('waiting');
    expect(hooks.onPaid).not.toHaveBeenCalled();
    // MixPay comes back, and then it works.
    expect(await send(callbackFor(order))).toMatchObject(SUCCESS);
    expect((await stored(order)).status).toBe('paid');
    expect(hooks.onPaid).toHaveBeenCalledTimes(1);
  });
});

describe('callbacks that do not match an order are refused without a lookup', () => {
  it('unknown orderId: 404', async () => {
    const other = makeOrder();
    source.set(lookupFor(other), resultFor(other));
    expect(await send(callbackFor(other))).toMatchObject({ ...UNKNOWN, reason: 'unknown_order' });
    expect(source.calls).toEqual([]);
  });

  it('unknown traceId (no orderId): 404', async () => {
    await waitingOrder();
    expect(await send(rawPost(JSON.stringify({ traceId: crypto.randomUUID(), payeeId: PAYEE })))).toMatchObject(
      UNKNOWN,
    );
    expect(source.calls).toEqual([]);
  });

  it('a known orderId with a foreign traceId: 404', async () => {
    const order = await waitingOrder();
    source.set(lookupFor(order), resultFor(order));
    const forged = buildCallbackRequest({ ...order, traceId: crypto.randomUUID() });
    expect(await send(forged)).toMatchObject(UNKNOWN);
    expect(source.calls).toEqual([]);
    expect((await stored(order)).status).toBe('waiting');
  });

  it('a callback naming another payee: 404 (the orderId may be the attacker’s own payment)', async () => {
    const order = await waitingOrder({ traceId: null });
    source.set(
      { orderId: order.orderId, payeeId: 'payee-attacker' },
      resultFor({ ...order, payeeId: 'payee-attacker' }),
    );
    expect(await send(buildCallbackRequest({ ...order, payeeId: 'payee-attacker' }))).toMatchObject(UNKNOWN);
    expect(source.calls).toEqual([]);
    expect((await stored(order)).status).toBe('waiting');
  });
});

describe('the lookup always uses the identifiers stored on the order', () => {
  it('a paylink order (no traceId) is looked up by its orderId and OUR payee, whatever traceId the body names', async () => {
    const order = await waitingOrder({ traceId: null });
    const attackerTrace = crypto.randomUUID();
    source.set({ traceId: attackerTrace }, resultFor(order, { traceId: attackerTrace }));
    source.set(lookupFor(order), resultFor(order, { status: 'unpaid' }));
    const answer = await send(buildCallbackRequest({ orderId: order.orderId, traceId: attackerTrace, payeeId: PAYEE }));
    expect(answer).toMatchObject(NOT_FINAL);
    expect(source.calls).toEqual([{ orderId: order.orderId, payeeId: PAYEE }]);
    expect((await stored(order)).status).toBe('waiting');
  });

  it('a body without payeeId is looked up with our payee', async () => {
    const order = await waitingOrder({ traceId: null });
    source.set(lookupFor(order), resultFor(order));
    expect(await send(rawPost(JSON.stringify({ orderId: order.orderId })))).toMatchObject(SUCCESS);
    expect(source.calls).toEqual([{ orderId: order.orderId, payeeId: PAYEE }]);
  });

  it('a body with only a traceId (any case) finds the order, and the stored traceId is used', async () => {
    const order = await waitingOrder();
    source.set(lookupFor(order), resultFor(order));
    const body = JSON.stringify({ orderId: '', traceId: order.traceId?.toUpperCase(), payeeId: PAYEE });
    expect(await send(rawPost(body))).toMatchObject(SUCCESS);
    expect(source.calls).toEqual([{ traceId: order.traceId }]);
    expect((await stored(order)).status).toBe('paid');
  });
});

describe('ids as MixPay spells them (MIXPAY-API.md §10.6)', () => {
  const UUID_PAYEE = '7f6e5d4c-3b2a-4190-8a7b-6c5d4e3f2a1b';

  it('a body with the traceId undashed and in upper case finds the order stored dashed', async () => {
    const order = await waitingOrder();
    source.set(lookupFor(order), resultFor(order));
    const traceId = order.traceId?.replaceAll('-', '').toUpperCase();
    expect(await send(rawPost(JSON.stringify({ orderId: '', traceId, payeeId: PAYEE })))).toMatchObject(SUCCESS);
    expect(source.calls).toEqual([{ traceId: order.traceId }]);
    expect((await stored(order)).status).toBe('paid');
  });

  it('an orderId callback whose traceId is the stored one undashed is not taken for a forgery', async () => {
    const order = await waitingOrder();
    source.set(lookupFor(order), resultFor(order));
    const body = JSON.stringify({
      orderId: order.orderId,
      traceId: order.traceId?.replaceAll('-', ''),
      payeeId: PAYEE,
    });
    expect(await send(rawPost(body))).toMatchObject(SUCCESS);
  });

  it('a UUID payee named undashed or in upper case is ours; another UUID payee is not', async () => {
    const order = await waitingOrder({ payeeId: UUID_PAYEE, traceId: null });
    source.set(lookupFor(order), resultFor(order));
    const options = { payeeId: UUID_PAYEE };
    const foreign = JSON.stringify({ orderId: order.orderId, payeeId: '7f6e5d4c-3b2a-4190-8a7b-6c5d4e3f2a1c' });
    expect(await send(rawPost(foreign), options)).toMatchObject(UNKNOWN);
    expect(source.calls).toEqual([]);
    for (const spelling of [UUID_PAYEE.toUpperCase(), UUID_PAYEE.replaceAll('-', '')]) {
      const body = JSON.stringify({ orderId: order.orderId, payeeId: spelling });
      expect(await send(rawPost(body), options)).toMatchObject(SUCCESS);
    }
    // Looked up with the payee as the shop stored it, never as the body spelt it.
    expect(source.calls[0]).toEqual({ orderId: order.orderId, payeeId: UUID_PAYEE });
  });
});

describe('results that cannot be judged (fail closed)', () => {
  it.each(['payeeId', 'quoteAmount', 'quoteAssetId'] as const)(
    'a success without %s: suspicious, onMismatch, acknowledged with SUCCESS, never paid',
    async (field) => {
      const order = await waitingOrder();
      source.set(lookupFor(order), resultFor(order, { [field]: undefined }));
      expect(await send(callbackFor(order))).toMatchObject({ ...SUCCESS, reason: 'recorded' });
      expect((await stored(order)).status).toBe('suspicious');
      expect(hooks.onPaid).not.toHaveBeenCalled();
      expect(hooks.onMismatch).toHaveBeenCalledTimes(1);
      expect(hooks.onMismatch.mock.calls[0]?.[2]).toEqual([expect.objectContaining({ field, actual: null })]);
      // A later complete answer does not undo it: a suspicious order is for a human to look at.
      source.set(lookupFor(order), resultFor(order));
      expect(await send(callbackFor(order))).toMatchObject({ ...SUCCESS, reason: 'already_final' });
      expect((await stored(order)).status).toBe('suspicious');
    },
  );

  it('a status the kit does not know keeps the order waiting (202 NOT_FINAL)', async () => {
    const order = await waitingOrder();
    source.set(lookupFor(order), resultFor(order, { status: 'processing' }));
    expect(await send(callbackFor(order))).toMatchObject({ ...NOT_FINAL, reason: 'not_final' });
    expect((await stored(order)).status).toBe('waiting');
  });
});

describe('malformed requests', () => {
  it.each([
    ['not JSON', 'orderId=order-1'],
    ['empty', ''],
    ['an array', '[{"orderId":"order-000001"}]'],
    ['a number', '12345'],
    ['a string', '"order-000001"'],
    ['null', 'null'],
    ['an object without ids', '{"payeeId":"payee-shop"}'],
    ['empty ids', '{"orderId":"","traceId":""}'],
    ['a numeric orderId', '{"orderId":123456}'],
    ['a numeric traceId', '{"traceId":1}'],
    ['an object as orderId', '{"orderId":{"$ne":null}}'],
    ['a numeric payeeId', '{"orderId":"order-000001","payeeId":7}'],
    ['an overlong orderId', JSON.stringify({ orderId: 'o'.repeat(129) })],
  ])('%s: 400', async (_name, body) => {
    const order = await waitingOrder({ orderId: 'order-000001' });
    source.set(lookupFor(order), resultFor(order));
    expect(await send(rawPost(body))).toMatchObject({ ...BAD, reason: 'bad_request' });
    expect(source.calls).toEqual([]);
  });

  it('a huge body: 400, not read into memory', async () => {
    const order = await waitingOrder();
    source.set(lookupFor(order), resultFor(order));
    const body = JSON.stringify({
      orderId: order.orderId,
      traceId: order.traceId,
      payeeId: PAYEE,
      pad: 'x'.repeat(1e6),
    });
    expect(await send(rawPost(body))).toMatchObject(BAD);
    expect(records.at(-1)?.body).toBe('');
    expect(source.calls).toEqual([]);
  });

  it('extra fields in an otherwise valid body are ignored, never trusted', async () => {
    const order = await waitingOrder();
    source.set(lookupFor(order), resultFor(order, { status: 'unpaid' }));
    const body = JSON.stringify({ orderId: order.orderId, traceId: order.traceId, payeeId: PAYEE, status: 'success' });
    expect(await send(rawPost(body))).toMatchObject(NOT_FINAL);
    expect((await stored(order)).status).toBe('waiting');
  });

  it('GET: 400', async () => {
    const order = await waitingOrder();
    source.set(lookupFor(order), resultFor(order));
    const query = new URLSearchParams({ orderId: order.orderId, payeeId: PAYEE });
    expect(await send(new Request(`http://shop.test/mixpay/callback?${query}`))).toMatchObject(BAD);
    expect(source.calls).toEqual([]);
  });

  it('a body in another content type is still read as the JSON callback it is', async () => {
    const order = await waitingOrder();
    source.set(lookupFor(order), resultFor(order));
    expect(
      await send(rawPost(JSON.stringify({ orderId: order.orderId }), { 'content-type': 'text/plain' })),
    ).toMatchObject(SUCCESS);
  });
});

describe('the sender allow-list', () => {
  const allow = { allowedIps: MIXPAY_CALLBACK_IPS };

  it('refuses other senders with 403 before anything else', async () => {
    const order = await waitingOrder();
    source.set(lookupFor(order), resultFor(order));
    expect(await send(callbackFor(order), allow, '127.0.0.1')).toMatchObject({ ...FORBIDDEN, reason: 'forbidden' });
    expect(await send(rawPost('garbage'), allow, '203.0.113.9')).toMatchObject(FORBIDDEN);
    expect(source.calls).toEqual([]);
    expect((await stored(order)).status).toBe('waiting');
  });

  it('lets MixPay’s address through, on IPv4 and on a dual-stack socket', async () => {
    const order = await waitingOrder();
    source.set(lookupFor(order), resultFor(order));
    expect(await send(callbackFor(order), allow, '52.198.117.57')).toMatchObject(SUCCESS);
    expect(await send(callbackFor(order), allow, '::ffff:52.198.117.57')).toMatchObject(SUCCESS);
  });

  it('fails closed when the adapter could not tell the address', async () => {
    const order = await waitingOrder();
    const response = await handler(allow)(callbackFor(order));
    expect(response.status).toBe(403);
  });

  it('ignores X-Forwarded-For unless it comes through a trusted proxy', async () => {
    const order = await waitingOrder();
    source.set(lookupFor(order), resultFor(order));
    const spoofed = () => {
      const req = callbackFor(order);
      req.headers.set('x-forwarded-for', '52.198.117.57');
      return req;
    };
    expect(await send(spoofed(), allow, '203.0.113.9')).toMatchObject(FORBIDDEN);
    expect(await send(spoofed(), { ...allow, trustedProxies: ['10.0.0.0/8'] }, '203.0.113.9')).toMatchObject(FORBIDDEN);
    expect(await send(spoofed(), { ...allow, trustedProxies: ['10.0.0.0/8'] }, '10.1.1.1')).toMatchObject(SUCCESS);
    expect(records.at(-1)?.remoteAddress).toBe('52.198.117.57');
  });
});

describe('hooks that throw', () => {
  it('are reported to onHookError; the order stays paid and the answer is SUCCESS', async () => {
    const order = await waitingOrder();
    source.set(lookupFor(order), resultFor(order));
    const boom = new Error('mailer down');
    hooks.onPaid.mockRejectedValue(boom);
    expect(await send(callbackFor(order))).toMatchObject(SUCCESS);
    expect((await stored(order)).status).toBe('paid');
    expect(hooks.onHookError).toHaveBeenCalledTimes(1);
    expect(hooks.onHookError).toHaveBeenCalledWith(boom, 'onPaid', expect.objectContaining({ orderId: order.orderId }));
    // The duplicate does not re-run the hook: the transition already happened.
    expect(await send(callbackFor(order))).toMatchObject(SUCCESS);
    expect(hooks.onPaid).toHaveBeenCalledTimes(1);
  });

  it('an onHookError that throws too changes nothing either', async () => {
    const order = await waitingOrder();
    source.set(lookupFor(order), resultFor(order, { status: 'failed' }));
    hooks.onFailed.mockImplementation(() => {
      throw new Error('hook');
    });
    hooks.onHookError.mockImplementation(() => {
      throw new Error('reporter');
    });
    expect(await send(callbackFor(order))).toMatchObject(SUCCESS);
    expect((await stored(order)).status).toBe('failed');
  });

  it('a throwing onPaidLess does not turn the answer into an error', async () => {
    const order = await waitingOrder();
    source.set(lookupFor(order), resultFor(order, underpaid()));
    hooks.onPaidLess.mockRejectedValue(new Error('sms down'));
    expect(await send(callbackFor(order), { subscribedEvents: ['paid_less'] })).toMatchObject(SUCCESS);
    expect(hooks.onHookError).toHaveBeenCalledWith(expect.any(Error), 'onPaidLess', expect.anything());
  });
});

describe('the recorder', () => {
  it('sees every callback with its body, outcome and answer', async () => {
    const order = await waitingOrder();
    source.set(lookupFor(order), resultFor(order));
    const request = callbackFor(order);
    const body = await request.clone().text();
    await send(request, {}, '52.198.117.57');
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      receivedAt: NOW,
      body,
      remoteAddress: '52.198.117.57',
      orderId: order.orderId,
      error: null,
      outcome: { kind: 'paid', changed: true, result: { status: 'success' } },
      answer: { status: 200, code: 'SUCCESS', reason: 'recorded' },
    });
  });
});
