// Creating payments and reading them back through MixPay's public API: both create routes,
// JSON and form bodies, payments_info by traceId and code, payments_result in all its forms.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NO_SURPLUS_NO_FAILURE, NOT_SETTLING, paymentBody } from '../../../test-support/fixtures.js';
import { call, expectOk, expectPaymentShape, expectResultShape, newOrderId } from './helpers/api.js';
import { closeTestServers, startTestGateway, type TestGateway, USDT_ID } from './helpers/gateway.js';

const BTC_ID = 'c6d0c728-2624-429b-8e0d-d9d19b6592fa';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let gw: TestGateway;

beforeEach(async () => {
  gw = await startTestGateway({ PAYHOOK_PUBLIC_URL: 'https://pay.example.test/' });
});

afterEach(closeTestServers);

/** The stored payment, as the admin API shows it. */
async function stored(traceId: string) {
  return expectOk(await call(gw, 'GET', `/admin/payments/${traceId}`)).payment;
}

describe('POST /v1/payments', () => {
  it('creates a payment from a JSON body and answers it in the MixPay envelope', async () => {
    const orderId = newOrderId();
    const expiredTimestamp = Math.floor(Date.now() / 1000) + 600;
    const res = await call(gw, 'POST', '/v1/payments', {
      json: {
        payeeId: 'payee-1',
        orderId,
        quoteAmount: '10.50',
        quoteAssetId: 'usd',
        paymentAssetId: USDT_ID,
        settlementAssetId: USDT_ID,
        expiredTimestamp,
        returnTo: 'https://shop.example/thanks',
        failedReturnTo: 'https://shop.example/sorry',
        remark: 'two mugs',
      },
    });
    const data = expectPaymentShape(expectOk(res));
    expect(data).toMatchObject({
      isChain: false,
      orderId,
      payeeId: 'payee-1',
      quoteAmount: '10.50',
      quoteAssetId: 'usd',
      quoteAssetSymbol: 'USD',
      paymentAssetId: USDT_ID,
      paymentAssetSymbol: 'USDT',
      paymentAmount: '10.5',
      settlementAssetId: USDT_ID,
      settlementAssetSymbol: 'USDT',
      estimatedSettlementAmount: '10.5',
      destination: '',
      tag: '',
    });
    expect(data.traceId).toMatch(UUID);
    expect(data.clientId).toMatch(UUID);
    // expire/seconds are the quote's tolerate period (15 minutes by default), not expiredTimestamp.
    expect(data.seconds).toBeGreaterThan(890);
    expect(data.seconds).toBeLessThanOrEqual(900);
    expect(Math.abs(data.expire - (Date.now() / 1000 + data.seconds))).toBeLessThanOrEqual(2);
    expect(data.expire).not.toBe(expiredTimestamp);

    const payment = await stored(data.traceId);
    expect(payment).toMatchObject({
      traceId: data.traceId,
      orderId,
      kind: 'payment',
      quoteAmount: '10.50',
      payableAmount: '10.5',
      expireAt: expiredTimestamp * 1000,
      callbackUrl: null,
      callbackEvents: [],
    });
  });

  it('keeps a given traceId and works without an orderId', async () => {
    const traceId = randomUUID();
    const data = expectOk(
      await call(gw, 'POST', '/v1/payments', {
        json: {
          payeeId: 'payee-1',
          traceId,
          quoteAmount: '10',
          quoteAssetId: 'usd',
          paymentAssetId: BTC_ID,
          settlementAssetId: USDT_ID,
        },
      }),
    );
    expect(data).toMatchObject({ traceId, orderId: '', paymentAssetSymbol: 'BTC' });
    // 10 USD at 60000 USD/BTC, rounded up to 8 places so the payee is never short.
    expect(data.paymentAmount).toBe('0.00016667');
  });

  it('accepts an application/x-www-form-urlencoded body with a URL-encoded callbackUrl', async () => {
    const callbackUrl = 'http://127.0.0.1:9/callback?shop=a&lang=en#frag';
    const orderId = newOrderId('form');
    const expiredTimestamp = Math.floor(Date.now() / 1000) + 3600;
    const form = {
      payeeId: 'payee-form',
      orderId,
      quoteAmount: '25',
      quoteAssetId: 'usd',
      paymentAssetId: USDT_ID,
      settlementAssetId: USDT_ID,
      callbackUrl,
      callbackEvent: 'settle|pending',
      expiredTimestamp: String(expiredTimestamp),
      strictMode: '1',
      remark: 'paid by form',
    };
    // The URL really travels encoded: its `&`, `=`, `?` and `#` would otherwise split the form.
    expect(new URLSearchParams(form).toString()).toContain(
      'callbackUrl=http%3A%2F%2F127.0.0.1%3A9%2Fcallback%3Fshop%3Da%26lang%3Den%23frag',
    );
    const data = expectOk(await call(gw, 'POST', '/v1/payments', { form }));
    expect(data).toMatchObject({
      orderId,
      payeeId: 'payee-form',
      quoteAmount: '25',
      paymentAmount: '25',
    });
    expect(await stored(data.traceId)).toMatchObject({
      callbackUrl,
      callbackEvents: ['settle', 'pending'],
      strictMode: true,
      expireAt: expiredTimestamp * 1000,
    });
  });
});

