// Every status a payment can reach, driven through the sandbox API and read back through
// payments_result: unpaid, pending, success (with surplus), failed 40000/40020/40024,
// multi-pay underpayment, settlement, and the return URLs.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NO_SURPLUS_NO_FAILURE, NOT_SETTLING, paymentBody } from '../../../test-support/fixtures.js';
import { waitFor } from '../../../test-support/wait.js';
import { ManualClock } from '../src/clock.js';
import { type ApiBody, call, expectOk, expectResultShape, newOrderId } from './helpers/api.js';
import { closeTestServers, startTestGateway, type TestGateway, USDT_ID } from './helpers/gateway.js';

const BTC_ID = 'c6d0c728-2624-429b-8e0d-d9d19b6592fa';
const PUSD_ID = '31d2ea9c-95eb-3355-b65b-ba096853bc18';
const RETURN_TO = 'https://shop.example/thanks';
const FAILED_RETURN_TO = 'https://shop.example/sorry';

let gw: TestGateway;

afterEach(closeTestServers);

async function result(traceId: string): Promise<ApiBody['data']> {
  const data = expectOk(await call(gw, 'GET', `/v1/payments_result?traceId=${traceId}&with=payment,transactions`));
  expectResultShape(data, ['payment', 'transactions']);
  return data;
}

async function transfer(body: Record<string, unknown>) {
  return expectOk(await call(gw, 'POST', '/v1/sandbox/transfers', { json: body }));
}

async function eventsOf(traceId: string): Promise<string[]> {
  const detail = expectOk(await call(gw, 'GET', `/admin/payments/${traceId}`));
  return detail.events.map((e: { type: string }) => e.type);
}

function create(overrides: Record<string, unknown> = {}) {
  return gw.createPayment({ returnTo: RETURN_TO, failedReturnTo: FAILED_RETURN_TO, ...overrides });
}

/** What payments_result shows of a failed payment: MixPay's code and reason (§8.2), and `failedReturnTo`. */
function failedWith(failureCode: string, failureReason: string) {
  return { status: 'failed', failureCode, failureReason, returnTo: FAILED_RETURN_TO };
}

/** A one-time payment made of `paymentBody(overrides)`; returns the answer's `data` (its `code`). */
async function oneTimePayment(overrides: Record<string, unknown>) {
  return expectOk(await call(gw, 'POST', '/v1/one_time_payment', { json: paymentBody(overrides) }));
}

