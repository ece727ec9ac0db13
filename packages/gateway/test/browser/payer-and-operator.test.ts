// A person pays a one-time payment on the sandbox checkout page (less, then the rest), is sent
// back to the shop, and an operator follows the callbacks on the dashboard and redelivers one;
// then a receiver that is down exhausts a delivery live on the page and is resent by URL.
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { paymentBody } from '../../../../test-support/fixtures.js';
import { listenOnLoopback } from '../../../../test-support/net.js';
import { waitFor } from '../../../../test-support/wait.js';
import { type BrowserSession, openBrowser, waitForText } from '../helpers/browser.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';

let gw: TestGateway | undefined;
let receiver: Receiver | undefined;
let browser: BrowserSession | undefined;
let shop: { url: string; visits: string[]; close(): Promise<void> } | undefined;

afterEach(async () => {
  await browser?.close();
  await gw?.close();
  await receiver?.close();
  await shop?.close();
  browser = gw = receiver = shop = undefined;
});

/** The merchant's site the payer returns to: records each visit and says thanks. */
async function startShop() {
  const visits: string[] = [];
  const server: Server = createServer((req, res) => {
    visits.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>Shop</title><h1 id="thanks">Thanks for your order</h1>');
  });
  const { origin, close } = await listenOnLoopback(server);
  return { url: origin, visits, close };
}

const events = (r: Receiver) => r.received.map((c) => String(c.headers['x-payhook-event']));

