// GET /metrics on a real gateway: attempts, exhaustion, lateness and the queue as a hand-moved
// clock walks deliveries through their schedule; requests by route template; the admin guard.
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import { call } from './helpers/api.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';
import { parseExposition, type Sample, sampleValue } from './helpers/metrics.js';
import { type Receiver, startReceiver } from './helpers/receiver.js';

const TOKEN = 'metrics-admin-token-0123456789';
const open: { close(): Promise<void> }[] = [];

afterEach(async () => {
  for (const thing of open.splice(0).reverse()) await thing.close();
});

async function gateway(...args: Parameters<typeof startTestGateway>) {
  const gw = await startTestGateway(...args);
  open.push(gw);
  return gw;
}

async function receiver() {
  const r = await startReceiver();
  open.push(r);
  return r;
}

async function scrape(gw: TestGateway, token?: string): Promise<Sample[]> {
  const res = await call(gw, 'GET', '/metrics', token === undefined ? {} : { token });
  expect(res.status, res.raw).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseExposition(res.raw);
}

/** payhook_delivery_queue_depth by state. */
function queueDepths(samples: Sample[]) {
  const depth = (state: string) => sampleValue(samples, 'payhook_delivery_queue_depth', { state });
  return { due: depth('due'), retrying: depth('retrying'), exhausted: depth('exhausted') };
}

/** payhook_delivery_lateness_seconds' count and sum: the attempts timed, and how many seconds late they started in all. */
function lateness(samples: Sample[]) {
  return {
    count: sampleValue(samples, 'payhook_delivery_lateness_seconds_count'),
    sum: sampleValue(samples, 'payhook_delivery_lateness_seconds_sum'),
  };
}

describe('delivery metrics', () => {
  it('count attempts, exhaustion, lateness and the queue as deliveries move', async () => {
    const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));
    // No background loops: runDue() makes the attempts that are due at the clock's time.
    const gw = await gateway({ PAYHOOK_RETRY_SCHEDULE: '0,10,10' }, { clock }, { listen: false });
    const failing: Receiver = await receiver();
    failing.script([], 'status500');
    const ok = await receiver();
    const a = await gw.createPayment({ callbackUrl: failing.url });
    const b = await gw.createPayment({ callbackUrl: ok.url });
    await gw.post('/v1/sandbox/transfers', { traceId: a.traceId });
    await gw.post('/v1/sandbox/transfers', { traceId: b.traceId });

    let samples = await scrape(gw);
    expect(queueDepths(samples)).toEqual({ due: 2, retrying: 0, exhausted: 0 });
    expect(sampleValue(samples, 'payhook_store_up')).toBe(1);

    // Both first attempts start 3 s after they were due.
    clock.advance(3_000);
    expect(await gw.gateway.dispatcher.runDue()).toBe(2);
    samples = await scrape(gw);
    expect(queueDepths(samples)).toMatchObject({ due: 0, retrying: 1 });
    expect(lateness(samples)).toEqual({ count: 2, sum: 6 });
    expect(sampleValue(samples, 'payhook_delivery_lateness_seconds_bucket', { le: '2' })).toBe(0);
    expect(sampleValue(samples, 'payhook_delivery_lateness_seconds_bucket', { le: '5' })).toBe(2);

    // Attempts 2 and 3 of the failing delivery, each exactly when due; then it is exhausted.
    for (let i = 0; i < 2; i++) {
      clock.advance(10_000);
      expect(await gw.gateway.dispatcher.runDue()).toBe(1);
    }
    samples = await scrape(gw);
    const attempts = (labels: Record<string, string>) =>
      sampleValue(samples, 'payhook_delivery_attempts_total', labels);
    expect(attempts({ outcome: 'failure', error_class: 'bad_status' })).toBe(3);
    expect(attempts({ outcome: 'success', error_class: 'none' })).toBe(1);
    expect(sampleValue(samples, 'payhook_deliveries_exhausted_total', { event: 'success' })).toBe(1);
    expect(sampleValue(samples, 'payhook_delivery_attempt_duration_seconds_count', { outcome: 'failure' })).toBe(3);
    expect(sampleValue(samples, 'payhook_delivery_attempt_duration_seconds_count', { outcome: 'success' })).toBe(1);
    expect(lateness(samples)).toEqual({ count: 4, sum: 6 });
    expect(queueDepths(samples)).toMatchObject({ retrying: 0, exhausted: 1 });
    expect(failing.received).toHaveLength(3);

    // Redelivering by hand takes it out of the exhausted count and makes it due again.
    const [delivery] = (await gw.get(`/admin/deliveries?traceId=${a.traceId}&state=exhausted`)).body.data;
    expect((await gw.post(`/admin/deliveries/${delivery.id}/redeliver`, {})).status).toBe(200);
    samples = await scrape(gw);
    expect(queueDepths(samples)).toMatchObject({ due: 1 });
  });

  it('still answer when the database does not, saying so', async () => {
    const gw = await gateway({}, {}, { listen: false });
    gw.gateway.store.admin.queueDepth = async () => {
      throw new Error('connection terminated');
    };
    const samples = await scrape(gw);
    expect(sampleValue(samples, 'payhook_store_up')).toBe(0);
    expect(samples.filter((s) => s.name === 'payhook_delivery_queue_depth')).toEqual([]);
  });
});

