// Exhaustion tells the operator, end to end: the warn line, and the operator webhook's JSON POST
// (PAYHOOK_OPERATOR_WEBHOOK_URL) from a real gateway to a real receiver; a failing webhook is logged.
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test-support/wait.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';
import { captureLogs } from './helpers/logs.js';
import { type Receiver, startReceiver } from './helpers/receiver.js';

const open: { close(): Promise<void> }[] = [];

afterEach(async () => {
  for (const thing of open.splice(0).reverse()) await thing.close();
});

async function receiver(fallback: Parameters<Receiver['script']>[1]) {
  const r = await startReceiver();
  r.script([], fallback);
  open.push(r);
  return r;
}

async function gateway(operatorUrl: string, logs = captureLogs()) {
  const gw = await startTestGateway({ PAYHOOK_OPERATOR_WEBHOOK_URL: operatorUrl }, { logger: logs.logger });
  open.push(gw);
  return gw;
}

async function deliveryOf(gw: TestGateway, traceId: string, state: 'delivered' | 'exhausted') {
  return waitFor(
    async () => {
      const [d] = (await gw.get(`/admin/deliveries?traceId=${traceId}`)).body.data;
      return d?.state === state ? d : undefined;
    },
    { what: `the delivery of ${traceId} to be ${state}` },
  );
}

describe('operator signal on exhaustion', () => {
  it('POSTs delivery.exhausted once per exhausted delivery, with what an operator needs', async () => {
    const operator = await receiver('success');
    const failing = await receiver('status500');
    const ok = await receiver('success');
    const logs = captureLogs();
    const gw = await gateway(`${operator.url}/ops?key=operator-secret-key`, logs);

    const bad = await gw.createPayment({ callbackUrl: `${failing.url}/cb?token=merchant-secret` });
    const good = await gw.createPayment({ callbackUrl: ok.url });
    await gw.post('/v1/sandbox/transfers', { traceId: bad.traceId });
    await gw.post('/v1/sandbox/transfers', { traceId: good.traceId });
    const exhausted = await deliveryOf(gw, bad.traceId, 'exhausted');
    await deliveryOf(gw, good.traceId, 'delivered');
    await waitFor(() => operator.received.length >= 1, { what: 'the operator notice' });
    await waitFor(() => logs.lines().some((l) => l.msg === 'operator webhook told of the exhausted delivery'), {
      what: 'the notice to be logged as sent',
    });

    const { attempts } = (await gw.get(`/admin/deliveries/${exhausted.id}`)).body.data;
    const [notice] = operator.received;
    expect(notice?.headers['content-type']).toBe('application/json');
    expect(notice?.headers['x-payhook-signal']).toBe('delivery.exhausted');
    expect(JSON.parse(notice?.body ?? '')).toEqual({
      type: 'delivery.exhausted',
      deliveryId: exhausted.id,
      eventId: exhausted.eventId,
      traceId: bad.traceId,
      event: 'success',
      url: `${failing.url}/cb?token=merchant-secret`,
      attempts: 10,
      lastError: { errorClass: 'bad_status', statusCode: 500, message: 'answered HTTP 500; only 200 counts' },
      at: attempts[9].endedAt,
    });
    // The delivered one raised nothing; the exhausted one exactly one notice.
    expect(operator.received).toHaveLength(1);

    // The warn line: delivery, payment, event and URL, without the URL's secret.
    const warn = logs.lines().filter((l) => l.msg === 'delivery exhausted after the last scheduled attempt');
    expect(warn).toHaveLength(1);
    expect(warn[0]).toMatchObject({
      level: 40,
      deliveryId: exhausted.id,
      eventId: exhausted.eventId,
      traceId: bad.traceId,
      event: 'success',
      url: `${failing.url}/cb`,
      attemptNo: 10,
      errorClass: 'bad_status',
    });
    expect(logs.text()).not.toContain('merchant-secret');
    expect(logs.text()).not.toContain('operator-secret-key');
  });

  it('logs a webhook that fails, and the delivery stays exhausted and listed', async () => {
    const operator = await receiver('status500');
    const failing = await receiver('status500');
    const logs = captureLogs();
    const gw = await gateway(`${operator.url}/ops`, logs);
    const payment = await gw.createPayment({ callbackUrl: failing.url });
    await gw.post('/v1/sandbox/transfers', { traceId: payment.traceId });
    const exhausted = await deliveryOf(gw, payment.traceId, 'exhausted');

    const line = await waitFor(() => logs.lines().find((l) => l.msg?.startsWith('operator webhook failed')), {
      what: 'the failed notice to be logged',
    });
    expect(line).toMatchObject({
      level: 50,
      deliveryId: exhausted.id,
      traceId: payment.traceId,
      statusCode: 500,
      webhook: new URL(operator.url).origin,
    });
    expect(operator.received).toHaveLength(1);
    const listed = (await gw.get('/admin/deliveries?state=exhausted')).body.data;
    expect(listed.map((d: { id: string }) => d.id)).toEqual([exhausted.id]);
  });

  it('does not hold up callbacks or shutdown while the webhook hangs', async () => {
    const operator = await receiver('hang');
    const failing = await receiver('status500');
    const ok = await receiver('success');
    const gw = await gateway(operator.url);
    const bad = await gw.createPayment({ callbackUrl: failing.url });
    await gw.post('/v1/sandbox/transfers', { traceId: bad.traceId });
    await deliveryOf(gw, bad.traceId, 'exhausted');
    await waitFor(() => operator.received.length === 1, { what: 'the notice to reach the hanging webhook' });

    // The notice is still unanswered (the webhook's timeout is 5 s): callbacks go on meanwhile.
    const good = await gw.createPayment({ callbackUrl: ok.url });
    await gw.post('/v1/sandbox/transfers', { traceId: good.traceId });
    await deliveryOf(gw, good.traceId, 'delivered');
    // Shutdown (grace 200 ms in the helper) aborts the notice instead of waiting for its timeout.
    const started = Date.now();
    await gw.close();
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
