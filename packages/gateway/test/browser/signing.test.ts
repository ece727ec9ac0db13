// An operator rotates a payee's signing secret from the Signing page: the new secret is shown once
// (no-store, not in the URL, not on the list), the list shows until when the old one signs too,
// and a callback sent during the overlap verifies with either secret. Then signing stops.
import { createSignatureVerifier } from '@payhook/merchant';
import { afterEach, expect, it } from 'vitest';
import { waitFor } from '../../../../test-support/wait.js';
import { ManualClock } from '../../src/clock.js';
import { call, expectOk } from '../helpers/api.js';
import { type BrowserSession, openBrowser } from '../helpers/browser.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';

const PAYEE = 'payee-rotating';
let gw: TestGateway | undefined;
let receiver: Receiver | undefined;
let browser: BrowserSession | undefined;

afterEach(async () => {
  await browser?.close();
  await gw?.close();
  await receiver?.close();
  browser = gw = receiver = undefined;
});

it('rotates a secret from the page, shows it once, and both secrets verify during the overlap', async () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
  gw = await startTestGateway({ PAYHOOK_SECRET_ROTATION_OVERLAP: '7200' }, { clock });
  receiver = await startReceiver();
  const oldSecret = expectOk(await call(gw, 'PUT', `/admin/payees/${PAYEE}/secret`, { json: { overlapSeconds: 0 } }))
    .secret as string;
  const signedSince = clock.now();
  clock.advance(60_000);

  browser = await openBrowser();
  const { page } = browser;
  await page.goto(`${gw.url}/dashboard/signing`);
  expect(await page.getAttribute('a[href="/dashboard/signing"]', 'aria-current')).toBe('page');
  const row = `tr[data-payee="${PAYEE}"]`;
  expect(await page.textContent(`${row} .since`)).toBe(
    `signed since ${new Date(signedSince).toISOString().slice(0, 19).replace('T', ' ')}Z`,
  );
  expect(await page.textContent(`${row} .rotation`)).toContain('none');
  expect(await page.inputValue('form.rotate input[name=overlapHours]')).toBe('2'); // the setting, in hours

  await page.fill('form.rotate input[name=payeeId]', PAYEE);
  await page.fill('form.rotate input[name=overlapHours]', '1');
  const [answer] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/dashboard/signing/rotate')),
    page.click('form.rotate button.rotate'),
  ]);
  expect(answer.status()).toBe(200);
  expect(answer.headers()['cache-control']).toBe('no-store');
  const newSecret = (await page.textContent('#new-secret'))?.trim() ?? '';
  expect(newSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
  expect(newSecret).not.toBe(oldSecret);
  expect(page.url()).toBe(`${gw.url}/dashboard/signing/rotate`);
  expect(await page.textContent('main')).toContain('shown this once');
  const ends = clock.now() + 3_600_000;
  await browser.screenshot('signing-1-new-secret');

  // The list shows the overlap's end and no secret.
  await page.goto(`${gw.url}/dashboard/signing`);
  expect(await page.textContent(`${row} .rotation`)).toBe(
    `the previous secret signs too until ${new Date(ends).toISOString().slice(0, 19).replace('T', ' ')}Z`,
  );
  const listed = await page.content();
  for (const secret of [oldSecret, newSecret]) expect(listed).not.toContain(secret.slice(6));
  expect(expectOk(await call(gw, 'GET', `/admin/payees/${PAYEE}/secret`)).rotationEndsAt).toBe(ends);

  // A callback during the overlap carries both signatures: a shop with either secret accepts it.
  const payment = await gw.createPayment({ payeeId: PAYEE, callbackUrl: receiver.url });
  expect((await gw.post('/v1/sandbox/transfers', { traceId: payment.traceId })).status).toBe(200);
  const r = receiver;
  await waitFor(() => r.received.length === 1, { what: 'the signed callback' });
  const [callback] = r.received as [Receiver['received'][0]];
  const headers = new Headers(callback.headers as Record<string, string>);
  for (const secret of [oldSecret, newSecret]) {
    expect(createSignatureVerifier(secret)(headers, callback.body, clock.now()).ok).toBe(true);
  }

  // Stop signing: the row's button.
  await page.click(`${row} button.remove`);
  await page.waitForURL(/\/dashboard\/signing\?notice=removed$/);
  expect(await page.locator(row).count()).toBe(0);
  expect(await page.textContent('main')).toContain('No payee signs its callbacks.');
  await browser.screenshot('signing-2-stopped');
});