describe('statuses through the sandbox', () => {
  beforeEach(async () => {
    // Settlement waits an hour unless the sandbox settles by hand, so states hold still.
    gw = await startTestGateway({ PAYHOOK_SETTLE_DELAY: '3600' });
  });

  it('unpaid: what to pay, nothing paid, no failure, no settlement, no return URL yet', async () => {
    const payment = await create();
    expect(await result(payment.traceId)).toMatchObject({
      status: 'unpaid',
      paymentAmount: '10',
      payableAmount: '10',
      txid: '',
      confirmations: -1,
      ...NO_SURPLUS_NO_FAILURE,
      returnTo: '',
      ...NOT_SETTLING,
      payment: { isMultiPay: false, isFullyPaid: false, totalTransactionsAmount: '0' },
      transactions: [],
    });
    expect(await eventsOf(payment.traceId)).toEqual([]);
  });

  it('pending while confirmations are short, with the confirmations count; then success', async () => {
    const payment = await create();
    const { transfer: t, result: afterTransfer } = await transfer({ traceId: payment.traceId, confirmations: 0 });
    expect(afterTransfer).toMatchObject({ status: 'pending', confirmations: 0 });
    const pending = await result(payment.traceId);
    expect(pending).toMatchObject({
      status: 'pending',
      // A Mixin payment has no on-chain hash; the transfer is in transactions.
      txid: '',
      paymentAmount: '10',
      returnTo: '',
      settleStatus: '',
      payment: { isMultiPay: false, isFullyPaid: true, totalTransactionsAmount: '10' },
    });
    expect(pending.confirmations).toBeGreaterThan(-1);
    expect(pending.confirmations).toBe(0);

    const confirmed = expectOk(
      await call(gw, 'POST', `/v1/sandbox/transfers/${t.txid}/confirmations`, { json: { confirmations: 1 } }),
    );
    expect(confirmed.status).toBe('success');
    expect(await result(payment.traceId)).toMatchObject({
      status: 'success',
      confirmations: -1,
      transactions: [{ txid: t.txid, confirmations: 1 }],
    });
    expect(await eventsOf(payment.traceId)).toEqual(['pending', 'success']);
  });

  it('pending counts the confirmations of a BTC payment up to the 2 it needs', async () => {
    const payment = await create({ paymentAssetId: BTC_ID });
    const { transfer: t } = await transfer({ traceId: payment.traceId, confirmations: 1 });
    expect(t).toMatchObject({ assetId: BTC_ID, amount: '0.00016667', confirmations: 1 });
    expect(await result(payment.traceId)).toMatchObject({ status: 'pending', confirmations: 1, paymentSymbol: 'BTC' });
    // Still one short: no change, and no second `pending` event.
    await call(gw, 'POST', `/v1/sandbox/transfers/${t.txid}/confirmations`, { json: { confirmations: 1 } });
    expect((await result(payment.traceId)).status).toBe('pending');
    await call(gw, 'POST', `/v1/sandbox/transfers/${t.txid}/confirmations`, { json: { confirmations: 2 } });
    expect((await result(payment.traceId)).status).toBe('success');
    expect(await eventsOf(payment.traceId)).toEqual(['pending', 'success']);
  });

  it('success: paid in full, returnTo shown, settlement pending', async () => {
    const payment = await create();
    await transfer({ traceId: payment.traceId });
    const data = await result(payment.traceId);
    expect(data).toMatchObject({
      status: 'success',
      paymentAmount: '10',
      // A Mixin payment has no on-chain hash; the transfer is in transactions.
      txid: '',
      confirmations: -1,
      ...NO_SURPLUS_NO_FAILURE,
      returnTo: RETURN_TO,
      settleStatus: 'pending',
      payment: { isFullyPaid: true, totalTransactionsAmount: '10' },
    });
  });

  it.each([
    {
      name: 'success with surplus on an overpayment',
      amount: '12.5',
      expected: {
        status: 'success',
        paymentAmount: '12.5',
        payableAmount: '10',
        surplusAmount: '2.5',
        surplusStatus: 'pending',
        returnTo: RETURN_TO,
        payment: { isFullyPaid: true, totalTransactionsAmount: '12.5' },
      },
      events: undefined,
    },
    {
      name: 'failed 40024 when a single-pay payment is underpaid; paymentAmount says what was paid',
      amount: '9.99',
      expected: {
        ...failedWith('40024', 'Wrong Amount paid'),
        paymentAmount: '9.99',
        payment: { isMultiPay: false, isFullyPaid: false, totalTransactionsAmount: '9.99' },
      },
      events: ['fail'],
    },
  ])('$name', async ({ amount, expected, events }) => {
    const payment = await create();
    await transfer({ traceId: payment.traceId, amount });
    expect(await result(payment.traceId)).toMatchObject(expected);
    if (events !== undefined) expect(await eventsOf(payment.traceId)).toEqual(events);
  });

  it('failed 40000 when the sandbox lets it expire; failedReturnTo shown', async () => {
    const payment = await create();
    const expired = expectOk(await call(gw, 'POST', `/v1/sandbox/payments/${payment.traceId}/expire`));
    expect(expired).toMatchObject({ status: 'failed', failureCode: '40000' });
    expect(await result(payment.traceId)).toMatchObject({
      ...failedWith('40000', 'Payment overtime'),
      paymentAmount: '0',
      settleStatus: '',
    });
    expect(await eventsOf(payment.traceId)).toEqual(['fail']);
    // Money arriving late is recorded but does not revive the payment.
    await transfer({ traceId: payment.traceId });
    expect(await result(payment.traceId)).toMatchObject({ status: 'failed', failureCode: '40000' });
  });

  it('failed 40020 when a BTC transfer pays a USDT payment', async () => {
    const payment = await create();
    const { transfer: t } = await transfer({ traceId: payment.traceId, assetId: BTC_ID });
    const data = await result(payment.traceId);
    expect(data).toMatchObject({
      ...failedWith('40020', 'Wrong asset paid'),
      paymentAssetId: USDT_ID,
      // A Mixin payment has no on-chain hash; the transfer is in transactions.
      txid: '',
      transactions: [{ txid: t.txid, paymentAssetId: BTC_ID, paymentAssetSymbol: 'BTC', paymentAmount: '0.00016667' }],
    });
    expect(await eventsOf(payment.traceId)).toEqual(['fail']);
  });

  it('multi-pay underpayment of a one-time payment stays pending until topped up, then succeeds', async () => {
    const created = await oneTimePayment({
      orderId: newOrderId('multi'),
      // Without a payment asset: the payer picks it.
      paymentAssetId: undefined,
      returnTo: RETURN_TO,
      callbackEvent: 'paid_less',
    });
    // No payment asset yet: the first transfer (USDT by default) fixes it.
    expect(await result(created.code)).toMatchObject({ status: 'unpaid', paymentAssetId: '', payableAmount: '' });

    await transfer({ code: created.code, amount: '4' });
    const partial = await result(created.code);
    expect(partial).toMatchObject({
      status: 'pending',
      paymentAssetId: USDT_ID,
      payableAmount: '10',
      paymentAmount: '4',
      returnTo: '',
      payment: { isMultiPay: true, isFullyPaid: false, totalTransactionsAmount: '4' },
    });
    expect(partial.confirmations).toBeGreaterThan(-1);
    expect(await eventsOf(created.code)).toEqual(['paid_less']);

    // The top-up defaults to what is still owed.
    const { transfer: topUp } = await transfer({ traceId: created.code });
    expect(topUp.amount).toBe('6');
    const done = await result(created.code);
    expect(done).toMatchObject({
      status: 'success',
      paymentAmount: '10',
      surplusAmount: '0',
      returnTo: RETURN_TO,
      payment: { isMultiPay: true, isFullyPaid: true, totalTransactionsAmount: '10' },
    });
    expect(done.transactions.map((t: { paymentAmount: string }) => t.paymentAmount)).toEqual(['4', '6']);
    expect(await eventsOf(created.code)).toEqual(['paid_less', 'success']);
  });

  it('settles on demand: settleStatus "" -> pending -> success with amount, symbol and asset', async () => {
    const payment = await create({ settlementAssetId: PUSD_ID });
    expect(await result(payment.traceId)).toMatchObject({ settleStatus: '', settleAmount: '', settleAsset: '' });
    // Settling an unpaid payment changes nothing.
    expectOk(await call(gw, 'POST', `/v1/sandbox/payments/${payment.traceId}/settle`));
    expect((await result(payment.traceId)).settleStatus).toBe('');

    await transfer({ traceId: payment.traceId });
    expect(await result(payment.traceId)).toMatchObject({
      status: 'success',
      settleStatus: 'pending',
      settleAmount: '',
      settleSymbol: '',
      settleAsset: '',
    });
    const settled = expectOk(await call(gw, 'POST', `/v1/sandbox/payments/${payment.traceId}/settle`));
    expect(settled).toMatchObject({ settleStatus: 'success', settleAmount: '10', settleSymbol: 'pUSD' });
    expect(await result(payment.traceId)).toMatchObject({
      status: 'success',
      settleStatus: 'success',
      settleAmount: '10',
      settleSymbol: 'pUSD',
      settleAsset: PUSD_ID,
    });
    expect(await eventsOf(payment.traceId)).toEqual(['success', 'settle']);
  });

  it('never settles a failed payment', async () => {
    const payment = await create();
    await call(gw, 'POST', `/v1/sandbox/payments/${payment.traceId}/expire`);
    expectOk(await call(gw, 'POST', `/v1/sandbox/payments/${payment.traceId}/settle`));
    expect(await result(payment.traceId)).toMatchObject({ status: 'failed', settleStatus: '', settleAmount: '' });
  });
});

