// The Recover page in a browser: an operator filters deliveries that gave up on a shop's old
// URL, reads the dry run's count, confirms a redelivery to the new URL, and follows its progress
// live until every callback has reached the new receiver; the recovery is then listed.
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../../../test-support/wait.js';
import { browserPerTest, waitForText } from '../helpers/browser.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';

const openTestBrowser = browserPerTest();

async function exhausted(gw: TestGateway, r: Receiver, n: number): Promise<string[]> {
  const traces: string[] = [];
  for (let i = 0; i < n; i++) {
    const p = await gw.createPayment({ callbackUrl: r.url });
    await gw.post('/v1/sandbox/transfers', { traceId: p.traceId });
    traces.push(p.traceId);
  }
  await gw.afterAttempts(async () => {
    const list = (await gw.get('/admin/deliveries?state=exhausted&limit=500')).body.data as unknown[];
    return list.length === n ? true : undefined;
  }, `${n} exhausted deliveries`);
  return traces;
}

describe('the Recover page', () => {
  it('filters, counts (dry run), confirms, and follows a redelivery to a new URL until done', async () => {
    const gw = await startTestGateway({ PAYHOOK_RECOVERY_BATCH: '1' });
    const old = await startReceiver();
    old.script([], 'status500');
    const moved = await startReceiver();
    await exhausted(gw, old, 3);
    const browser = await openTestBrowser();
    const { page } = browser;

    await page.goto(`${gw.url}/`);
    await page.click('header a[href="/dashboard/recover"]');
    await page.waitForURL(`${gw.url}/dashboard/recover`);
    expect(await page.textContent('#recoveries')).toContain('None yet.');

    await page.selectOption('select[name=state]', 'exhausted');
    await page.fill('input[name=url]', old.url);
    await page.check('input[name=notRedelivered]');
    await page.selectOption('select[name=action]', 'redeliver');
    await page.fill('input[name=newUrl]', moved.url);
    await page.click('button.dry-run');
    await page.waitForSelector('#preview');
    expect(await page.getAttribute('#matched', 'data-matched')).toBe('3');
    expect(await page.locator('#preview tr[data-delivery-id]').count()).toBe(3);
    // Counting changed nothing.
    expect((await gw.get('/admin/recoveries')).body.data.recoveries).toEqual([]);
    expect(old.received).toHaveLength(30);
    await browser.screenshot('recover-1-dry-run');

    await page.fill('#confirm input[name=actor]', 'ops-anna');
    await page.click('#confirm button.confirm');
    await page.waitForURL(/\/dashboard\/recoveries\/[0-9a-f-]{36}$/);
    await waitForText(page, '#counts', '3 of 3 redelivered');
    // The last batch counts the third; the recovery is done when the next scan finds no more.
    await page.waitForSelector('#progress[data-state=done]');
    await waitFor(() => moved.received.length === 3 || undefined, { what: 'the callbacks at the new URL' });
    expect(await page.textContent('#progress')).toContain('ops-anna');
    await browser.screenshot('recover-2-done');

    await page.click('a[href="/dashboard/recover"]');
    const row = page.locator('#recoveries tr[data-recovery-id]');
    expect(await row.count()).toBe(1);
    expect(await row.textContent()).toMatch(/redeliver → .*ops-anna.*done.*3 of 3/s);
  });

  it('shows why a selection is refused, beside the form, and changes nothing', async () => {
    const gw = await startTestGateway();
    const browser = await openTestBrowser();
    const { page } = browser;
    await page.goto(`${gw.url}/dashboard/recover`);
    await page.selectOption('select[name=state]', 'pending');
    await page.selectOption('select[name=action]', 'redeliver');
    await page.click('button.dry-run');
    await page.waitForSelector('#refused');
    expect(await page.textContent('#refused')).toContain(
      'selection.state: pending deliveries are still on their schedule',
    );
    expect(await page.locator('#preview').count()).toBe(0);
    // The form keeps what was chosen.
    expect(await page.inputValue('select[name=state]')).toBe('pending');
  });
});
