// A creation that could not reach MixPay decides nothing: the order keeps waiting, the shop
// answers 503 with Retry-After, and the same orderId again sends the same request (same traceId),
// which creates the payment, or finds the one the first request created. Real gateway and shop
// processes; a proxy between them cuts the way to the API or loses its answers.
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../test-support/net.js';
import { killAllProcesses } from '../../../test-support/process.js';
import { waitFor } from '../../../test-support/wait.js';
import { startApiProxy } from './helpers/fake-api.js';
import { cleanupStacks, SHOP_PAYEE, Stack } from './helpers/stack.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await killAllProcesses();
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await cleanupStacks();
});

async function postOrder(stack: Stack, body: Record<string, string>) {
  const res = await fetch(`${stack.shop.url}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    body: (await res.json()) as { orderId: string; traceId: string | null; paymentUrl: string | null; error?: string },
  };
}

async function started(gateway: Record<string, string> = {}, shop: Record<string, string> = {}) {
  const proxy = await startApiProxy();
  servers.push(proxy);
  const stack = await Stack.start({ apiBase: proxy.apiBase, gateway, shop });
  proxy.target = stack.gatewayUrl;
  return { proxy, stack };
}

describe('creating a payment when MixPay cannot be reached (real gateway and shop processes)', {
  timeout: 60_000,
}, () => {
  it('API down: 503 with Retry-After, the order waits; the same orderId later creates its payment, once', async () => {
    const { proxy, stack } = await started();
    proxy.target = `http://127.0.0.1:${await freePort()}`; // nothing listens there
    const first = await postOrder(stack, { amount: '12', checkout: 'one_time' });
    expect(first.status).toBe(503);
    expect(first.retryAfter).toBe('2');
    expect(first.body.error).toMatch(/could not create the payment/);
    const { orderId } = first.body;
    const waiting = await stack.order(orderId);
    expect(waiting).toMatchObject({ status: 'waiting', paymentUrl: null, amount: '12' });
    expect(waiting.traceId).toMatch(UUID);
    expect(stack.row(orderId)?.status).toBe('waiting');

    // Another deal under the same orderId is refused and changes nothing.
    const other = await postOrder(stack, { orderId, amount: '13', checkout: 'one_time' });
    expect(other.status).toBe(409);
    expect(await stack.order(orderId)).toEqual(waiting);

    proxy.target = stack.gatewayUrl;
    const again = await postOrder(stack, { orderId, amount: '12', checkout: 'one_time' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ orderId, traceId: waiting.traceId, status: 'waiting' });
    expect(again.body.paymentUrl?.startsWith(`${stack.gatewayUrl}/code/`)).toBe(true);
    expect(proxy.createRequests).toBe(1);
    // Sent once more after success: the same answer, and MixPay is not asked again.
    expect((await postOrder(stack, { orderId, amount: '12', checkout: 'one_time' })).body).toEqual(again.body);
    expect(proxy.createRequests).toBe(1);

    expect((await stack.pay(waiting.traceId as string)).result.status).toBe('success');
    await waitFor(async () => (await stack.order(orderId)).status === 'paid', { what: 'paid' });
    expect((await stack.result(`orderId=${orderId}&payeeId=${SHOP_PAYEE}`)).traceId).toBe(waiting.traceId);
  });

  it('answer lost on the way back: the retry takes the payment the first request created, no second one', async () => {
    const { proxy, stack } = await started();
    proxy.loseCreateAnswers = 1;
    const first = await postOrder(stack, { amount: '30', checkout: 'one_time' });
    expect(first.status).toBe(503);
    const { orderId } = first.body;
    const { traceId } = await stack.order(orderId);
    // The gateway did create it: the shop just never heard.
    expect((await stack.result(`traceId=${traceId}`)).status).toBe('unpaid');

    const again = await postOrder(stack, { orderId, amount: '30', checkout: 'one_time' });
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body).toMatchObject({ orderId, traceId });
    // The link the shop hands out is the payment's own checkout page.
    const page = await fetch(again.body.paymentUrl as string);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('30');

    expect((await stack.pay(traceId as string)).result.status).toBe('success');
    await waitFor(async () => (await stack.order(orderId)).status === 'paid', { what: 'paid' });
    expect((await stack.result(`orderId=${orderId}&payeeId=${SHOP_PAYEE}`)).traceId).toBe(traceId);
  });

  it('local rate limit: 503 with the limiter’s Retry-After, the order waits, nothing is sent', async () => {
    const { proxy, stack } = await started(
      {},
      { MIXPAY_REQUESTS_PER_MINUTE: '2', MIXPAY_RESERVED_FOR_CREATION: '0', MIXPAY_RESERVED_FOR_CALLBACKS: '0' },
    );
    for (let i = 0; i < 2; i++)
      expect((await postOrder(stack, { amount: '1', checkout: 'one_time' })).status).toBe(200);
    const third = await postOrder(stack, { amount: '1', checkout: 'one_time' });
    expect(third.status).toBe(503);
    // The limiter's own word: the first request leaves its window a minute (and a second) after it was sent.
    expect(Number(third.retryAfter)).toBeGreaterThan(5);
    expect(Number(third.retryAfter)).toBeLessThanOrEqual(61);
    expect(third.body.error).toMatch(/rate limited \(local\)/);
    expect((await stack.order(third.body.orderId)).status).toBe('waiting');
    expect(proxy.createRequests).toBe(2);
  });
});
