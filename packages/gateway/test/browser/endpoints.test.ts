// An operator watches a failing callback URL on the Endpoints page, pauses it with the page's
// form (nothing is sent while paused, a new event waits), and resumes it: the waiting delivery
// goes out at once.
import { afterEach, expect, it } from 'vitest';
import { waitFor } from '../../../../test-support/wait.js';
import { type BrowserSession, openBrowser, waitForText } from '../helpers/browser.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';

let gw: TestGateway | undefined;
let receiver: Receiver | undefined;
let browser: BrowserSession | undefined;

afterEach(async () => {
  await browser?.close();
  await gw?.close();
  await receiver?.close();
  browser = gw = receiver = undefined;
});

async function paid(g: TestGateway, url: string): Promise<string> {
  const payment = await g.createPayment({ callbackUrl: url });
  expect((await g.post('/v1/sandbox/transfers', { traceId: payment.traceId })).status).toBe(200);
  return payment.traceId;
}

const deliveryOf = async (g: TestGateway, traceId: string) =>
  (await g.get(`/admin/deliveries?traceId=${traceId}`)).body.data[0];

it('shows a failing URL with its forecast, pauses it from the page and resumes it', async () => {
  // Two quick failures, then an hour's wait: the delivery stays retrying while the page is read.
  gw = await startTestGateway({ PAYHOOK_RETRY_SCHEDULE: '0,0.05,3600,3600', PAYHOOK_ENDPOINT_FAILING_AFTER: '2' });
  receiver = await startReceiver();
  receiver.script([], 'status500');
  const first = await paid(gw, receiver.url);
  const g = gw;
  await waitFor(async () => (await deliveryOf(g, first)).attempts === 2, { what: 'two failed attempts' });
  await g.gateway.endpointHealth.flush();

  browser = await openBrowser();
  const { page } = browser;
  await page.goto(`${gw.url}/dashboard/endpoints`);
  const row = `tr[data-url="${receiver.url}"]`;
  expect(await page.getAttribute(row, 'data-health')).toBe('failing');
  expect((await page.textContent(`${row} .consecutive`))?.trim()).toBe('2');
  expect((await page.textContent(`${row} .retrying`))?.trim()).toBe('1');
  expect(await page.textContent(`${row} .forecast`)).toMatch(
    /^1 delivery gives up between \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ and /,
  );
  expect(await page.textContent(`tr[data-host="${new URL(receiver.url).host}"]`)).toContain('failing');
  expect(await page.getAttribute('a[href="/dashboard/endpoints"]', 'aria-current')).toBe('page');
  await browser.screenshot('endpoints-1-failing');

  // The form with a reason, outside the live regions (a link may fill its URL in: ?pause=).
  await page.goto(`${gw.url}/dashboard/endpoints?pause=${encodeURIComponent(receiver.url)}`);
  expect(await page.inputValue('form.pause-with-reason input[name=url]')).toBe(receiver.url);
  await page.fill('form.pause-with-reason input[name=reason]', 'shop is migrating');
  await page.click('form.pause-with-reason button.pause');
  await page.waitForURL(/\/dashboard\/endpoints\?notice=paused$/);
  expect(await page.getAttribute(row, 'data-paused')).toBe('true');
  expect(await page.textContent(`${row} .paused-since`)).toMatch(/by local · shop is migrating/);
  expect(await page.textContent(row)).toContain('none while paused');

  // While paused, a new event waits and nothing reaches the receiver.
  receiver.script([], 'success');
  const second = await paid(gw, receiver.url);
  const sent = receiver.received.length;
  await page.reload();
  await waitForText(page, `${row} .pending`, '2');
  expect(receiver.received).toHaveLength(sent);
  expect(await deliveryOf(gw, second)).toMatchObject({ state: 'pending', attempts: 0 });
  await browser.screenshot('endpoints-2-paused');

  await page.click(`${row} button.resume`);
  await page.waitForURL(/\/dashboard\/endpoints\?notice=resumed$/);
  expect(await page.getAttribute(row, 'data-paused')).toBe('false');
  // The row's own Pause button pauses without a reason.
  await page.click(`${row} button.pause`);
  await page.waitForURL(/\/dashboard\/endpoints\?notice=paused$/);
  expect(await page.textContent(`${row} .paused-since`)).toMatch(/by local$/);
  await page.click(`${row} button.resume`);
  await page.waitForURL(/\/dashboard\/endpoints\?notice=resumed$/);
  await waitFor(async () => (await deliveryOf(g, second)).state === 'delivered', { what: 'the waiting delivery' });
  expect(receiver.received.map((r) => r.body).filter((b) => b.includes(second))).toHaveLength(1);
  // The first delivery keeps its hour's wait: it had nearly all of it left.
  expect(await deliveryOf(gw, first)).toMatchObject({ state: 'pending', attempts: 2 });
  await browser.screenshot('endpoints-3-resumed');
});