describe('timers', () => {
  it('settles by itself after the settlement delay', async () => {
    gw = await startTestGateway({ PAYHOOK_SETTLE_DELAY: '0.2' });
    const payment = await gw.createPayment({ paymentAssetId: BTC_ID });
    await transfer({ traceId: payment.traceId });
    expect((await result(payment.traceId)).settleStatus).toBe('pending');
    const settled = await waitFor(
      async () => {
        const data = await result(payment.traceId);
        return data.settleStatus === 'success' ? data : undefined;
      },
      { what: 'automatic settlement' },
    );
    // Paid 0.00016667 BTC at 60000 USD, settled in USDT rounded down.
    expect(settled).toMatchObject({ settleAmount: '10.0002', settleSymbol: 'USDT', settleAsset: USDT_ID });
  });

  it('fails 40000 once a real expiredTimestamp passes (manual clock, sweeper run by hand)', async () => {
    const clock = new ManualClock(Date.UTC(2026, 2, 1, 9));
    gw = await startTestGateway({}, { clock }, { listen: false });
    const deadline = Math.floor(clock.now() / 1000) + 60;
    const unpaid = await create({ expiredTimestamp: deadline });
    const confirming = await create({ expiredTimestamp: deadline });
    const underpaid = await oneTimePayment({
      orderId: newOrderId('late'),
      failedReturnTo: FAILED_RETURN_TO,
      expiredTimestamp: deadline,
    });
    const info = expectOk(await call(gw, 'GET', `/v1/payments_info?traceId=${unpaid.traceId}`));
    // expire/seconds are the quote's tolerate period (15 minutes by default), not the closing deadline.
    expect(info).toMatchObject({ expire: Math.floor(clock.now() / 1000) + 900, seconds: 900 });
    // Paid in full before the deadline but unconfirmed: the deadline no longer applies.
    await transfer({ traceId: confirming.traceId, confirmations: 0 });
    // Partly paid before the deadline: it still expires.
    await transfer({ traceId: underpaid.code, amount: '3' });

    clock.advance(59_000);
    expect(await gw.gateway.sweeper.runDue()).toBe(0);
    expect((await result(unpaid.traceId)).status).toBe('unpaid');

    clock.advance(1_000);
    expect(await gw.gateway.sweeper.runDue()).toBe(2);
    expect(await result(unpaid.traceId)).toMatchObject(failedWith('40000', 'Payment overtime'));
    expect(await result(underpaid.code)).toMatchObject({
      status: 'failed',
      failureCode: '40000',
      paymentAmount: '3',
      returnTo: FAILED_RETURN_TO,
      payment: { isMultiPay: true, isFullyPaid: false, totalTransactionsAmount: '3' },
    });
    expect((await result(confirming.traceId)).status).toBe('pending');
    expect(await eventsOf(unpaid.traceId)).toEqual(['fail']);

    // Nothing is due any more; a late transfer finds the payment failed.
    clock.advance(3_600_000);
    expect(await gw.gateway.sweeper.runDue()).toBe(0);
    await transfer({ traceId: unpaid.traceId });
    expect((await result(unpaid.traceId)).status).toBe('failed');
    await call(
      gw,
      'POST',
      `/v1/sandbox/transfers/${(await result(confirming.traceId)).transactions[0].txid}/confirmations`,
      {
        json: { confirmations: 1 },
      },
    );
    expect((await result(confirming.traceId)).status).toBe('success');
  });
});
