// The delivery as the receiver saw it, on the payment page in a real browser: each attempt's
// request (every header, the signature among them, and the body) beside its answer, a hostile
// answer shown as text, "attempt n of N · gives up at", and Retry now sending the next attempt.
import { describe, expect, it } from 'vitest';
import { formatTime } from '../../src/http/pages/html.js';
import { call, expectOk } from '../helpers/api.js';
import { browserPerTest, waitForText } from '../helpers/browser.js';
import { startTestGateway } from '../helpers/gateway.js';
import { HOSTILE_HTML, startReceiver } from '../helpers/receiver.js';

const openTestBrowser = browserPerTest();

describe('attempts on the payment page', () => {
  it('shows each request beside its answer, escapes a hostile answer, and retries now', async () => {
    // An hour after each failure but the last: nothing happens unless someone retries now.
    const gw = await startTestGateway({ PAYHOOK_RETRY_SCHEDULE: '0,3600,3600,0.05' });
    expectOk(await call(gw, 'PUT', '/admin/payees/payee-1/secret'));
    const receiver = await startReceiver();
    receiver.script(['hostile_html', 'status500'], 'success');
    const browser = await openTestBrowser();
    const { page } = browser;
    const payment = await gw.createPayment({ callbackUrl: receiver.url });
    expect((await gw.post('/v1/sandbox/transfers', { traceId: payment.traceId })).status).toBe(200);
    const first = await gw.afterAttempts(async () => {
      const [d] = (await gw?.get(`/admin/deliveries?traceId=${payment.traceId}`))?.body.data ?? [];
      return d?.attempts === 1 ? (await gw?.get(`/admin/deliveries/${d.id}`))?.body.data : undefined;
    }, 'the first failed attempt');
    const { delivery } = first;
    const [attempt] = first.attempts;

    await page.goto(`${gw.url}/dashboard/payments/${payment.traceId}`);
    const block = page.locator(`.delivery[data-delivery-id="${delivery.id}"]`);
    await block.waitFor();
    expect(await block.getAttribute('data-state')).toBe('retrying');
    // Attempt 2 is due in an hour; if it and the next fail, the last (50 ms later) ends it.
    expect((await block.locator('.progress').textContent())?.trim()).toMatch(
      new RegExp(
        `^attempt 2 of 4 · gives up at ${formatTime(delivery.nextAttemptAt + 3_600_050)} at the earliest \\(in `,
      ),
    );

    // Collapsed until opened; then the request as sent, and the answer.
    const exchange = block.locator('details[data-exchange="1"]');
    expect(await exchange.getAttribute('open')).toBeNull();
    await exchange.locator('summary').click();
    const headers = exchange.locator('.request-headers');
    await headers.waitFor({ state: 'visible' });
    const shown = await headers
      .locator('tr[data-header]')
      .evaluateAll((rows) => rows.map((r) => [r.querySelector('th')?.textContent, r.querySelector('td')?.textContent]));
    expect(Object.fromEntries(shown)).toEqual(attempt.request.headers);
    expect(Object.keys(attempt.request.headers)).toEqual(
      expect.arrayContaining(['x-payhook-event-id', 'webhook-id', 'webhook-timestamp', 'webhook-signature']),
    );
    expect(await exchange.locator('tr[data-header="x-payhook-event-id"] td').textContent()).toBe(delivery.eventId);
    expect(await exchange.locator('tr[data-header="webhook-signature"] td').textContent()).toMatch(/^v1,/);
    expect(await exchange.locator('.request-body').textContent()).toBe(delivery.body);
    expect(await exchange.locator('.answer-status').textContent()).toBe('500');
    expect(await exchange.locator('.answer-error-class').textContent()).toBe('bad_status');
    expect(await exchange.locator('.answer-message').textContent()).toBe(attempt.errorMessage);
    // The receiver's markup is text on the page: no element of its own, no script run.
    expect(await exchange.locator('.answer-excerpt').textContent()).toBe(HOSTILE_HTML);
    expect(await page.locator('.injected').count()).toBe(0);
    expect(await page.locator('main img').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { injected?: number }).injected)).toBeUndefined();
    await browser.screenshot('attempts-1-request-and-answer');

    // Attempt 2 made from elsewhere (the API): the page follows live and keeps attempt 1 open.
    expectOk(await call(gw, 'POST', `/admin/deliveries/${delivery.id}/retry-now`));
    await page.waitForSelector(`.delivery[data-delivery-id="${delivery.id}"] tr[data-attempt="2"]`);
    expect(await block.locator('details[data-exchange="1"]').getAttribute('open')).not.toBeNull();
    await waitForText(page, `.delivery[data-delivery-id="${delivery.id}"] .progress`, /^attempt 3 of 4 · gives up at /);

    // Retry now from the page: the receiver gets attempt 3 at once, and the page shows it delivered.
    await block.locator('button.retry-now').click();
    await page.waitForURL(`${gw.url}/dashboard/payments/${payment.traceId}?notice=retrying-now`);
    expect(await page.textContent('.notice')).toContain('Retrying now');
    await page.waitForSelector(`.delivery[data-delivery-id="${delivery.id}"][data-state=delivered]`);
    expect(receiver.received.map((r) => r.headers['x-payhook-attempt'])).toEqual(['1', '2', '3']);
    const done = (await gw.get(`/admin/deliveries/${delivery.id}`)).body.data;
    expect((await block.locator('.progress').textContent())?.trim()).toBe(
      `delivered at ${formatTime(done.attempts[2].endedAt)} · after 3 attempts`,
    );
    expect(await block.locator('button.retry-now').count()).toBe(0);
    await browser.screenshot('attempts-2-retried-now');
  });
});
