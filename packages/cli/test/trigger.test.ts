// `payhook pay` and `payhook trigger` against a real gateway and a real callback receiver.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { paymentBody } from '../../../test-support/fixtures.js';
import { killAllClis, runCli, runJson } from './helpers/cli.js';
import {
  callbacksFor,
  type Receiver,
  startReceiver,
  startTestGateway,
  type TestGateway,
  USDT_ID,
  waitFor,
} from './helpers/fixtures.js';

let gw: TestGateway;
let receiver: Receiver;
let url: string[];

beforeAll(async () => {
  gw = await startTestGateway();
  receiver = await startReceiver();
  url = ['--url', gw.url];
});
afterEach(killAllClis);
afterAll(async () => {
  await receiver?.close();
  await gw?.close();
});

const eventsReceived = (traceId: string) => callbacksFor(receiver.received, traceId).map((c) => c.event);

describe('payhook trigger', () => {
  it('success: creates a payment, pays it in full, and the receiver gets the success callback', async () => {
    const run = await runCli(['trigger', 'success', '--callback-url', receiver.url, ...url]);
    expect(run.code, run.stderr).toBe(0);
    const traceId = /created payment (\S+)/.exec(run.stdout)?.[1] as string;
    expect(run.stdout).toMatch(/paid 10 USDT in full \(txid \S+, 1 confirmation\)/);
    expect(run.stdout).toMatch(/^status\s+success$/m);
    // The trigger waited for the first attempt and says what the receiver answered.
    expect(run.stdout).toMatch(new RegExp(`delivered  success → ${receiver.url} .*attempt 1: 200 SUCCESS`));
    expect(run.stderr).toContain('waiting for the first attempt of 1 delivery');
    expect(eventsReceived(traceId)).toEqual(['success']);
    expect(callbacksFor(receiver.received, traceId)[0]?.body).toEqual({
      orderId: expect.stringMatching(/^cli-/),
      traceId,
      payeeId: 'payhook-cli',
    });
    // settle was not subscribed: it happens, but creates no delivery.
    await waitFor(
      async () => (await gw.get(`/v1/payments_result?traceId=${traceId}`)).body.data.settleStatus === 'success',
    );
    const deliveries = await runJson(['deliveries', '--trace-id', traceId, ...url]);
    expect(deliveries.map((d: any) => d.eventType)).toEqual(['success']);
  });

  it('pending: pays in full with 0 confirmations; a subscribed pending callback arrives', async () => {
    const out = await runJson(['trigger', 'pending', '--callback-url', receiver.url, ...url]);
    expect(out.result.status).toBe('pending');
    expect(out.result.confirmations).toBe(0);
    expect(out.created.traceId).toBe(out.traceId);
    expect(out.events.map((e: any) => e.type)).toEqual(['pending']);
    expect(out.events[0].deliveries[0].delivery.state).toBe('delivered');
    expect(eventsReceived(out.traceId)).toEqual(['pending']);

    // Then success on the same payment confirms the transfer instead of paying again.
    const more = await runJson(['trigger', 'success', out.traceId, ...url]);
    expect(more.steps).toEqual([expect.stringMatching(/^confirmed txid \S+ \(1 confirmation\)$/)]);
    expect(more.result.status).toBe('success');
    expect(more.result.paymentAmount).toBe('10');
    await waitFor(() => eventsReceived(out.traceId).length === 2 && true, { what: 'the success callback' });
    expect(eventsReceived(out.traceId)).toEqual(['pending', 'success']);
  });

  it('fail: expires the payment and the fail callback arrives', async () => {
    const out = await runJson(['trigger', 'fail', '--callback-url', receiver.url, ...url]);
    expect(out.steps).toContain('expired the payment (its deadline is now)');
    expect(out.result.status).toBe('failed');
    expect(out.result.failureCode).toBe('40000');
    expect(eventsReceived(out.traceId)).toEqual(['fail']);
  });

  it('paid_less: a one-time payment paid partly stays pending and the paid_less callback arrives', async () => {
    const run = await runCli(['trigger', 'paid_less', '--callback-url', receiver.url, '--quote-amount', '20', ...url]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/created one-time payment/);
    expect(run.stdout).toMatch(/paid 10 USDT of 20 owed/);
    expect(run.stdout).toMatch(/^multi-pay\s+yes, not fully paid$/m);
    expect(run.stdout).toMatch(/^remaining\s+10 USDT$/m);
    const traceId = /created one-time payment (\S+)/.exec(run.stdout)?.[1] as string;
    expect(eventsReceived(traceId)).toEqual(['paid_less']);
    const result = (await gw.get(`/v1/payments_result?traceId=${traceId}&with=payment`)).body.data;
    expect(result.status).toBe('pending');
    expect(result.payment).toMatchObject({ isMultiPay: true, isFullyPaid: false, totalTransactionsAmount: '10' });
  });

  it('paid_less with --amount on an existing one-time payment', async () => {
    const created = await gw.post(
      '/v1/one_time_payment',
      paymentBody({
        payeeId: 'payee-cli',
        orderId: `order-${Date.now()}`,
        quoteAmount: '8',
        callbackUrl: receiver.url,
        callbackEvent: 'paid_less',
      }),
    );
    // A one-time payment's code is its traceId.
    const { code: traceId } = created.body.data;
    const out = await runJson(['trigger', 'paid_less', traceId, '--amount', '2.5', ...url]);
    expect(out.created).toBeNull();
    expect(out.result.paymentAmount).toBe('2.5');
    expect(out.result.payableAmount).toBe('8');
    expect(out.result.payment.totalTransactionsAmount).toBe('2.5');
    expect(eventsReceived(traceId)).toEqual(['paid_less']);
  });

  it('settle: pays in full, forces settlement, and both callbacks arrive', async () => {
    const out = await runJson(['trigger', 'settle', '--callback-url', receiver.url, ...url]);
    expect(out.result.status).toBe('success');
    expect(out.result.settleStatus).toBe('success');
    expect(out.result.settleAmount).toBe('10');
    expect(out.events.map((e: any) => e.type).sort()).toEqual(['settle', 'success']);
    await waitFor(() => eventsReceived(out.traceId).length === 2 && true, { what: 'two callbacks' });
    expect(eventsReceived(out.traceId).sort()).toEqual(['settle', 'success']);
  });

  it('--events chooses the subscription of the payment it creates', async () => {
    const out = await runJson(['trigger', 'pending', '--callback-url', receiver.url, '--events', 'settle', ...url]);
    // pending was raised but not subscribed: nothing delivered.
    expect(out.events).toEqual([expect.objectContaining({ type: 'pending', deliveries: [] })]);
    const text = await runCli(['trigger', 'success', out.traceId, ...url]);
    expect(text.code, text.stderr).toBe(0);
    await waitFor(() => eventsReceived(out.traceId).includes('settle') && true, { what: 'the settle callback' });
    expect(eventsReceived(out.traceId).sort()).toEqual(['settle', 'success']);
  });

  it('refuses to drive a payment that is already final', async () => {
    const { traceId } = await runJson(['trigger', 'success', '--no-wait', ...url]);
    const again = await runCli(['trigger', 'fail', traceId, ...url]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`payhook: payment ${traceId} is already success`);
  });
});

