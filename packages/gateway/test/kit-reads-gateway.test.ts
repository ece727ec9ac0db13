// The gateway's payments_result, read the way a shop reads MixPay's: through the merchant kit's
// real MixPayClient over HTTP, then its judgement. And held against MixPay's documented tables
// (packages/protocol/test/mixpay-documented.ts), the same the kit's vector suite is written from.
import { judge, MixPayClient } from '@payhook/merchant';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  documentedResultShape,
  documentedShape,
  ENVELOPE_FIELDS,
  ONE_TIME_PAYMENT_FIELDS,
  PAYMENT_INFO_FIELDS,
} from '../../protocol/test/mixpay-documented.js';
import { call, expectOk } from './helpers/api.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway();
});

afterAll(async () => {
  await gw?.close();
});

describe("the merchant kit reads the gateway's payments_result", () => {
  it('a paid payment, with=payment,transactions: decoded by the kit and judged paid', async () => {
    const orderId = `kit-order-${Date.now().toString(36)}`;
    const payment = await gw.createPayment({
      payeeId: 'payee-kit',
      orderId,
      quoteAmount: '12.50',
      quoteAssetId: 'usd',
    });
    expectOk(await call(gw, 'POST', '/v1/sandbox/transfers', { json: { traceId: payment.traceId } }));

    const client = new MixPayClient({ baseUrl: `${gw.url}/v1`, timeoutMs: 5_000 });
    const result = await client.getPaymentResult({ traceId: payment.traceId }, ['payment', 'transactions']);
    expect(result).toMatchObject({ status: 'success', traceId: payment.traceId, failureCode: '0' });
    expect(result.transactions).toHaveLength(1);

    const order = {
      orderId,
      traceId: payment.traceId as string,
      payeeId: 'payee-kit',
      amount: '12.5',
      assetId: 'USD',
      status: 'waiting' as const,
      paymentUrl: null,
      settledAt: null,
      createdAt: 0,
      updatedAt: 0,
    };
    expect(judge(order, result)).toEqual({ kind: 'paid' });
    // The same answer never pays another deal.
    expect(judge({ ...order, amount: '125' }, result).kind).toBe('mismatch');
    expect(judge({ ...order, payeeId: 'payee-other' }, result).kind).toBe('mismatch');

    // Field by field against MixPay's documented table.
    const raw = expectOk(
      await call(gw, 'GET', `/v1/payments_result?traceId=${payment.traceId}&with=payment,transactions`),
    ) as unknown;
    expect(documentedResultShape(raw), 'departures from MIXPAY-API.md §3.5').toEqual([]);
  });

  it('create, payments_info and one-time answers: every documented field with its documented type', async () => {
    const created = await call(gw, 'POST', '/v1/payments', {
      json: {
        payeeId: 'payee-kit',
        orderId: `kit-info-${Date.now().toString(36)}`,
        quoteAmount: '3',
        quoteAssetId: 'usd',
        paymentAssetId: '4d8c508b-91c5-375b-92b0-ee702ed2dac5',
        settlementAssetId: '4d8c508b-91c5-375b-92b0-ee702ed2dac5',
      },
    });
    expect(documentedShape(ENVELOPE_FIELDS, created.body), 'envelope (§1.1)').toEqual([]);
    const info = expectOk(created) as { traceId: string };
    expect(documentedShape(PAYMENT_INFO_FIELDS, info), '/v1/payments (§3.1)').toEqual([]);

    const read = expectOk(await call(gw, 'GET', `/v1/payments_info?traceId=${info.traceId}`));
    expect(documentedShape(PAYMENT_INFO_FIELDS, read), 'payments_info (§3.4)').toEqual([]);

    const oneTime = expectOk(
      await call(gw, 'POST', '/v1/one_time_payment', {
        form: {
          payeeId: 'payee-kit',
          quoteAmount: '3',
          quoteAssetId: 'usd',
          settlementAssetId: '4d8c508b-91c5-375b-92b0-ee702ed2dac5',
        },
      }),
    );
    expect(documentedShape(ONE_TIME_PAYMENT_FIELDS, oneTime), '/v1/one_time_payment (§3.3)').toEqual([]);
  });
});
