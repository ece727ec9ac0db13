// Production mode: the dashboard asks for the admin token, refuses a wrong one, and the session
// cookie it sets for the right one opens both the pages and the admin JSON API.
import { afterEach, describe, expect, it } from 'vitest';
import { type BrowserSession, openBrowser } from '../helpers/browser.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

const TOKEN = 'prod-admin-token-0123456789abcdef';

let gw: TestGateway | undefined;
let browser: BrowserSession | undefined;

afterEach(async () => {
  await browser?.close();
  await gw?.close();
  browser = gw = undefined;
});

/** What the admin API answers this browser tab (with its cookies, from its origin). */
async function adminStatus(session: BrowserSession, method = 'GET'): Promise<number> {
  return session.page.evaluate(async (m) => {
    const init: RequestInit =
      m === 'GET'
        ? {}
        : {
            method: m,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ url: 'https://shop.example/cb' }),
          };
    const res = await fetch(m === 'GET' ? '/admin/stats' : '/admin/deliveries/redeliver-exhausted', init);
    return res.status;
  }, method);
}

describe('dashboard sign-in (production mode)', () => {
  it('refuses a wrong token, lets the right one in, and the cookie works for the admin API', async () => {
    gw = await startTestGateway({ PAYHOOK_MODE: 'production', PAYHOOK_ADMIN_TOKEN: TOKEN });
    const payment = await gw.createPayment();
    browser = await openBrowser();
    const { page, context } = browser;

    await page.goto(`${gw.url}/dashboard/payments`);
    await page.waitForURL(`${gw.url}/dashboard/login?next=%2Fdashboard%2Fpayments`);
    await browser.screenshot('sign-in-1-form');
    expect(await adminStatus(browser)).toBe(401);

    await page.fill('input[name=token]', 'not-the-token-at-all-0000');
    await page.click('form button[type=submit]');
    await page.waitForSelector('.error[role=alert]');
    expect(await page.textContent('.error')).toContain('not the admin token');
    expect(await context.cookies()).toEqual([]);
    expect(await adminStatus(browser)).toBe(401);
    await browser.screenshot('sign-in-2-refused');

    await page.fill('input[name=token]', TOKEN);
    await page.click('form button[type=submit]');
    await page.waitForURL(`${gw.url}/dashboard/payments`);
    expect(await page.locator(`#payments tr[data-trace-id="${payment.traceId}"]`).count()).toBe(1);
    const cookies = await context.cookies();
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatchObject({
      name: 'payhook_session',
      httpOnly: true,
      sameSite: 'Strict',
      secure: false,
      path: '/',
    });
    // HttpOnly: page scripts cannot read it.
    expect(await page.evaluate(() => document.cookie)).toBe('');
    await browser.screenshot('sign-in-3-payments');

    // The same cookie opens the JSON admin API, reads and (same-origin) writes alike.
    expect(await adminStatus(browser)).toBe(200);
    expect(await adminStatus(browser, 'POST')).toBe(200);
    // Without it, nothing changed for other clients.
    expect((await gw.get('/admin/stats')).status).toBe(401);

    await page.click('header form button[type=submit]');
    await page.waitForURL(`${gw.url}/dashboard/login`);
    expect(await context.cookies()).toEqual([]);
    expect(await adminStatus(browser)).toBe(401);
  });
});

describe('the checkout page with a token (production, PAYHOOK_SANDBOX=1)', () => {
  it('shows a visitor no sandbox forms but where to sign in, and the signed-in operator working ones', async () => {
    gw = await startTestGateway({ PAYHOOK_MODE: 'production', PAYHOOK_ADMIN_TOKEN: TOKEN, PAYHOOK_SANDBOX: '1' });
    const payment = await gw.createPayment();
    const path = `/checkout/${payment.traceId}`;
    browser = await openBrowser();
    const { page } = browser;

    await page.goto(`${gw.url}${path}`);
    expect((await page.textContent('#payment-status'))?.trim()).toBe('unpaid');
    expect(await page.locator('button.pay-full').count()).toBe(0);
    expect(await page.textContent('.sandbox-locked')).toContain('PAYHOOK_ADMIN_TOKEN');
    await browser.screenshot('checkout-locked');

    await page.click('a.sign-in');
    await page.waitForURL(`${gw.url}/dashboard/login?next=${encodeURIComponent(path)}`);
    await page.fill('input[name=token]', TOKEN);
    await page.click('form button[type=submit]');
    await page.waitForURL(`${gw.url}${path}`);

    await page.click('button.pay-full');
    await page.waitForFunction(() => document.querySelector('#payment-status')?.textContent?.trim() === 'success');
    expect((await gw.get(`/v1/payments_result?traceId=${payment.traceId}`)).body.data.status).toBe('success');
    await browser.screenshot('checkout-signed-in-paid');
  });
});
