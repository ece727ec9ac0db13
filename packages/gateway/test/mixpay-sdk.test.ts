// MixPay's official JS SDK (npm mixpayjs@3.0.0, unmodified) against a real gateway over real
// HTTP: every call it has, each answer checked against MixPay's documented shape
// (shared/MIXPAY-API.md §3). Only its base URL is changed, through the axios instance the SDK
// exposes as `request` (its own source hard-codes https://api.mixpay.me/v1 there).
import { randomUUID } from 'node:crypto';
import MixPay from 'mixpayjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, expectOk, expectPaymentShape, expectResultShape, newOrderId } from './helpers/api.js';
import { startTestGateway, type TestGateway, USDT_ID } from './helpers/gateway.js';

const BTC_ID = 'c6d0c728-2624-429b-8e0d-d9d19b6592fa';
const ETH_ID = '43d61dcd-e413-450d-80b8-101d5e903357';
const EOS_ID = '6cfe566e-4aad-470b-8c9a-2fd35b49c68d';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DECIMAL = /^\d+(\.\d+)?$/;
const PAYEE = 'b0ec3ab8-1b65-4f6f-9a35-6f2d41a1d2a7';

let gw: TestGateway;
// The SDK's client: its methods return the envelope's `data`, or reject.
let sdk: any;

beforeAll(async () => {
  gw = await startTestGateway({ PAYHOOK_SETTLE_DELAY: '3600' });
  sdk = (MixPay as unknown as (apiKey?: string) => any)();
  sdk.request.defaults.baseURL = `${gw.url}/v1`;
});

afterAll(async () => {
  await gw?.close();
});

const keysOf = (o: object) => Object.keys(o).sort();

function expectChainAsset(chain: any) {
  expect(keysOf(chain)).toEqual(['iconUrl', 'id', 'name', 'symbol']);
  expect(chain.id).toMatch(UUID);
  for (const k of ['name', 'symbol', 'iconUrl']) expect(typeof chain[k]).toBe('string');
}

