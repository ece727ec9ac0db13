// The gateway's payments_result, read the way a shop reads MixPay's: through the merchant kit's
// real MixPayClient over HTTP, then its judgement. And held against MixPay's documented tables
// (packages/protocol/test/mixpay-documented.ts), the same the kit's vector suite is written from.
import { judge, MixPayClient } from '@payhook/merchant';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentedResultShape, type ShapeProblem } from '../../protocol/test/mixpay-documented.js';
import { call, expectOk } from './helpers/api.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';

/**
 * What the gateway's answer still lacks of MixPay's documented shape (issue 9, item 5; the
 * gateway's half of the issue adds them). The test fails on any departure not listed here, so
 * the list can only shrink.
 */
const KNOWN_GAP = new Set([
  'quoteAssetVersion',
  'paymentAssetVersion',
  'payee',
  'payeeMixinNumber',
  'payeeAvatarUrl',
  'blockExplorerUrl',
  'payableSymbol',
  'payableAssetId',
  'payableAssetVersion',
  'settleAssetVersion',
  // payhook's own transactions item (amount, assetId, symbol, date) instead of §3.5's.
  'transactions.0.paymentAmount',
  'transactions.0.paymentAssetId',
  'transactions.0.paymentAssetSymbol',
  'transactions.0.paymentAssetVersion',
  'transactions.0.requiredConfirms',
  'transactions.0.blockExplorerUrl',
  'transactions.0.broadcastAt',
  'transactions.0.confirmSeconds',
]);

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
    const problems = documentedResultShape(raw);
    const unexpected = problems.filter((p: ShapeProblem) => !KNOWN_GAP.has(p.path));
    expect(unexpected, 'departures from MIXPAY-API.md §3.5 beyond the known gap').toEqual([]);
  });
});
