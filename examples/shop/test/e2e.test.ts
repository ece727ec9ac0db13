// The example shop end to end: a REAL gateway process and a REAL shop process on loopback,
// each on its own SQLite file, talking only HTTP. Every test ends by reading the order twice:
// through the shop's GET /orders/{id}, and straight from the shop's database file (a separate
// read-only connection on payhook_orders). The gateway runs MixPay's 10 attempts compressed.
import { afterEach, describe, expect, it } from 'vitest';
import { paymentBody } from '../../../test-support/fixtures.js';
import { killAllProcesses } from '../../../test-support/process.js';
import { waitFor } from '../../../test-support/wait.js';
import { type FakeMixPay, startApiProxy, startFakeMixPay } from './helpers/fake-api.js';
import {
  type AdminDelivery,
  BTC_ID,
  type CreatedOrder,
  cleanupStacks,
  noteCounts,
  type OrderRow,
  SHOP_PAYEE,
  type ShopOrder,
  Stack,
  USDT_ID,
} from './helpers/stack.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const SUCCESS = { status: 200, code: 'SUCCESS' };
const servers: { close(): Promise<void> }[] = [];

afterEach(async () => {
  await killAllProcesses();
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await cleanupStacks();
});

const ids = (o: CreatedOrder, payeeId = SHOP_PAYEE) => ({ orderId: o.orderId, traceId: o.traceId ?? '', payeeId });

async function waitForOrder(stack: Stack, orderId: string, until: (o: ShopOrder) => boolean, what: string) {
  return waitFor(
    async () => {
      const order = await stack.order(orderId);
      return until(order) && order;
    },
    { timeoutMs: 15_000, what: `order ${orderId} ${what}` },
  );
}

/**
 * The order as the shop shows it AND as its database holds it: status, settlement and how
 * many notes of each kind, then the row itself (the same order, our payee, untouched deal).
 */
async function expectOrder(
  stack: Stack,
  orderId: string,
  expected: { status: ShopOrder['status']; settled: boolean; notes: Record<string, number> },
): Promise<{ order: ShopOrder; row: OrderRow }> {
  const order = await stack.order(orderId);
  expect(order.status, JSON.stringify(order)).toBe(expected.status);
  expect(order.settled).toBe(expected.settled);
  expect(noteCounts(order), JSON.stringify(order.notes)).toEqual(expected.notes);
  const row = stack.row(orderId);
  expect(row, `row of ${orderId}`).toBeDefined();
  expect(row).toMatchObject({
    order_id: orderId,
    status: expected.status,
    payee_id: SHOP_PAYEE,
    amount: order.amount,
    asset_id: order.currency,
    trace_id: order.traceId,
    payment_url: order.paymentUrl,
  });
  expect(row?.settled_at !== null).toBe(expected.settled);
  return { order, row: row as OrderRow };
}

/** The gateway's delivery of one event of a payment, once `until` holds for it. */
async function waitForDelivery(
  stack: Stack,
  traceId: string,
  type: string,
  until: (d: AdminDelivery) => boolean,
): Promise<AdminDelivery> {
  return waitFor(
    async () => {
      const delivery = (await stack.events(traceId)).find((e) => e.type === type)?.deliveries[0];
      return delivery !== undefined && until(delivery) && delivery;
    },
    { timeoutMs: 15_000, what: `the ${type} delivery of ${traceId}` },
  );
}

/** Delivered or exhausted: the sender is done with it (the test then says which it must be). */
const finished = (d: AdminDelivery) => d.state !== 'pending';