describe('POST /v1/one_time_payment', () => {
  it('answers a one-time code and its checkout URL (JSON body)', async () => {
    const orderId = newOrderId('once');
    const res = await call(gw, 'POST', '/v1/one_time_payment', {
      json: {
        payeeId: 'payee-1',
        orderId,
        quoteAmount: '10',
        quoteAssetId: 'usd',
        settlementAssetId: USDT_ID,
      },
    });
    const data = expectOk(res);
    // MixPay's answer is the code; paymentUrl is payhook's one extension here.
    expect(data).toEqual({
      code: expect.stringMatching(UUID),
      paymentUrl: `https://pay.example.test/code/${data.code}`,
    });
    // The code is the payment's traceId.
    expect(await stored(data.code)).toMatchObject({
      traceId: data.code,
      orderId,
      kind: 'one_time',
      code: data.code,
      isMultiPay: true,
      paymentAssetId: null,
      payableAmount: null,
    });
  });

  it('accepts a form body with a URL-encoded callbackUrl and callbackEvent', async () => {
    const callbackUrl = 'https://shop.example/hooks/mixpay?secret=a%2Fb&x=1';
    const data = expectOk(
      await call(gw, 'POST', '/v1/one_time_payment', {
        form: {
          payeeId: 'payee-1',
          orderId: newOrderId('once-form'),
          quoteAmount: '3.5',
          quoteAssetId: 'usd',
          paymentAssetId: USDT_ID,
          settlementAssetId: USDT_ID,
          callbackUrl,
          callbackEvent: 'settle|pending',
        },
      }),
    );
    expect(data.paymentUrl).toMatch(new RegExp(`/code/${data.code}$`));
    expect(await stored(data.code)).toMatchObject({
      callbackUrl,
      callbackEvents: ['settle', 'pending'],
      paymentAssetId: USDT_ID,
      payableAmount: '3.5',
    });
  });
});

describe('GET /v1/payments_info', () => {
  it('finds a one-time payment by its code and by its traceId, with the same answer', async () => {
    const created = expectOk(
      await call(gw, 'POST', '/v1/one_time_payment', {
        json: paymentBody({
          remark: 'info',
        }),
      }),
    );
    const byCode = expectOk(await call(gw, 'GET', `/v1/payments_info?code=${created.code}`));
    const byTrace = expectPaymentShape(expectOk(await call(gw, 'GET', `/v1/payments_info?traceId=${created.code}`)));
    expect(byCode).toEqual(byTrace);
    expect(byCode).toMatchObject({ traceId: created.code, paymentAssetId: USDT_ID, paymentAmount: '10' });
    // An upper-case or undashed traceId names the same payment.
    for (const spelt of [created.code.toUpperCase(), created.code.replaceAll('-', '')]) {
      const again = expectOk(await call(gw, 'GET', `/v1/payments_info?traceId=${spelt}`));
      expect(again.traceId).toBe(created.code);
    }
  });

  it('shows what a partly paid one-time payment has paid of what it owes (payments_result with=payment)', async () => {
    const created = expectOk(
      await call(gw, 'POST', '/v1/one_time_payment', {
        json: paymentBody(),
      }),
    );
    expectOk(await call(gw, 'POST', '/v1/sandbox/transfers', { json: { code: created.code, amount: '2.25' } }));
    const info = expectOk(await call(gw, 'GET', `/v1/payments_info?traceId=${created.code}`));
    expect(info).toMatchObject({ paymentAmount: '10' });
    const result = expectOk(await call(gw, 'GET', `/v1/payments_result?traceId=${created.code}&with=payment`));
    expect(result).toMatchObject({
      status: 'pending',
      payableAmount: '10',
      payment: { isMultiPay: true, isFullyPaid: false, totalTransactionsAmount: '2.25' },
    });
  });
});

