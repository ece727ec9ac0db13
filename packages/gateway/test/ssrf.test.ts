// The SSRF guard in production mode, end to end: refused at creation, refused again at
// connect time when a name turns out to point inside, and the socket pinned to the checked address.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UndiciSender } from '../src/delivery/sender.js';
import { AddressPolicy, type Resolver } from '../src/delivery/ssrf.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';
import { type Receiver, startReceiver } from './helpers/receiver.js';

const TOKEN = 'a-production-admin-token';
let receiver: Receiver;

beforeEach(async () => {
  receiver = await startReceiver();
});
afterEach(async () => {
  await receiver.close();
});

/** A resolver where `*.rebind.test` is 127.0.0.1 and `public.test` is a documentation address. */
const resolver: Resolver = async (host) =>
  host.endsWith('.rebind.test')
    ? [{ address: '127.0.0.1', family: 4 }]
    : host === 'public.test'
      ? [{ address: '93.184.216.34', family: 4 }]
      : [];

describe('at creation, in production mode', () => {
  let gw: TestGateway;
  beforeEach(async () => {
    gw = await startTestGateway({ PAYHOOK_MODE: 'production', PAYHOOK_ADMIN_TOKEN: TOKEN }, { resolver });
  });
  afterEach(() => gw.close());

  const refused = [
    'https://127.0.0.1/cb',
    'https://10.1.2.3/cb',
    'https://169.254.169.254/latest/meta-data',
    'https://100.64.1.1/cb',
    'https://[::1]/cb',
    'https://[fd00::1]/cb',
    'https://[::ffff:127.0.0.1]/cb',
    'https://[64:ff9b::7f00:1]/cb',
    'https://[2002:7f00:1::]/cb',
    'https://[::127.0.0.1]/cb', // IPv4-compatible, deprecated: the URL parser makes it [::7f00:1]
    'https://[::7f00:1]/cb',
    'https://[::a9fe:a9fe]/latest/meta-data',
    'https://[fec0::1]/cb',
    'https://[2001:10::1]/cb',
    'https://2130706433/cb', // 127.0.0.1 spelled as a number: the URL parser normalises it first
    'https://0x7f.1/cb',
    'https://localhost/cb',
    'https://intranet/cb',
    'https://user:pass@public.test/cb',
    'http://public.test/cb',
    'ftp://public.test/cb',
  ];
  for (const callbackUrl of refused) {
    it(`refuses ${callbackUrl}`, async () => {
      const res = await gw.post('/v1/payments', {
        payeeId: 'payee-ssrf',
        orderId: 'ssrf-order-1',
        quoteAmount: '10',
        quoteAssetId: 'usd',
        paymentAssetId: '4d8c508b-91c5-375b-92b0-ee702ed2dac5',
        settlementAssetId: '4d8c508b-91c5-375b-92b0-ee702ed2dac5',
        callbackUrl,
      });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ success: false, code: 10011 });
      expect(res.body.message).toMatch(/^callbackUrl: /);
    });
  }

  it('accepts a public name; its addresses are checked when the callback is sent', async () => {
    const payment = await gw.createPayment({ callbackUrl: 'https://shop.rebind.test/cb' });
    expect(payment.traceId).toBeTruthy();
  });
});

describe('at connect time', () => {
  const sender = (policy: AddressPolicy) =>
    new UndiciSender({ timeoutMs: 2_000, maxAnswerBytes: 65_536, guard: { policy, resolver } });
  const port = () => new URL(receiver.url).port;

  it('refuses a name that resolves to loopback, before any connection is made', async () => {
    const s = sender(new AddressPolicy());
    const result = await s.send({ url: `http://evil.rebind.test:${port()}/callback`, body: '{}', headers: {} });
    await s.close();
    expect(result).toMatchObject({ success: false, errorClass: 'blocked' });
    expect(result.errorMessage).toMatch(/evil\.rebind\.test \(127\.0\.0\.1\): loopback/);
    expect(receiver.received).toHaveLength(0);
  });

  it('refuses an IP literal that is not public, which no lookup would see', async () => {
    const s = sender(new AddressPolicy());
    const result = await s.send({ url: receiver.url, body: '{}', headers: {} });
    await s.close();
    expect(result).toMatchObject({ success: false, errorClass: 'blocked' });
    expect(receiver.received).toHaveLength(0);
  });

  it('refuses the IPv4-compatible literal of loopback, as a literal and behind a name', async () => {
    const s = new UndiciSender({
      timeoutMs: 2_000,
      maxAnswerBytes: 65_536,
      guard: {
        policy: new AddressPolicy(),
        resolver: async (host) => (host === 'compat.test' ? [{ address: '::7f00:1', family: 6 }] : []),
      },
    });
    const literal = await s.send({ url: `http://[::127.0.0.1]:${port()}/callback`, body: '{}', headers: {} });
    const named = await s.send({ url: `http://compat.test:${port()}/callback`, body: '{}', headers: {} });
    await s.close();
    expect(literal).toMatchObject({ success: false, errorClass: 'blocked' });
    expect(literal.errorMessage).toMatch(/::7f00:1.*deprecated IPv4-compatible address \(127\.0\.0\.1\)/);
    expect(named).toMatchObject({ success: false, errorClass: 'blocked' });
    expect(named.errorMessage).toMatch(/compat\.test \(::7f00:1\): deprecated IPv4-compatible/);
    expect(receiver.received).toHaveLength(0);
  });

  it("connects to the checked address itself: an allow-listed subnet reaches a name real DNS doesn't know", async () => {
    const s = sender(new AddressPolicy(['127.0.0.0/8']));
    const result = await s.send({ url: `http://shop.rebind.test:${port()}/callback`, body: '{}', headers: {} });
    await s.close();
    expect(result).toMatchObject({ success: true, statusCode: 200 });
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]?.headers.host).toBe(`shop.rebind.test:${port()}`);
  });

  it('records a blocked attempt and retries it on the schedule like any failure', async () => {
    // No background loops: the test runs the dispatcher itself. The retry is a minute away, so a
    // slow machine cannot make it due before the test looks (runDue runs whatever is due).
    const gw = await startTestGateway(
      {
        PAYHOOK_MODE: 'production',
        PAYHOOK_ADMIN_TOKEN: TOKEN,
        PAYHOOK_RETRY_SCHEDULE: '0,60,60,60,60,60,60,60,60,60',
      },
      { resolver },
      { listen: false },
    );
    try {
      const payment = await gw.createPayment({ callbackUrl: `https://evil.rebind.test:${port()}/cb` });
      // Production has no sandbox routes; the ingestion path is the same service a chain watcher calls.
      const detail = await gw.gateway.payments.receiveTransfer({ traceId: payment.traceId });
      expect(detail.state.payment.status).toBe('success');
      await gw.gateway.dispatcher.runDue();
      const [delivery] = await gw.gateway.store.admin.listDeliveries({ traceId: payment.traceId, limit: 5 });
      const attempts = await gw.gateway.store.admin.listAttempts(delivery!.id);
      expect(attempts[0]).toMatchObject({ success: false, errorClass: 'blocked' });
      expect(delivery).toMatchObject({ state: 'pending', attempts: 1, nextAttemptAt: attempts[0]!.endedAt + 60_000 });
      expect(receiver.received).toHaveLength(0);
    } finally {
      await gw.close();
    }
  });
});