describe('payhook pay', () => {
  it('pays a traceId in full by default and prints the status', async () => {
    const payment = await gw.createPayment({ callbackUrl: receiver.url });
    const run = await runCli(['pay', payment.traceId, ...url]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      new RegExp(`sent 10 USDT to payment ${payment.traceId} \\(txid \\S+, 1 confirmation\\)`),
    );
    expect(run.stdout).toMatch(/^status\s+success$/m);
    await waitFor(() => eventsReceived(payment.traceId).length === 1 && true, { what: 'the success callback' });
    expect(eventsReceived(payment.traceId)).toEqual(['success']);
  });

  it('--amount, --asset (by symbol) and --confirmations shape the transfer; --json prints it', async () => {
    const payment = await gw.createPayment({ callbackUrl: receiver.url, callbackEvent: 'pending' });
    const out = await runJson(['pay', payment.traceId, '--asset', 'usdt', '--confirmations', '0', ...url]);
    expect(out.transfer).toMatchObject({ amount: '10', assetId: USDT_ID, confirmations: 0 });
    expect(out.result.status).toBe('pending');
    await waitFor(() => eventsReceived(payment.traceId).length === 1 && true, { what: 'the pending callback' });
    expect(eventsReceived(payment.traceId)).toEqual(['pending']);

    const other = await gw.createPayment();
    const under = await runJson(['pay', other.traceId, '--amount', '3', ...url]);
    // A /v1/payments payment is not multi-pay: paying less fails it with 40024.
    expect(under.result).toMatchObject({ status: 'failed', failureCode: '40024', paymentAmount: '3' });
  });

  it('pays a one-time payment by its code', async () => {
    const created = await gw.post('/v1/one_time_payment', {
      payeeId: 'payee-cli',
      orderId: `order-${Date.now()}`,
      quoteAmount: '6',
      quoteAssetId: 'usd',
      settlementAssetId: USDT_ID,
    });
    // The code is the payment's traceId.
    const { code } = created.body.data;
    const traceId = code;
    const partly = await runJson(['pay', code, '--amount', '1', '--asset', 'USDT', ...url]);
    expect(partly.transfer.traceId).toBe(traceId);
    expect(partly.result).toMatchObject({ status: 'pending', paymentAmount: '1' });
    const rest = await runJson(['pay', code, '--code', ...url]);
    expect(rest.transfer.amount).toBe('5');
    expect(rest.result.status).toBe('success');
  });

  it('an unknown asset symbol is a usage error', async () => {
    const payment = await gw.createPayment();
    const run = await runCli(['pay', payment.traceId, '--asset', 'DOGE', ...url]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/unknown asset "DOGE": use an asset id or one of USD, USDT/);
  });
});
