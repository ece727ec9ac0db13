// Which share of the request budget each call spends, through the real client and a real server:
// lookups for callbacks leave creation its reserve, the reconciler leaves callbacks theirs.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeOrder } from '../test/helpers/orders.js';
import { sendJson, startServer, type TestServer } from '../test/helpers/server.js';
import { MixPayClient } from './client.js';
import { RateLimitedError } from './errors.js';
import type { LimiterClock } from './rate-limiter.js';
import { resultFor } from './testing.js';

const ORDER = makeOrder();
const ok = (data: unknown) => ({ code: 0, success: true, message: '', data, timestampMs: Date.now() });
const clock: LimiterClock = { now: () => 1_000_000, sleep: async () => undefined };

let server: TestServer;
beforeEach(async () => {
  server = await startServer((hit, res) => {
    const payment = { traceId: ORDER.traceId, payeeId: ORDER.payeeId, code: ORDER.traceId };
    sendJson(res, 200, ok(hit.url.startsWith('/v1/payments_result') ? resultFor(ORDER) : payment));
  });
});
afterEach(() => server.close());

const client = () =>
  new MixPayClient({
    baseUrl: `${server.origin}/v1`,
    requestsPerMinute: 10,
    reserved: { create: 2, callback: 3 },
    maxRateLimitWaitMs: 0,
    clock,
  });
const lookup = { traceId: ORDER.traceId as string };
const create = {
  payeeId: ORDER.payeeId,
  quoteAmount: '10',
  quoteAssetId: 'usd',
  settlementAssetId: 'usdt',
  paymentAssetId: 'usdt',
};

async function spend(call: () => Promise<unknown>): Promise<number> {
  for (let n = 0; ; n++) {
    try {
      await call();
    } catch (error) {
      expect(error).toMatchObject({ name: 'RateLimitedError', source: 'local' });
      expect(error).toBeInstanceOf(RateLimitedError);
      return n;
    }
  }
}

describe('request budgets', () => {
  it('callback lookups stop short of the creation reserve; creation still gets it', async () => {
    const c = client();
    expect(await spend(() => c.getPaymentResult(lookup))).toBe(8);
    expect(await spend(() => c.createPayment(create))).toBe(2);
    expect(server.hits).toHaveLength(10);
    expect(server.hits.filter((h) => h.method === 'POST')).toHaveLength(2);
  });

  it('the reconciler stops short of both reserves; callbacks, then creation, get theirs', async () => {
    const c = client();
    expect(await spend(() => c.getPaymentResult(lookup, ['payment'], { budget: 'reconcile' }))).toBe(5);
    expect(await spend(() => c.getPaymentsInfo(lookup.traceId))).toBe(3);
    expect(await spend(() => c.createOneTimePayment({ ...create, traceId: lookup.traceId }))).toBe(2);
    expect(server.hits).toHaveLength(10);
  });
});