// Real processes on two shared cores: leave room above the usual 1–3 s per test.
describe('example shop end to end (real gateway and shop processes)', { timeout: 60_000 }, () => {
  it('pays an honest one-time payment exactly once; 50 concurrent duplicate callbacks change nothing', async () => {
    const stack = await Stack.start();
    const created = await stack.createOrder('10', 'one_time');
    expect(created.status).toBe('waiting');
    expect(created.orderId).toMatch(/^[A-Za-z0-9_-]{6,36}$/);
    expect(created.traceId).toMatch(UUID);
    expect(created.paymentUrl.startsWith(`${stack.gatewayUrl}/code/`)).toBe(true);
    await expectOrder(stack, created.orderId, { status: 'waiting', settled: false, notes: {} });

    const traceId = created.traceId as string;
    expect((await stack.pay(traceId)).result.status).toBe('success');
    await waitForOrder(stack, created.orderId, (o) => o.status === 'paid' && o.settled, 'paid and settled');
    // The gateway delivered `success` and (subscribed) `settle`, each answered SUCCESS at once.
    const success = await waitForDelivery(stack, traceId, 'success', finished);
    expect(success.state).toBe('delivered');
    const settle = await waitForDelivery(stack, traceId, 'settle', finished);
    expect(settle.state).toBe('delivered');
    for (const d of [success, settle])
      expect(d.attemptList.map((a) => [a.statusCode, a.success])).toEqual([[200, true]]);

    const before = await expectOrder(stack, created.orderId, {
      status: 'paid',
      settled: true,
      notes: { paid: 1, settled: 1 },
    });
    expect(before.order.notes.find((n) => n.kind === 'paid')?.detail).toEqual({ traceId, paymentAmount: '10' });
    expect(before.order.notes.find((n) => n.kind === 'settled')?.detail).toEqual({
      settleAmount: '10',
      settleAsset: USDT_ID,
    });

    // The very body the gateway sent, 50 times at once: acknowledged, and nothing is written again.
    const body = JSON.parse(success.body);
    expect(body).toEqual(ids(created));
    const answers = await Promise.all(Array.from({ length: 50 }, () => stack.callback(body)));
    expect(answers).toEqual(Array.from({ length: 50 }, () => SUCCESS));
    const after = await expectOrder(stack, created.orderId, {
      status: 'paid',
      settled: true,
      notes: { paid: 1, settled: 1 },
    });
    expect(after.row).toEqual(before.row);
    expect(after.order.notes).toEqual(before.order.notes);
  });

  it('makes exactly one transition when 50 concurrent callbacks race on a waiting order', async () => {
    const stack = await Stack.start({ gateway: { PAYHOOK_SETTLE_DELAY: '3600' } });
    const created = await stack.createOrder('25', 'paylink');
    expect(created.traceId).toBeNull();
    const link = new URL(created.paymentUrl);
    expect(`${link.origin}${link.pathname}`).toBe(`${stack.gatewayUrl}/pay`);
    expect(Object.fromEntries(link.searchParams)).toMatchObject({
      payeeId: SHOP_PAYEE,
      orderId: created.orderId,
      quoteAmount: '25',
      quoteAssetId: 'usd',
      callbackUrl: stack.callbackUrl,
    });
    // The payer's browser drops the callbackUrl: the gateway will never call; only our 50 callbacks do.
    link.searchParams.delete('callbackUrl');
    const payment = await stack.openPaylink(link.href);
    expect((await stack.pay(payment.traceId)).result.status).toBe('success');
    const events = await stack.events(payment.traceId);
    expect(events.map((e) => e.type)).toEqual(['success']);
    expect(events[0]?.deliveries).toEqual([]);
    await expectOrder(stack, created.orderId, { status: 'waiting', settled: false, notes: {} });

    const body = { orderId: created.orderId, traceId: payment.traceId, payeeId: SHOP_PAYEE };
    const answers = await Promise.all(Array.from({ length: 50 }, () => stack.callback(body)));
    expect(answers).toEqual(Array.from({ length: 50 }, () => SUCCESS));
    await expectOrder(stack, created.orderId, { status: 'paid', settled: false, notes: { paid: 1 } });
  });

  it('refuses forged callbacks without changing anything', async () => {
    const stack = await Stack.start();
    const created = await stack.createOrder('10', 'one_time');
    // The attacker's own payment, really paid, whose ids they can put in a callback.
    const attacker = await stack.createPayment(
      paymentBody({
        payeeId: 'attacker',
        orderId: 'attacker-order-1',
      }),
    );
    expect((await stack.pay(attacker.traceId)).result.status).toBe('success');
    const before = await expectOrder(stack, created.orderId, { status: 'waiting', settled: false, notes: {} });

    const forged: [unknown, number, string][] = [
      // an order the shop never had
      [{ orderId: 'shop-no-such-order', traceId: attacker.traceId, payeeId: SHOP_PAYEE }, 404, 'UNKNOWN_ORDER'],
      [{ traceId: attacker.traceId, payeeId: SHOP_PAYEE }, 404, 'UNKNOWN_ORDER'],
      // our order with somebody else's (paid) traceId
      [{ orderId: created.orderId, traceId: attacker.traceId, payeeId: SHOP_PAYEE }, 404, 'UNKNOWN_ORDER'],
      // our order and traceId with a foreign payee
      [{ ...ids(created), payeeId: 'attacker' }, 404, 'UNKNOWN_ORDER'],
      // the genuine ids, a claimed status: the body is a hint, the result says unpaid
      [{ ...ids(created), status: 'success', quoteAmount: '10' }, 202, 'NOT_FINAL'],
      // not a callback at all
      [{ orderId: 42, traceId: created.traceId }, 400, 'BAD_REQUEST'],
    ];
    for (const [body, status, code] of forged) {
      const answer = await stack.callback(body);
      expect(answer, JSON.stringify(body)).toEqual({ status, code });
      expect(answer.code).not.toBe('SUCCESS');
    }
    // Malformed JSON never reaches the kit: Fastify refuses it (400, its own error code).
    const malformed = await stack.callback('{"orderId": "');
    expect(malformed.status).toBe(400);
    expect(malformed.code).not.toBe('SUCCESS');
    const after = await expectOrder(stack, created.orderId, { status: 'waiting', settled: false, notes: {} });
    expect(after.row).toEqual(before.row);
  });

  it('ignores a payment made under the attacker’s payee with the shop’s orderId (paid)', async () => {
    const stack = await Stack.start();
    const paylink = await stack.createOrder('10', 'paylink'); // looked up by (orderId, our payee)
    const oneTime = await stack.createOrder('10', 'one_time'); // looked up by its traceId
    const rows = new Map<string, OrderRow>();
    for (const o of [paylink, oneTime]) {
      rows.set(o.orderId, (await expectOrder(stack, o.orderId, { status: 'waiting', settled: false, notes: {} })).row);
    }

    for (const target of [paylink, oneTime]) {
      const attack = await stack.createPayment(
        paymentBody({
          payeeId: 'attacker-payee',
          orderId: target.orderId,
          callbackUrl: stack.callbackUrl,
        }),
      );
      const { result } = await stack.pay(attack.traceId);
      expect(result).toMatchObject({ status: 'success', orderId: target.orderId, payeeId: 'attacker-payee' });
      // The gateway itself tells the shop about the attacker's payment: refused, all 10 times.
      const delivery = await waitForDelivery(stack, attack.traceId, 'success', finished);
      expect(delivery.state).toBe('exhausted');
      expect(delivery.attemptList.map((a) => a.statusCode)).toEqual(Array.from({ length: 10 }, () => 404));
      // And the attacker's hand-made callbacks, with their payee and with ours.
      expect(
        await stack.callback({ orderId: target.orderId, traceId: attack.traceId, payeeId: 'attacker-payee' }),
      ).toEqual({ status: 404, code: 'UNKNOWN_ORDER' });
      expect(await stack.callback({ orderId: target.orderId, payeeId: 'attacker-payee' })).toEqual({
        status: 404,
        code: 'UNKNOWN_ORDER',
      });
      // With our payee the shop looks up (orderId, our payee) or its traceId: no paid payment there.
      const asShop = await stack.callback({ orderId: target.orderId, traceId: attack.traceId, payeeId: SHOP_PAYEE });
      expect(asShop.code).not.toBe('SUCCESS');
      expect(asShop.status).toBe(target === paylink ? 503 : 404);
    }
    for (const o of [paylink, oneTime]) {
      const now = await expectOrder(stack, o.orderId, { status: 'waiting', settled: false, notes: {} });
      expect(now.row).toEqual(rows.get(o.orderId));
    }

    // The real payer still pays the real link, and that is what counts.
    const payment = await stack.openPaylink(paylink.paymentUrl);
    expect(payment.payeeId).toBe(SHOP_PAYEE);
    await stack.pay(payment.traceId);
    await waitForOrder(stack, paylink.orderId, (o) => o.status === 'paid' && o.settled, 'paid and settled');
    await expectOrder(stack, paylink.orderId, { status: 'paid', settled: true, notes: { paid: 1, settled: 1 } });
  });

  it('ignores a failed payment under the attacker’s payee with the shop’s orderId, before and after payment', async () => {
    const stack = await Stack.start();
    const waiting = await stack.createOrder('10', 'paylink');
    const paid = await stack.createOrder('10', 'paylink');
    const payment = await stack.openPaylink(paid.paymentUrl);
    await stack.pay(payment.traceId);
    await waitForOrder(stack, paid.orderId, (o) => o.status === 'paid' && o.settled, 'paid and settled');
    const rows = new Map<string, OrderRow>();
    rows.set(
      waiting.orderId,
      (await expectOrder(stack, waiting.orderId, { status: 'waiting', settled: false, notes: {} })).row,
    );
    rows.set(
      paid.orderId,
      (await expectOrder(stack, paid.orderId, { status: 'paid', settled: true, notes: { paid: 1, settled: 1 } })).row,
    );

    for (const target of [waiting, paid]) {
      const attack = await stack.createPayment(
        paymentBody({
          payeeId: 'attacker-payee',
          orderId: target.orderId,
          callbackUrl: stack.callbackUrl,
        }),
      );
      expect(await stack.expire(attack.traceId)).toMatchObject({ status: 'failed', failureCode: '40000' });
      const delivery = await waitForDelivery(stack, attack.traceId, 'fail', finished);
      expect(delivery.state).toBe('exhausted');
      expect(delivery.attemptList.map((a) => a.statusCode)).toEqual(Array.from({ length: 10 }, () => 404));
      expect(
        await stack.callback({ orderId: target.orderId, traceId: attack.traceId, payeeId: 'attacker-payee' }),
      ).toEqual({ status: 404, code: 'UNKNOWN_ORDER' });
    }
    const w = await expectOrder(stack, waiting.orderId, { status: 'waiting', settled: false, notes: {} });
    expect(w.row).toEqual(rows.get(waiting.orderId));
    const p = await expectOrder(stack, paid.orderId, { status: 'paid', settled: true, notes: { paid: 1, settled: 1 } });
    expect(p.row).toEqual(rows.get(paid.orderId));
  });

  it('never pays a tampered paylink: 1000 USD paid as 0.01 is suspicious, with a mismatch note', async () => {
    const stack = await Stack.start();
    const created = await stack.createOrder('1000', 'paylink');
    const link = new URL(created.paymentUrl);
    link.searchParams.set('quoteAmount', '0.01');
    const payment = await stack.openPaylink(link.href);
    expect(payment).toMatchObject({ orderId: created.orderId, payeeId: SHOP_PAYEE, quoteAmount: '0.01' });
    const { result } = await stack.pay(payment.traceId);
    expect(result).toMatchObject({ status: 'success', quoteAmount: '0.01', paymentAmount: '0.01' });
    // What the shop reads with its own identifiers is a real success, for the wrong amount.
    expect(await stack.result(`orderId=${created.orderId}&payeeId=${SHOP_PAYEE}`)).toMatchObject({
      status: 'success',
      payeeId: SHOP_PAYEE,
      quoteAmount: '0.01',
    });

    await waitForOrder(stack, created.orderId, (o) => o.status !== 'waiting', 'judged');
    // Recorded (so the sender stops), and stays so through settlement.
    for (const type of ['success', 'settle']) {
      expect((await waitForDelivery(stack, payment.traceId, type, finished)).state).toBe('delivered');
    }
    const { order } = await expectOrder(stack, created.orderId, {
      status: 'suspicious',
      settled: false,
      notes: { mismatch: 1 },
    });
    expect(order.notes[0]?.detail).toEqual({
      mismatches: [{ field: 'quoteAmount', expected: '1000', actual: '0.01' }],
    });
  });

  it('does not pay with the wrong asset, the wrong quote asset or the wrong payee', async () => {
    const stack = await Stack.start();

    // (a) A one-time payment takes the asset of its first transfer (USDT here); BTC after that is
    // the wrong asset: the gateway fails the payment (40020) and the order fails, never paid.
    const a = await stack.createOrder('10', 'one_time');
    const traceId = a.traceId as string;
    expect((await stack.pay(traceId, { amount: '4', assetId: USDT_ID })).result).toMatchObject({
      status: 'pending',
      paymentAssetId: USDT_ID,
    });
    await waitForOrder(stack, a.orderId, (o) => o.notes.length > 0, 'reminded');
    const wrong = await stack.pay(traceId, { amount: '0.0001', assetId: BTC_ID });
    expect(wrong.result).toMatchObject({ status: 'failed', failureCode: '40020' });
    await waitForOrder(stack, a.orderId, (o) => o.status !== 'waiting', 'judged');
    const failed = await expectOrder(stack, a.orderId, {
      status: 'failed',
      settled: false,
      notes: { paid_less: 1, failed: 1 },
    });
    expect(failed.order.notes.find((n) => n.kind === 'failed')?.detail).toMatchObject({ failureCode: '40020' });

    // (b) An order priced 10 BTC whose paylink was edited to 10 USD: paid, but not this order's deal.
    const b = await stack.createOrder('10', 'paylink', BTC_ID);
    const linkB = new URL(b.paymentUrl);
    expect(linkB.searchParams.get('quoteAssetId')).toBe(BTC_ID);
    linkB.searchParams.set('quoteAssetId', 'usd');
    const paymentB = await stack.openPaylink(linkB.href);
    expect((await stack.pay(paymentB.traceId)).result).toMatchObject({ status: 'success', quoteAssetId: 'usd' });
    await waitForOrder(stack, b.orderId, (o) => o.status !== 'waiting', 'judged');
    const suspicious = await expectOrder(stack, b.orderId, {
      status: 'suspicious',
      settled: false,
      notes: { mismatch: 1 },
    });
    expect(suspicious.order.notes[0]?.detail).toEqual({
      mismatches: [{ field: 'quoteAssetId', expected: BTC_ID, actual: 'usd' }],
    });

    // (c) A paylink edited to pay another payee: the money went elsewhere, the gateway's callback
    // names that payee (refused), and the shop's own lookup finds no payment of ours.
    const c = await stack.createOrder('10', 'paylink');
    const linkC = new URL(c.paymentUrl);
    linkC.searchParams.set('payeeId', 'attacker-payee');
    const paymentC = await stack.openPaylink(linkC.href);
    expect(paymentC.payeeId).toBe('attacker-payee');
    expect((await stack.pay(paymentC.traceId)).result.status).toBe('success');
    const refused = await waitForDelivery(stack, paymentC.traceId, 'success', finished);
    expect(refused.state).toBe('exhausted');
    expect(refused.attemptList.every((x) => x.statusCode === 404)).toBe(true);
    expect(await stack.callback({ orderId: c.orderId, traceId: paymentC.traceId, payeeId: SHOP_PAYEE })).toEqual({
      status: 503,
      code: 'RETRY_LATER',
    });
    await expectOrder(stack, c.orderId, { status: 'waiting', settled: false, notes: {} });
  });

  it('compares amounts as decimals: "10" equals "10.00", "10" is not "10.000001", both ways', async () => {
    const stack = await Stack.start();
    const cases = [
      { order: '10.00', paid: '10', status: 'paid' },
      { order: '10', paid: '10.00', status: 'paid' },
      { order: '10', paid: '10.000001', status: 'suspicious' },
      { order: '10.000001', paid: '10', status: 'suspicious' },
    ] as const;
    const runs = await Promise.all(
      cases.map(async (c) => {
        const created = await stack.createOrder(c.order, 'paylink');
        const link = new URL(created.paymentUrl);
        expect(link.searchParams.get('quoteAmount')).toBe(c.order);
        link.searchParams.set('quoteAmount', c.paid); // the same price, or not, spelled differently
        const payment = await stack.openPaylink(link.href);
        const { result } = await stack.pay(payment.traceId);
        expect(result).toMatchObject({ status: 'success', quoteAmount: c.paid });
        return { ...c, created };
      }),
    );
    for (const run of runs) {
      const { orderId } = run.created;
      if (run.status === 'paid') {
        await waitForOrder(stack, orderId, (o) => o.status === 'paid' && o.settled, 'paid and settled');
        const { order } = await expectOrder(stack, orderId, {
          status: 'paid',
          settled: true,
          notes: { paid: 1, settled: 1 },
        });
        expect(order.amount).toBe(run.order);
      } else {
        await waitForOrder(stack, orderId, (o) => o.status !== 'waiting', 'judged');
        const { order } = await expectOrder(stack, orderId, {
          status: 'suspicious',
          settled: false,
          notes: { mismatch: 1 },
        });
        expect(order.notes[0]?.detail).toEqual({
          mismatches: [{ field: 'quoteAmount', expected: run.order, actual: run.paid }],
        });
      }
    }
  });

  it('keeps the order when payments_result answers garbage or is down; the gateway’s durable retry completes it', async () => {
    const proxy = await startApiProxy();
    servers.push(proxy);
    const stack = await Stack.start({
      apiBase: proxy.apiBase,
      gateway: { PAYHOOK_RETRY_SCHEDULE: '0,1.5,1.5,1.5,1.5,1.5,1.5,1.5,1.5,1.5', PAYHOOK_SETTLE_DELAY: '3600' },
    });
    proxy.target = stack.gatewayUrl;
    const created = await stack.createOrder('10', 'one_time'); // through the proxy, to the gateway
    const traceId = created.traceId as string;

    // payments_result answers an HTML error page: the shop cannot verify, says so, changes nothing.
    proxy.mode = 'garbage';
    expect((await stack.pay(traceId)).result.status).toBe('success');
    const first = await waitForDelivery(stack, traceId, 'success', (d) => d.attemptList.length >= 1);
    expect(first.state).toBe('pending');
    expect(first.attemptList[0]).toMatchObject({ success: false, statusCode: 503 });
    expect(first.attemptList[0]?.responseExcerpt).toContain('RETRY_LATER');
    expect(proxy.resultRequests).toBeGreaterThanOrEqual(1);
    await expectOrder(stack, created.orderId, { status: 'waiting', settled: false, notes: {} });

    // The gateway crashes with the retry pending; payments_result is down altogether.
    await stack.gateway?.signal('SIGKILL');
    proxy.mode = 'forward';
    expect(await stack.callback(ids(created))).toEqual({ status: 503, code: 'RETRY_LATER' });
    await expectOrder(stack, created.orderId, { status: 'waiting', settled: false, notes: {} });

    // Back on the same database file: the scheduled retry survives and, this time, verifies.
    await stack.startGateway();
    await waitForOrder(stack, created.orderId, (o) => o.status === 'paid', 'paid');
    const done = await waitForDelivery(stack, traceId, 'success', finished);
    expect(done.state).toBe('delivered');
    expect(done.attemptList.length).toBeGreaterThanOrEqual(2);
    expect(done.attemptList.at(-1)).toMatchObject({ success: true, statusCode: 200 });
    expect(done.attemptList.slice(0, -1).every((a) => !a.success)).toBe(true);
    await expectOrder(stack, created.orderId, { status: 'paid', settled: false, notes: { paid: 1 } });
  });

  it('reminds an underpayer with the original link, is paid by the top-up, and notes the settle event', async () => {
    const stack = await Stack.start({ gateway: { PAYHOOK_SETTLE_DELAY: '3600' } });
    const created = await stack.createOrder('10', 'one_time');
    const traceId = created.traceId as string;

    const first = await stack.pay(traceId, { amount: '4' });
    expect(first.result).toMatchObject({
      status: 'pending',
      payment: { isMultiPay: true, isFullyPaid: false, totalTransactionsAmount: '4' },
    });
    await waitForOrder(stack, created.orderId, (o) => o.notes.length > 0, 'reminded');
    const reminded = await expectOrder(stack, created.orderId, {
      status: 'waiting',
      settled: false,
      notes: { paid_less: 1 },
    });
    expect(reminded.order.notes[0]?.detail).toEqual({
      paidAmount: '4',
      remainingAmount: '6',
      paymentUrl: created.paymentUrl,
    });
    const paidLess = await waitForDelivery(stack, traceId, 'paid_less', finished);
    expect(paidLess.state).toBe('delivered');
    expect(paidLess.attemptList.map((a) => a.statusCode)).toEqual([200]);

    // The top-up: the sandbox pays what is still owed.
    expect((await stack.pay(traceId)).result).toMatchObject({ status: 'success', paymentAmount: '10' });
    await waitForOrder(stack, created.orderId, (o) => o.status === 'paid', 'paid');
    await expectOrder(stack, created.orderId, { status: 'paid', settled: false, notes: { paid_less: 1, paid: 1 } });

    // Settlement completes; its `settle` event is the only thing that can tell the shop.
    expect(await stack.settle(traceId)).toMatchObject({
      settleStatus: 'success',
      settleAmount: '10',
      settleAsset: USDT_ID,
    });
    await waitForOrder(stack, created.orderId, (o) => o.settled, 'settled');
    const settled = await expectOrder(stack, created.orderId, {
      status: 'paid',
      settled: true,
      notes: { paid_less: 1, paid: 1, settled: 1 },
    });
    expect(settled.order.notes.find((n) => n.kind === 'settled')?.detail).toEqual({
      settleAmount: '10',
      settleAsset: USDT_ID,
    });
    expect((await waitForDelivery(stack, traceId, 'settle', finished)).state).toBe('delivered');
  });

  it('fails an expired payment, and late money or callbacks do not revive it', async () => {
    const stack = await Stack.start();
    const created = await stack.createOrder('10', 'one_time');
    const traceId = created.traceId as string;
    expect(await stack.expire(traceId)).toMatchObject({ status: 'failed', failureCode: '40000' });
    await waitForOrder(stack, created.orderId, (o) => o.status !== 'waiting', 'judged');
    expect((await waitForDelivery(stack, traceId, 'fail', finished)).state).toBe('delivered');
    const before = await expectOrder(stack, created.orderId, {
      status: 'failed',
      settled: false,
      notes: { failed: 1 },
    });
    expect(before.order.notes[0]?.detail).toMatchObject({ failureCode: '40000' });

    expect((await stack.pay(traceId)).result.status).toBe('failed');
    expect(await stack.callback(ids(created))).toEqual(SUCCESS);
    const after = await expectOrder(stack, created.orderId, { status: 'failed', settled: false, notes: { failed: 1 } });
    expect(after.row).toEqual(before.row);
  });

  it('reconciles an order whose 10 callback attempts were all lost, behind 30 orders that wait forever', async () => {
    const stack = await Stack.start({
      gateway: { PAYHOOK_SETTLE_DELAY: '3600' },
      shop: { RECONCILE_AFTER: '0.5', RECONCILE_INTERVAL: '0.2' },
    });
    // Abandoned carts: paylinks nobody opens. They stay waiting for good and fill a whole batch
    // (30) of every reconciler pass that starts from the oldest order.
    const abandoned = await Promise.all(Array.from({ length: 30 }, () => stack.createOrder('5', 'paylink')));
    const created = await stack.createOrder('10', 'one_time');
    const traceId = created.traceId as string;
    await stack.shop.stop();

    expect((await stack.pay(traceId)).result.status).toBe('success');
    const lost = await waitForDelivery(stack, traceId, 'success', finished);
    expect(lost.state).toBe('exhausted');
    expect(lost.attemptList).toHaveLength(10);
    expect(lost.attemptList.every((a) => !a.success && a.errorClass === 'connect_refused')).toBe(true);
    expect(stack.row(created.orderId)?.status).toBe('waiting'); // the shop is down: its database says so

    await stack.startShop(); // same port, same database file
    await waitForOrder(stack, created.orderId, (o) => o.status === 'paid', 'paid by the reconciler');
    await expectOrder(stack, created.orderId, { status: 'paid', settled: false, notes: { paid: 1 } });
    // No callback did it: the only delivery is still the exhausted one.
    const events = await stack.events(traceId);
    expect(events.map((e) => e.type)).toEqual(['success']);
    expect(events[0]?.deliveries.map((d) => [d.state, d.attempts])).toEqual([['exhausted', 10]]);
    for (const o of abandoned.slice(0, 3)) {
      await expectOrder(stack, o.orderId, { status: 'waiting', settled: false, notes: {} });
    }
    expect(abandoned.every((o) => stack.row(o.orderId)?.status === 'waiting')).toBe(true);
  });
});