describe('checkout and dashboard in a browser', () => {
  it('pays less, then the rest, returns to the shop; the dashboard shows the deliveries and redelivers', async () => {
    // Settlement waits for the test to run it, so the life cycle is known when the page is read.
    gw = await startTestGateway({ PAYHOOK_SETTLE_DELAY: '3600' });
    receiver = await startReceiver();
    shop = await startShop();
    browser = await openBrowser();
    const { page } = browser;
    const orderId = `order-${Date.now().toString(36)}`;
    const created = await gw.post(
      '/v1/one_time_payment',
      paymentBody({
        orderId,
        callbackUrl: receiver.url,
        callbackEvent: 'paid_less',
        returnTo: `${shop.url}/thanks?order=${orderId}`,
      }),
    );
    expect(created.status).toBe(200);
    // At MixPay the one-time code is the payment's traceId.
    const { code } = created.body.data;
    const traceId = code;

    // The payer opens the one-time payment page.
    await page.goto(`${gw.url}/code/${code}`);
    expect((await page.textContent('#owed'))?.trim()).toBe('10 USDT');
    expect((await page.textContent('#payment-status'))?.trim()).toBe('unpaid');
    await browser.screenshot('checkout-1-unpaid');

    // Pays less: the payment waits for the rest.
    await page.fill('form.pay-amount input[name=amount]', '4');
    await page.click('button.pay-some');
    await waitForText(page, '#payment-status', 'pending');
    expect((await page.textContent('#paid'))?.trim()).toBe('4 USDT');
    expect((await page.textContent('#remaining'))?.trim()).toBe('6 USDT');
    expect(new URL(page.url()).pathname).toBe(`/code/${code}`);
    await browser.screenshot('checkout-2-paid-less');

    // Pays the rest: success, and back to the shop's returnTo.
    await page.click('button.pay-full');
    await page.waitForURL(`${shop.url}/thanks?order=${orderId}`);
    expect((await page.textContent('#thanks'))?.trim()).toBe('Thanks for your order');
    expect(shop.visits.filter((v) => v.startsWith('/thanks'))).toEqual([`/thanks?order=${orderId}`]);
    await browser.screenshot('checkout-3-returned-to-shop');
    const result = await gw.get(`/v1/payments_result?traceId=${traceId}&with=payment`);
    expect(result.body.data).toMatchObject({ status: 'success', paymentAmount: '10' });
    await waitFor(() => events(receiver as Receiver).length >= 2 || undefined, { what: 'two callbacks' });
    expect(events(receiver).sort()).toEqual(['paid_less', 'success']);
    expect((await gw.post(`/v1/sandbox/payments/${traceId}/settle`, {})).status).toBe(200);

    // The overview counts both deliveries and lists their attempts.
    await page.goto(`${gw.url}/`);
    await waitForText(page, '[data-count=delivered]', '2');
    expect(await page.locator('svg.chart g.bar').count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator(`#recent tr[data-delivery]`).count()).toBe(2);
    await browser.screenshot('dashboard-1-overview');

    // The payment list finds it by orderId; its page shows the life cycle.
    await page.goto(`${gw.url}/dashboard/payments?search=${orderId}`);
    expect(await page.locator('#payments tr[data-trace-id]').count()).toBe(1);
    await page.click(`#payments tr[data-trace-id="${traceId}"] a >> nth=0`);
    await page.waitForURL(`${gw.url}/dashboard/payments/${traceId}`);
    expect(
      await page.locator('#lifecycle li[data-event]').evaluateAll((li) => li.map((e) => e.getAttribute('data-event'))),
    ).toEqual(['paid_less', 'success', 'settle']);
    // Not subscribed: raised and shown, never sent.
    expect(await page.locator('li[data-event=settle] .delivery').count()).toBe(0);
    expect(await page.textContent('li[data-event=settle]')).toContain('did not subscribe');
    for (const type of ['paid_less', 'success']) {
      const delivery = page.locator(`li[data-event=${type}] .delivery`);
      expect(await delivery.count()).toBe(1);
      expect(await delivery.getAttribute('data-state')).toBe('delivered');
      const attempt = delivery.locator('tr[data-attempt]');
      expect(await attempt.count()).toBe(1);
      expect(await attempt.locator('td').nth(4).textContent()).toBe('200');
      expect(await attempt.locator('.excerpt').textContent()).toBe('{"code":"SUCCESS"}');
    }
    await browser.screenshot('dashboard-2-payment');

    // Redeliver the success event: the receiver gets a new delivery of it.
    const firstSuccess = receiver.received.find((c) => c.headers['x-payhook-event'] === 'success');
    await page.click('li[data-event=success] button.redeliver');
    await page.waitForURL(`${gw.url}/dashboard/payments/${traceId}?notice=redelivered`);
    expect(await page.textContent('.notice')).toContain('Redelivery scheduled');
    const again = await waitFor(() => (receiver as Receiver).received[2], { what: 'the redelivered callback' });
    expect(again.headers['x-payhook-event']).toBe('success');
    expect(again.headers['x-payhook-event-id']).toBe(firstSuccess?.headers['x-payhook-event-id']);
    expect(again.headers['x-payhook-delivery']).not.toBe(firstSuccess?.headers['x-payhook-delivery']);
    expect(JSON.parse(again.body)).toEqual({ orderId, traceId, payeeId: 'payee-1' });
    // The page picks the new attempt up by itself.
    await page.waitForFunction(
      () =>
        document.querySelectorAll('li[data-event=success] .delivery[data-state=delivered] tr[data-attempt]').length ===
        2,
    );
    await browser.screenshot('dashboard-3-redelivered');
  });

  it('shows a failing delivery live, retrying then exhausted, and resends it by URL once fixed', async () => {
    // Nine quick attempts, then five seconds before the last one: long enough to see "retrying".
    gw = await startTestGateway({ PAYHOOK_RETRY_SCHEDULE: '0,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,5' });
    receiver = await startReceiver();
    receiver.script([], 'status500');
    browser = await openBrowser();
    const { page } = browser;
    const payment = await gw.createPayment({ callbackUrl: receiver.url });

    await page.goto(`${gw.url}/dashboard/payments/${payment.traceId}`);
    expect(await page.textContent('#lifecycle')).toContain('No event yet');
    await page.evaluate(() => {
      (window as unknown as { notReloaded: boolean }).notReloaded = true;
    });

    // Money arrives through the sandbox API; the open page follows without a reload.
    const paid = await gw.post('/v1/sandbox/transfers', { traceId: payment.traceId });
    expect(paid.status).toBe(200);
    await page.waitForSelector('li[data-event=success] .delivery[data-state=retrying]');
    await waitForText(page, '#status', 'success');
    expect(await page.textContent('li[data-event=success] .delivery')).toContain('next attempt due');
    expect(await page.locator('li[data-event=success] tr[data-attempt]').count()).toBeGreaterThanOrEqual(1);
    await browser.screenshot('dashboard-4-retrying');
    await page.waitForSelector('li[data-event=success] .delivery[data-state=exhausted]', { timeout: 20_000 });
    expect(await page.locator('li[data-event=success] tr[data-attempt][data-success=false]').count()).toBe(10);
    expect(await page.locator('li[data-event=success] tr[data-attempt] td >> nth=4').textContent()).toBe('500');
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    await browser.screenshot('dashboard-5-exhausted');

    // The receiver is fixed; resend everything exhausted to its URL.
    receiver.script([], 'success');
    const before = receiver.received.length;
    await page.click('li[data-event=success] button.resend-exhausted');
    await page.waitForURL(`${gw.url}/dashboard/payments/${payment.traceId}?notice=resent`);
    const resent = await waitFor(() => (receiver as Receiver).received[before], { what: 'the resent callback' });
    expect(resent.headers['x-payhook-event']).toBe('success');
    expect(resent.headers['x-payhook-attempt']).toBe('1');
    await page.waitForSelector('li[data-event=success] .delivery[data-state=delivered]');
    expect(await page.locator('li[data-event=success] .delivery').count()).toBe(2);
    await browser.screenshot('dashboard-6-resent');
  });
});