describe('request metrics', () => {
  it('time answers by route template and status code, never by raw URL', async () => {
    const gw = await gateway({}, {}, { listen: false });
    const payment = await gw.createPayment();
    const missing = randomUUID();
    expect((await gw.get(`/admin/payments/${payment.traceId}`)).status).toBe(200);
    expect((await gw.get(`/admin/payments/${missing}`)).status).toBe(404);
    expect((await gw.get(`/no/such/${missing}`)).status).toBe(404);
    expect((await gw.post('/v1/payments', { payeeId: 'x' })).status).toBe(400);

    const res = await call(gw, 'GET', '/metrics');
    expect(res.raw).not.toContain(payment.traceId);
    expect(res.raw).not.toContain(missing);
    const samples = parseExposition(res.raw);
    const count = (route: string, status: string, method = 'GET') =>
      sampleValue(samples, 'payhook_http_request_duration_seconds_count', { method, route, status_code: status });
    expect(count('/admin/payments/:traceId', '200')).toBe(1);
    expect(count('/admin/payments/:traceId', '404')).toBe(1);
    expect(count('(unmatched)', '404')).toBe(1);
    expect(count('/v1/payments', '200', 'POST')).toBe(1);
    expect(count('/v1/payments', '400', 'POST')).toBe(1);
  });

  it('keep two gateways in one process apart', async () => {
    const one = await gateway({}, {}, { listen: false });
    const two = await gateway({}, {}, { listen: false });
    await one.createPayment();
    await one.createPayment();
    await two.createPayment();
    const created = (samples: Sample[]) =>
      sampleValue(samples, 'payhook_http_request_duration_seconds_count', {
        method: 'POST',
        route: '/v1/payments',
        status_code: '200',
      });
    expect(created(await scrape(one))).toBe(2);
    expect(created(await scrape(two))).toBe(1);
  });
});

describe('GET /metrics access', () => {
  it('needs the admin token in production, like the admin API', async () => {
    const gw = await gateway({ PAYHOOK_MODE: 'production', PAYHOOK_ADMIN_TOKEN: TOKEN }, {}, { listen: false });
    const anonymous = await call(gw, 'GET', '/metrics');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({ success: false, code: 2000, data: [] });
    expect((await call(gw, 'GET', '/metrics', { token: 'wrong-token-0123456789' })).status).toBe(401);
    const samples = await scrape(gw, TOKEN);
    expect(sampleValue(samples, 'payhook_store_up')).toBe(1);
  });
});