describe('example shop against a scripted payments_result (a tiny fake MixPay API)', { timeout: 60_000 }, () => {
  // The gateway never reports `auditing`, nor a failure after a success: a real shop process
  // talks to a fake API whose payments_result answers what each step scripts.
  let fake: FakeMixPay;
  const start = async () => {
    fake = await startFakeMixPay();
    servers.push(fake);
    return Stack.start({ noGateway: true, apiBase: fake.apiBase });
  };

  it('keeps a paid order paid whatever later results say (failed, pending, unpaid, auditing)', async () => {
    const stack = await start();
    const created = await stack.createOrder('10', 'one_time');
    const traceId = created.traceId as string;
    fake.script(traceId, { status: 'success' });
    expect(await stack.callback(ids(created))).toEqual(SUCCESS);
    const paid = await expectOrder(stack, created.orderId, { status: 'paid', settled: false, notes: { paid: 1 } });

    const late = [
      { status: 'failed', failureCode: '40000', failureReason: 'Payment overtime' },
      { status: 'pending', confirmations: 0 },
      { status: 'unpaid' },
      { status: 'auditing' },
    ] as const;
    for (const result of late) {
      fake.script(traceId, result);
      const lookups = fake.lookups.length;
      expect(await stack.callback(ids(created))).toEqual(SUCCESS);
      expect(fake.lookups.length).toBe(lookups + 1); // it did read the new result
      expect(fake.lookups.at(-1)).toContain(`traceId=${traceId}`);
    }
    const after = await expectOrder(stack, created.orderId, { status: 'paid', settled: false, notes: { paid: 1 } });
    expect(after.row).toEqual(paid.row);
  });

  it('keeps an auditing or confirming order waiting, then pays it on success', async () => {
    const stack = await start();
    const created = await stack.createOrder('10', 'one_time');
    const traceId = created.traceId as string;
    for (const result of [
      { status: 'auditing' },
      { status: 'pending', payment: { isMultiPay: false, isFullyPaid: true, totalTransactionsAmount: '10' } },
    ] as const) {
      fake.script(traceId, result);
      expect(await stack.callback(ids(created))).toEqual({ status: 202, code: 'NOT_FINAL' });
      await expectOrder(stack, created.orderId, { status: 'waiting', settled: false, notes: {} });
    }
    fake.script(traceId, { status: 'success' });
    expect(await stack.callback(ids(created))).toEqual(SUCCESS);
    await expectOrder(stack, created.orderId, { status: 'paid', settled: false, notes: { paid: 1 } });
  });

  it('fails only on a failed result for this very order, for good; a foreign payee is suspicious', async () => {
    const stack = await start();
    const failed = await stack.createOrder('10', 'one_time');
    fake.script(failed.traceId as string, {
      status: 'failed',
      failureCode: '40000',
      failureReason: 'Payment overtime',
    });
    expect(await stack.callback(ids(failed))).toEqual(SUCCESS);
    fake.script(failed.traceId as string, { status: 'success' });
    expect(await stack.callback(ids(failed))).toEqual(SUCCESS);
    await expectOrder(stack, failed.orderId, { status: 'failed', settled: false, notes: { failed: 1 } });

    const foreign = await stack.createOrder('10', 'one_time');
    fake.script(foreign.traceId as string, { status: 'success', payeeId: 'someone-else' });
    expect(await stack.callback(ids(foreign))).toEqual(SUCCESS);
    const { order } = await expectOrder(stack, foreign.orderId, {
      status: 'suspicious',
      settled: false,
      notes: { mismatch: 1 },
    });
    expect(order.notes[0]?.detail).toEqual({
      mismatches: [{ field: 'payeeId', expected: SHOP_PAYEE, actual: 'someone-else' }],
    });
  });
});