describe('mixpayjs 3.0.0 against the gateway', () => {
  it('readQuoteAssets: an array; isAsset an integer, chainAsset {} for fiat', async () => {
    for (const assets of [await sdk.readQuoteAssets(), await sdk.readQuoteAssets(PAYEE)]) {
      expect(Array.isArray(assets)).toBe(true);
      for (const a of assets) {
        expect(keysOf(a)).toEqual([
          'assetId',
          'chainAsset',
          'decimalDigit',
          'iconUrl',
          'isAsset',
          'maxQuoteAmount',
          'minQuoteAmount',
          'symbol',
        ]);
        expect([0, 1]).toContain(a.isAsset);
        expect(Number.isInteger(a.decimalDigit)).toBe(true);
        expect(a.minQuoteAmount).toMatch(DECIMAL);
        expect(a.maxQuoteAmount).toMatch(DECIMAL);
        if (a.isAsset === 0) expect(a.chainAsset).toEqual({});
        else expectChainAsset(a.chainAsset);
      }
      expect(assets.find((a: any) => a.assetId === 'usd')).toMatchObject({
        symbol: 'USD',
        isAsset: 0,
        decimalDigit: 2,
      });
      expect(assets.find((a: any) => a.assetId === BTC_ID)).toMatchObject({
        symbol: 'BTC',
        isAsset: 1,
        decimalDigit: 8,
      });
    }
  });

  it('readPaymentAssets: bounds, network, chain; maxPaymentAmount "0" where the quote is out of bounds', async () => {
    const all = await sdk.readPaymentAssets();
    expect(all.length).toBeGreaterThanOrEqual(5);
    for (const a of all) {
      expect(keysOf(a)).toEqual(
        [
          'assetId',
          'chainAsset',
          'iconUrl',
          'maxPaymentAmount',
          'minPaymentAmount',
          'name',
          'network',
          'onChainSupported',
          'symbol',
        ].sort(),
      );
      expect(typeof a.onChainSupported).toBe('boolean');
      expect(a.minPaymentAmount).toMatch(DECIMAL);
      expect(a.maxPaymentAmount).toMatch(DECIMAL);
      expectChainAsset(a.chainAsset);
      // The icon is served by the gateway itself (at its public URL; port 0 here, so its path).
      const icon = await fetch(new URL(new URL(a.iconUrl).pathname, gw.url));
      expect(icon.status).toBe(200);
      expect(icon.headers.get('content-type')).toBe('image/svg+xml');
    }
    expect(all.find((a: any) => a.assetId === USDT_ID)).toMatchObject({
      symbol: 'USDT',
      network: 'ERC20',
      onChainSupported: true,
      chainAsset: { id: ETH_ID, symbol: 'ETH' },
    });
    // 10 USD is payable in USDT; a million is beyond USDT's 50000 bound.
    const small = await sdk.readPaymentAssets(PAYEE, 'usd', '10');
    expect(small.find((a: any) => a.assetId === USDT_ID).maxPaymentAmount).toBe('50000');
    const huge = await sdk.readPaymentAssets(PAYEE, 'usd', '1000000');
    expect(huge.find((a: any) => a.assetId === USDT_ID).maxPaymentAmount).toBe('0');
  });

  it('readSettlementAssets: isAsset a boolean, isAvailable a boolean', async () => {
    for (const assets of [await sdk.readSettlementAssets(), await sdk.readSettlementAssets(PAYEE, 'usd', '10')]) {
      for (const a of assets) {
        expect(keysOf(a)).toEqual(
          ['assetId', 'chainAsset', 'iconUrl', 'isAsset', 'isAvailable', 'name', 'network', 'symbol'].sort(),
        );
        expect(a.isAsset).toBe(true);
        expect(typeof a.isAvailable).toBe('boolean');
        expectChainAsset(a.chainAsset);
      }
    }
  });

  it('getPaymentEstimated: every field a string; paymentAmount instead of quoteAmount wins', async () => {
    const estimate = await sdk.getPaymentEstimated(BTC_ID, USDT_ID, 'usd', '10');
    expect(estimate).toEqual({
      price: '60000',
      estimatedSettlementAmount: '10.0002',
      settlementAssetId: USDT_ID,
      settlementAssetSymbol: 'USDT',
      paymentAssetId: BTC_ID,
      paymentAssetSymbol: 'BTC',
      paymentAmount: '0.00016667',
      quoteAssetSymbol: 'USD',
      quoteAssetId: 'usd',
      quoteAmount: '10',
    });
    const byPayment = await sdk.getPaymentEstimated(BTC_ID, USDT_ID, 'usd', '10', '0.001');
    expect(byPayment).toMatchObject({ paymentAmount: '0.001', quoteAmount: '60', estimatedSettlementAmount: '60' });
  });

  it('readPayeeId: a deterministic payeeId for a Mixin number', async () => {
    const first = await sdk.readPayeeId('40053095');
    expect(first).toEqual({ payeeId: expect.stringMatching(UUID) });
    expect(await sdk.readPayeeId('40053095')).toEqual(first);
    expect((await sdk.readPayeeId('7000104220')).payeeId).not.toBe(first.payeeId);
  });

  it('createMixinPayment and getPaymentInfo: the documented payment, with memo payment|clientId and a recipient', async () => {
    const orderId = newOrderId('sdk');
    const clientId = randomUUID();
    const params = {
      payeeId: PAYEE,
      orderId,
      clientId,
      paymentAssetId: USDT_ID,
      settlementAssetId: USDT_ID,
      quoteAssetId: 'usd',
      quoteAmount: '12.5',
      remark: 'from mixpayjs',
      note: '',
    };
    const payment = expectPaymentShape(await sdk.createMixinPayment({ ...params }));
    expect(payment).toMatchObject({
      isChain: false,
      payeeId: PAYEE,
      orderId,
      clientId,
      paymentAmount: '12.5',
      paymentAssetSymbol: 'USDT',
      quoteAssetSymbol: 'USD',
      destination: '',
      tag: '',
    });
    expect(Buffer.from(payment.memo, 'base64').toString()).toBe(`payment|${clientId}`);
    expect(payment.seconds).toBeGreaterThan(0);

    const info = await sdk.getPaymentInfo(payment.traceId, clientId);
    expect({ ...info, seconds: 0 }).toEqual({ ...payment, seconds: 0 });

    // Re-sending the request refreshes the same payment (MixPay's refresh by re-sending).
    const again = await sdk.createMixinPayment({ ...params });
    expect(again.traceId).toBe(payment.traceId);
    expect(again.expire).toBeGreaterThanOrEqual(payment.expire);
  });

  it('createChainPayment: isChain true, a sandbox destination the transfer API pays to, then success', async () => {
    for (const [assetId, hasTag] of [
      [BTC_ID, false],
      [EOS_ID, true],
    ] as const) {
      const payment = expectPaymentShape(
        await sdk.createChainPayment({
          payeeId: PAYEE,
          orderId: newOrderId('chain'),
          paymentAssetId: assetId,
          settlementAssetId: USDT_ID,
          quoteAssetId: 'usd',
          quoteAmount: '10',
          remark: '',
          note: '',
        }),
      );
      expect(payment).toMatchObject({ isChain: true, memo: '', recipient: '' });
      expect(payment.destination).not.toBe('');
      expect(payment.tag === '').toBe(!hasTag);
      // Paid to the address (and tag), as a wallet would: no traceId needed.
      const paid = expectOk(
        await call(gw, 'POST', '/v1/sandbox/transfers', {
          json: { destination: payment.destination, ...(hasTag ? { tag: payment.tag } : {}) },
        }),
      );
      expect(paid.transfer.traceId).toBe(payment.traceId);
      const result = await sdk.getPaymentResult(payment.traceId);
      expectResultShape(result);
      expect(result).toMatchObject({ status: 'success', payeeId: PAYEE, quoteAmount: '10', txid: paid.transfer.txid });
    }
  });

  it('createOneTimePaymentLink: the code is the traceId; getPaymentResult finds it unpaid by it', async () => {
    const traceId = randomUUID();
    const link = await sdk.createOneTimePaymentLink({
      payeeId: PAYEE,
      quoteAmount: '3',
      quoteAssetId: 'usd',
      settlementAssetId: USDT_ID,
      traceId,
      expireSeconds: 600,
    });
    expect(link.code).toBe(traceId);
    const result = await sdk.getPaymentResult(link.code);
    expectResultShape(result);
    expect(result).toMatchObject({ status: 'unpaid', traceId, quoteAmount: '3', failureCode: '0' });

    // Without a traceId the generated one is the code.
    const generated = await sdk.createOneTimePaymentLink({
      payeeId: PAYEE,
      quoteAmount: '3',
      quoteAssetId: 'usd',
      settlementAssetId: USDT_ID,
      orderId: newOrderId('link'),
    });
    expect(generated.code).toMatch(UUID);
    expect((await sdk.getPaymentResult(generated.code)).traceId).toBe(generated.code);
  });

  it('getPaymentResult by orderId and payeeId', async () => {
    const orderId = newOrderId('sdk-result');
    const payment = await sdk.createMixinPayment({
      payeeId: PAYEE,
      orderId,
      paymentAssetId: USDT_ID,
      settlementAssetId: USDT_ID,
      quoteAssetId: 'usd',
      quoteAmount: '1',
      remark: '',
      note: '',
    });
    const result = await sdk.getPaymentResult(undefined, orderId, PAYEE);
    expect(result).toMatchObject({ traceId: payment.traceId, status: 'unpaid', date: expect.any(Number) });
  });

  it('rejects an unknown payment with the envelope (non-2xx, data [])', async () => {
    const ghost = randomUUID();
    const error = await sdk.getPaymentResult(ghost).catch((e: any) => e);
    // The SDK's dist rejects non-2xx answers with axios's error, which carries the envelope.
    expect(error.response.status).toBe(404);
    expect(error.response.data).toMatchObject({ success: false, code: 404, data: [] });
    expect(error.response.data.message).toContain(ghost);
  });
});