describe('GET /v1/payments_result', () => {
  async function paidPayment() {
    const orderId = newOrderId('result');
    const created = await gw.createPayment({ orderId, payeeId: 'payee-result', quoteAmount: '10.00' });
    const transfer = expectOk(
      await call(gw, 'POST', '/v1/sandbox/transfers', { json: { traceId: created.traceId, confirmations: 0 } }),
    ).transfer;
    return { orderId, traceId: created.traceId as string, txid: transfer.txid as string };
  }

  it('answers the same result by traceId and by orderId+payeeId', async () => {
    const { orderId, traceId } = await paidPayment();
    const byTrace = expectOk(await call(gw, 'GET', `/v1/payments_result?traceId=${traceId}`));
    const byOrder = expectOk(await call(gw, 'GET', `/v1/payments_result?orderId=${orderId}&payeeId=payee-result`));
    expect(byOrder).toEqual(byTrace);
    expect(byTrace).toMatchObject({ traceId, orderId, payeeId: 'payee-result', status: 'pending' });
  });

  it('does not find an orderId under another payee', async () => {
    const { orderId } = await paidPayment();
    const res = await call(gw, 'GET', `/v1/payments_result?orderId=${orderId}&payeeId=payee-other`);
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ success: false, code: 404 });
  });

  const includes: [string, ('payment' | 'transactions')[]][] = [
    ['', []],
    ['payment', ['payment']],
    ['transactions', ['transactions']],
    ['payment,transactions', ['payment', 'transactions']],
    ['transactions,payment', ['payment', 'transactions']],
  ];
  for (const [withParam, parts] of includes) {
    it(`with=${withParam || '(none)'} carries every SPEC field and exactly the parts asked for`, async () => {
      const { orderId, traceId, txid } = await paidPayment();
      const query = withParam === '' ? '' : `&with=${withParam}`;
      for (const key of [`traceId=${traceId}`, `orderId=${orderId}&payeeId=payee-result`]) {
        const data = expectOk(await call(gw, 'GET', `/v1/payments_result?${key}${query}`));
        expectResultShape(data, parts);
        expect(data).toMatchObject({
          status: 'pending',
          traceId,
          orderId,
          payeeId: 'payee-result',
          quoteAmount: '10.00',
          quoteSymbol: 'USD',
          quoteAssetId: 'usd',
          paymentAmount: '10',
          paymentSymbol: 'USDT',
          paymentAssetId: USDT_ID,
          payableAmount: '10',
          payableSymbol: 'USDT',
          payableAssetId: USDT_ID,
          payableAssetVersion: 'ERC20',
          paymentAssetVersion: 'ERC20',
          quoteAssetVersion: '',
          // A Mixin payment has no on-chain hash.
          txid: '',
          blockExplorerUrl: '',
          confirmations: 0,
          ...NO_SURPLUS_NO_FAILURE,
          returnTo: '',
          ...NOT_SETTLING,
          settleAssetVersion: '',
        });
        expect(Math.abs(data.date - Date.now() / 1000)).toBeLessThan(60);
        if (parts.includes('payment')) {
          expect(data.payment).toMatchObject({ isMultiPay: false, isFullyPaid: true, totalTransactionsAmount: '10' });
        }
        if (parts.includes('transactions')) {
          expect(data.transactions).toEqual([
            {
              paymentAmount: '10',
              paymentAssetId: USDT_ID,
              paymentAssetSymbol: 'USDT',
              paymentAssetVersion: 'ERC20',
              requiredConfirms: 1,
              confirmations: 0,
              txid,
              blockExplorerUrl: '',
              broadcastAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}000Z$/),
              confirmSeconds: 0,
            },
          ]);
          expect(Math.floor(Date.parse(data.transactions[0].broadcastAt) / 1000)).toBe(data.date);
        }
      }
    });
  }
});
