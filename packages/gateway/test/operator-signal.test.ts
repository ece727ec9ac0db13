// The operator signal end to end: a real gateway (or the signal with a real sender) POSTing to a
// real receiver. Notices are signed with Standard Webhooks (verified with the library's own
// Webhook class), retried with the same webhook-id through 500s, resets and timeouts, and never
// hold up callbacks or shutdown; a URL without a secret does not start.
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { endpointNotice } from '../../../test-support/fixtures.js';
import { waitFor } from '../../../test-support/wait.js';
import { loadConfig } from '../src/config.js';
import { UndiciSender } from '../src/delivery/sender.js';
import type { Logger } from '../src/logger.js';
import { type EndpointNotice, OperatorSignal } from '../src/operator-signal.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';
import { captureLogs } from './helpers/logs.js';
import { type Behaviour, type Receiver, startReceiver } from './helpers/receiver.js';

const SECRET = `whsec_${Buffer.alloc(32, 5).toString('base64')}`;
const open: { close(): Promise<void> }[] = [];

afterEach(async () => {
  for (const thing of open.splice(0).reverse()) await thing.close();
});

async function receiver(script: Behaviour[], fallback: Behaviour) {
  const r = await startReceiver();
  r.script(script, fallback);
  open.push(r);
  return r;
}

/**
 * A gateway telling `operatorUrl`. Its endpoints turn `failing` only after more failures than the
 * schedule has attempts, so these tests hear of exhaustion alone unless `env` says otherwise.
 */
async function gateway(
  operatorUrl: string,
  logs = captureLogs(),
  retries = '0.01,0.01,0.01',
  env: Record<string, string> = {},
) {
  const gw = await startTestGateway(
    {
      PAYHOOK_OPERATOR_WEBHOOK_URL: operatorUrl,
      PAYHOOK_OPERATOR_WEBHOOK_SECRET: SECRET,
      PAYHOOK_OPERATOR_WEBHOOK_RETRIES: retries,
      PAYHOOK_ENDPOINT_FAILING_AFTER: '11',
      ...env,
    },
    { logger: logs.logger },
  );
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

/** The notice as the operator's endpoint verifies it: the library throws on a bad signature. */
const verified = (notice: Receiver['received'][0] | undefined) =>
  new Webhook(SECRET).verify(notice?.body ?? '', notice?.headers as Record<string, string>);

describe('operator signal on endpoint health', () => {
  it('tells of a URL turning failing at the threshold and recovering at its next success, signed', async () => {
    const operator = await receiver([], 'success');
    // Three failures in a row, then the shop is back: the fourth attempt succeeds.
    const shop = await receiver(['status500', 'reset', 'status500'], 'success');
    const gw = await gateway(operator.url, captureLogs(), '0.01', { PAYHOOK_ENDPOINT_FAILING_AFTER: '3' });
    const payment = await gw.createPayment({ callbackUrl: shop.url });
    await gw.post('/v1/sandbox/transfers', { traceId: payment.traceId });
    await deliveryOf(gw, payment.traceId, 'delivered');
    await waitFor(() => operator.received.length >= 2, { what: 'the failing and recovered notices' });

    // Both changes can land in one batch of health writes, whose notices are sent side by side.
    const notices = operator.received
      .map((n) => verified(n) as EndpointNotice)
      .sort((a, b) => a.at - b.at || a.type.localeCompare(b.type));
    expect(notices.map((n) => n.type)).toEqual(['endpoint.failing', 'endpoint.recovered']);
    expect(operator.received.map((n) => n.headers['x-payhook-signal']).sort()).toEqual([
      'endpoint.failing',
      'endpoint.recovered',
    ]);
    const { attempts } = (
      await gw.get(
        `/admin/deliveries/${(await gw.get(`/admin/deliveries?traceId=${payment.traceId}`)).body.data[0].id}`,
      )
    ).body.data;
    const lastError = { errorClass: 'bad_status', statusCode: 500, message: 'answered HTTP 500; only 200 counts' };
    expect(notices[0]).toEqual({
      type: 'endpoint.failing',
      url: shop.url,
      host: new URL(shop.url).host,
      consecutiveFailures: 3,
      lastError,
      at: attempts[2].endedAt,
    });
    // Recovered: the failure it recovered from, and the success's time.
    expect(notices[1]).toMatchObject({ type: 'endpoint.recovered', url: shop.url, lastError, at: attempts[3].endedAt });
    // One notice per change: the later successes of a healthy URL raise none.
    const again = await gw.createPayment({ callbackUrl: shop.url });
    await gw.post('/v1/sandbox/transfers', { traceId: again.traceId });
    await deliveryOf(gw, again.traceId, 'delivered');
    await gw.gateway.endpointHealth.flush();
    expect(operator.received).toHaveLength(2);
  });
});

describe('operator signal on exhaustion', () => {
  it('POSTs a signed delivery.exhausted once per exhausted delivery, with what an operator needs', async () => {
    const operator = await receiver([], 'success');
    const failing = await receiver([], 'status500');
    const ok = await receiver([], 'success');
    const logs = captureLogs();
    const gw = await gateway(`${operator.url}/ops?key=operator-secret-key`, logs);

    const bad = await gw.createPayment({ callbackUrl: `${failing.url}/cb?token=merchant-secret` });
    const good = await gw.createPayment({ callbackUrl: ok.url });
    await gw.post('/v1/sandbox/transfers', { traceId: bad.traceId });
    await gw.post('/v1/sandbox/transfers', { traceId: good.traceId });
    const exhausted = await deliveryOf(gw, bad.traceId, 'exhausted');
    await deliveryOf(gw, good.traceId, 'delivered');
    await waitFor(() => operator.received.length >= 1, { what: 'the operator notice' });
    await waitFor(() => logs.lines().some((l) => l.msg === 'operator webhook told'), {
      what: 'the notice to be logged as sent',
    });

    const { attempts } = (await gw.get(`/admin/deliveries/${exhausted.id}`)).body.data;
    const [notice] = operator.received;
    expect(notice?.headers['content-type']).toBe('application/json');
    expect(notice?.headers['x-payhook-signal']).toBe('delivery.exhausted');
    const body = {
      type: 'delivery.exhausted',
      deliveryId: exhausted.id,
      eventId: exhausted.eventId,
      traceId: bad.traceId,
      event: 'success',
      url: `${failing.url}/cb?token=merchant-secret`,
      attempts: 10,
      lastError: { errorClass: 'bad_status', statusCode: 500, message: 'answered HTTP 500; only 200 counts' },
      at: attempts[9].endedAt,
    };
    expect(JSON.parse(notice?.body ?? '')).toEqual(body);
    expect(verified(notice)).toEqual(body);
    expect(() =>
      new Webhook(`whsec_${Buffer.alloc(32, 6).toString('base64')}`).verify(
        notice?.body ?? '',
        notice?.headers as Record<string, string>,
      ),
    ).toThrow();
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
    expect(logs.text()).not.toContain(SECRET.slice(6));
  });

  it('retries a webhook that fails twice: the same webhook-id three times, each send signed afresh', async () => {
    const operator = await receiver(['status500', 'reset'], 'success');
    const failing = await receiver([], 'status500');
    const logs = captureLogs();
    const gw = await gateway(operator.url, logs);
    const payment = await gw.createPayment({ callbackUrl: failing.url });
    await gw.post('/v1/sandbox/transfers', { traceId: payment.traceId });
    const exhausted = await deliveryOf(gw, payment.traceId, 'exhausted');
    await waitFor(() => logs.lines().some((l) => l.msg === 'operator webhook told'), { what: 'the third try' });

    expect(operator.received.map((n) => n.behaviour)).toEqual(['status500', 'reset', 'success']);
    const ids = operator.received.map((n) => n.headers['webhook-id']);
    expect(ids[0]).toMatch(/^ntc_/);
    expect(new Set(ids).size).toBe(1);
    for (const notice of operator.received) expect(verified(notice)).toMatchObject({ deliveryId: exhausted.id });
    const lines = logs.lines().filter((l) => String(l.msg).startsWith('operator webhook'));
    expect(lines.map((l) => [l.level, l.tryNo])).toEqual([
      [40, 1],
      [40, 2],
      [30, 3],
    ]);
    expect(lines[0]).toMatchObject({ statusCode: 500, retryInMs: 10, deliveryId: exhausted.id });
    expect(lines[1]).toMatchObject({ errorClass: 'reset' });
  });

  it('logs a webhook that keeps failing once its retries are spent; the delivery stays exhausted and listed', async () => {
    const operator = await receiver([], 'status500');
    const failing = await receiver([], 'status500');
    const logs = captureLogs();
    const gw = await gateway(`${operator.url}/ops`, logs, '0.01');
    const payment = await gw.createPayment({ callbackUrl: failing.url });
    await gw.post('/v1/sandbox/transfers', { traceId: payment.traceId });
    const exhausted = await deliveryOf(gw, payment.traceId, 'exhausted');

    const line = await waitFor(() => logs.lines().find((l) => l.msg?.startsWith('operator webhook failed; given up')), {
      what: 'the notice to be given up',
    });
    expect(line).toMatchObject({
      level: 50,
      signal: 'delivery.exhausted',
      deliveryId: exhausted.id,
      traceId: payment.traceId,
      statusCode: 500,
      tryNo: 2,
      webhook: new URL(operator.url).origin,
    });
    expect(operator.received).toHaveLength(2);
    const listed = (await gw.get('/admin/deliveries?state=exhausted')).body.data;
    expect(listed.map((d: { id: string }) => d.id)).toEqual([exhausted.id]);
  });

  it('does not hold up callbacks or shutdown while the webhook hangs', async () => {
    const operator = await receiver([], 'hang');
    const failing = await receiver([], 'status500');
    const ok = await receiver([], 'success');
    const gw = await gateway(operator.url);
    const bad = await gw.createPayment({ callbackUrl: failing.url });
    await gw.post('/v1/sandbox/transfers', { traceId: bad.traceId });
    await deliveryOf(gw, bad.traceId, 'exhausted');
    await waitFor(() => operator.received.length === 1, { what: 'the notice to reach the hanging webhook' });

    // The notice is still unanswered (the webhook's timeout is 5 s): callbacks go on meanwhile.
    const good = await gw.createPayment({ callbackUrl: ok.url });
    await gw.post('/v1/sandbox/transfers', { traceId: good.traceId });
    await deliveryOf(gw, good.traceId, 'delivered');
    expect(operator.received).toHaveLength(1);
    // Shutdown (grace 200 ms in the helper) aborts the notice instead of waiting for its timeout.
    const started = Date.now();
    await gw.close();
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('refuses to start with the URL but no secret, naming the setting', () => {
    expect(() => loadConfig({ PAYHOOK_OPERATOR_WEBHOOK_URL: 'http://127.0.0.1:9/ops' })).toThrow(
      /PAYHOOK_OPERATOR_WEBHOOK_SECRET is required with PAYHOOK_OPERATOR_WEBHOOK_URL/,
    );
  });
});

describe('operator signal with a real sender', () => {
  const notice: EndpointNotice = endpointNotice({ type: 'endpoint.recovered', consecutiveFailures: 7 });

  it('retries through a timeout, a 500 and a reset with one webhook-id, and verifies every time', async () => {
    const operator = await receiver(['hang', 'status500', 'reset'], 'success');
    const logs = captureLogs();
    const signal = new OperatorSignal({
      url: operator.url,
      secret: SECRET,
      // A short deadline, so the hanging answer times out quickly; the rest is the gateway's sender.
      sender: new UndiciSender({ timeoutMs: 300, maxAnswerBytes: 16 * 1024 }),
      retriesMs: [10, 10, 10],
      logger: logs.logger as unknown as Logger,
    });
    open.push({ close: () => signal.close(1_000) });
    signal.notify(notice);
    expect(signal.pending).toBe(1); // queued; notify did not wait for the hanging receiver
    await waitFor(() => signal.pending === 0, { what: 'the notice to be told' });

    expect(operator.received.map((n) => n.behaviour)).toEqual(['hang', 'status500', 'reset', 'success']);
    expect(new Set(operator.received.map((n) => n.headers['webhook-id'])).size).toBe(1);
    for (const sent of operator.received) expect(verified(sent)).toEqual(notice);
    expect(operator.received.every((n) => n.headers['x-payhook-signal'] === 'endpoint.recovered')).toBe(true);
    const tries = logs.lines().filter((l) => String(l.msg).startsWith('operator webhook'));
    expect(tries.map((l) => l.errorClass ?? 'none')).toEqual(['timeout', 'bad_status', 'reset', 'none']);
    expect(tries.at(-1)).toMatchObject({ msg: 'operator webhook told', host: 'shop.example:443', tryNo: 4 });
  });
});
