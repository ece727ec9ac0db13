// Callback delivery end to end: a real gateway, real SQLite, real HTTP receivers on loopback.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test-support/wait.js';
import { closeTestServers, startTestGateway, type TestGateway } from './helpers/gateway.js';
import { type Behaviour, type Receiver, refusedUrl, startReceiver } from './helpers/receiver.js';

let gw: TestGateway;
let receiver: Receiver;

beforeEach(async () => {
  receiver = await startReceiver({ hugeBytes: 128 * 1024 });
  gw = await startTestGateway({ PAYHOOK_ATTEMPT_TIMEOUT: '0.3', PAYHOOK_MAX_ANSWER_BYTES: '65536' });
});

afterEach(closeTestServers);

async function payInFull(traceId: string) {
  const res = await gw.post('/v1/sandbox/transfers', { traceId });
  expect(res.status).toBe(200);
  return res.body.data;
}

async function deliveriesOf(traceId: string) {
  const res = await gw.get(`/admin/payments/${traceId}`);
  return res.body.data.events.flatMap((e: any) => e.deliveries.map((d: any) => ({ ...d, event: e.type })));
}

async function settled(traceId: string, state: 'delivered' | 'exhausted') {
  return gw.afterAttempts(async () => {
    const ds = await deliveriesOf(traceId);
    return ds.length > 0 && ds.every((d: any) => d.state === state) ? ds : undefined;
  }, `deliveries of ${traceId} to be ${state}`);
}

describe('callback delivery', () => {
  it('POSTs exactly {orderId, traceId, payeeId} as JSON and stops at the first SUCCESS', async () => {
    const payment = await gw.createPayment({ callbackUrl: receiver.url, orderId: 'order-exact-1' });
    await payInFull(payment.traceId);
    const [delivery] = await settled(payment.traceId, 'delivered');
    expect(receiver.received).toHaveLength(1);
    const [callback] = receiver.received;
    expect(callback?.body).toBe(
      JSON.stringify({ orderId: 'order-exact-1', traceId: payment.traceId, payeeId: 'payee-1' }),
    );
    expect(callback?.headers['content-type']).toBe('application/json');
    expect(callback?.headers['x-payhook-event']).toBe('success');
    expect(callback?.headers['x-payhook-attempt']).toBe('1');
    expect(delivery.attempts).toBe(1);
    expect(delivery.attemptList[0]).toMatchObject({ success: true, statusCode: 200, errorClass: null });
  });

  const failures: [Behaviour, string][] = [
    ['status500', 'bad_status'],
    ['status201', 'bad_status'],
    ['redirect', 'bad_status'],
    ['lowercase_success', 'wrong_code'],
    ['wrong_code', 'wrong_code'],
    ['not_json', 'not_json'],
    ['hang', 'timeout'],
    ['reset', 'reset'],
    ['huge', 'too_large'],
  ];
  for (const [behaviour, errorClass] of failures) {
    it(`counts "${behaviour}" as a failure (${errorClass}) and retries until SUCCESS`, async () => {
      receiver.script([behaviour]);
      const payment = await gw.createPayment({ callbackUrl: receiver.url });
      await payInFull(payment.traceId);
      const [delivery] = await settled(payment.traceId, 'delivered');
      expect(delivery.attempts).toBe(2);
      expect(delivery.attemptList[0]).toMatchObject({ attemptNo: 1, success: false, errorClass });
      expect(delivery.attemptList[1]).toMatchObject({ attemptNo: 2, success: true });
      expect(receiver.received.map((r) => r.behaviour)).toEqual([behaviour, 'success']);
    });
  }

  it('counts a refused connection as a failure and exhausts after 10 attempts', async () => {
    const url = await refusedUrl();
    const payment = await gw.createPayment({ callbackUrl: url });
    await payInFull(payment.traceId);
    const [delivery] = await settled(payment.traceId, 'exhausted');
    expect(delivery.attempts).toBe(10);
    expect(delivery.nextAttemptAt).toBeNull();
    expect(delivery.attemptList.map((a: any) => a.errorClass)).toEqual(Array(10).fill('connect_refused'));
  });

  for (const k of [0, 1, 3, 9]) {
    it(`a receiver that fails ${k} times then answers SUCCESS gets exactly ${k + 1} attempts, spaced per the schedule`, async () => {
      receiver.script(Array(k).fill('status500'));
      const payment = await gw.createPayment({ callbackUrl: receiver.url });
      await payInFull(payment.traceId);
      const [delivery] = await settled(payment.traceId, 'delivered');
      expect(receiver.received).toHaveLength(k + 1);
      const attempts = delivery.attemptList;
      expect(attempts).toHaveLength(k + 1);
      for (let i = 1; i < attempts.length; i++) {
        // Attempt i+1 is due 50 ms (the compressed schedule) after attempt i ended, never earlier.
        expect(attempts[i].dueAt).toBe(attempts[i - 1].endedAt + 50);
        expect(attempts[i].startedAt).toBeGreaterThanOrEqual(attempts[i].dueAt);
      }
    });
  }

  it('exhausts after the 10th failure and keeps the delivery for redelivery by hand', async () => {
    receiver.script([], 'status500');
    const payment = await gw.createPayment({ callbackUrl: receiver.url });
    await payInFull(payment.traceId);
    const [exhausted] = await settled(payment.traceId, 'exhausted');
    expect(exhausted.attempts).toBe(10);
    expect(receiver.received).toHaveLength(10);

    receiver.script([], 'success');
    const redo = await gw.post(`/admin/deliveries/${exhausted.id}/redeliver`, {});
    expect(redo.status).toBe(200);
    expect(redo.body.data).toMatchObject({ redeliveryOf: exhausted.id, state: 'pending', attempts: 0 });
    await gw.afterAttempts(async () => {
      const { delivery } = (await gw.get(`/admin/deliveries/${redo.body.data.id}`)).body.data;
      return delivery.state === 'delivered' ? delivery : undefined;
    }, 'the redelivery to be delivered');
    expect(receiver.received).toHaveLength(11);
    expect(receiver.received[10]?.headers['x-payhook-event-id']).toBe(
      receiver.received[0]?.headers['x-payhook-event-id'],
    );
  });

  it('refuses to redeliver a delivery that is still being retried', async () => {
    receiver.script([], 'hang');
    const payment = await gw.createPayment({ callbackUrl: receiver.url });
    await payInFull(payment.traceId);
    const [pending] = await waitFor(async () => {
      const ds = await deliveriesOf(payment.traceId);
      return ds.length > 0 ? ds : undefined;
    });
    const res = await gw.post(`/admin/deliveries/${pending.id}/redeliver`, {});
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ success: false, code: 10011 });
  });
});

describe('event subscription', () => {
  it('delivers success and fail always, pending/paid_less/settle only when subscribed', async () => {
    const plain = await gw.createPayment({ callbackUrl: receiver.url });
    const subscribed = await gw.createPayment({ callbackUrl: receiver.url, callbackEvent: 'pending|settle' });
    for (const p of [plain, subscribed]) {
      // Too few confirmations first (pending), then enough (success), then settlement.
      const t = await gw.post('/v1/sandbox/transfers', { traceId: p.traceId, confirmations: 0 });
      expect(t.body.data.result.status).toBe('pending');
      await gw.post(`/v1/sandbox/transfers/${t.body.data.transfer.txid}/confirmations`, { confirmations: 1 });
      await waitFor(
        async () => (await gw.get(`/v1/payments_result?traceId=${p.traceId}`)).body.data.settleStatus === 'success',
        {
          what: 'settlement',
        },
      );
    }
    const eventsFor = async (traceId: string) => {
      const detail = (await gw.get(`/admin/payments/${traceId}`)).body.data;
      return {
        raised: detail.events.map((e: any) => e.type),
        delivered: detail.events.filter((e: any) => e.deliveries.length > 0).map((e: any) => e.type),
      };
    };
    expect(await eventsFor(plain.traceId)).toEqual({
      raised: ['pending', 'success', 'settle'],
      delivered: ['success'],
    });
    expect(await eventsFor(subscribed.traceId)).toEqual({
      raised: ['pending', 'success', 'settle'],
      delivered: ['pending', 'success', 'settle'],
    });
    await waitFor(() => receiver.received.length === 4 || undefined, { what: '4 callbacks' });
    expect(receiver.received.map((r) => r.headers['x-payhook-event']).sort()).toEqual(
      ['pending', 'settle', 'success', 'success'].sort(),
    );
  });

  it('creates no delivery for a payment without callbackUrl', async () => {
    const payment = await gw.createPayment();
    await payInFull(payment.traceId);
    const detail = (await gw.get(`/admin/payments/${payment.traceId}`)).body.data;
    expect(detail.events.map((e: any) => e.type)).toEqual(['success']);
    expect(detail.events[0].deliveries).toEqual([]);
  });
});

describe('schedule accuracy', () => {
  it('exports the lateness of attempts against their due time in /admin/stats', async () => {
    const empty = (await gw.get('/admin/stats')).body.data.lateness;
    expect(empty).toEqual({ samples: 0, p50: null, p99: null, max: null });

    receiver.script(['status500']);
    const payment = await gw.createPayment({ callbackUrl: receiver.url });
    await payInFull(payment.traceId);
    const [delivery] = await settled(payment.traceId, 'delivered');
    const lateness = delivery.attemptList.map((a: any) => a.startedAt - a.dueAt).sort((a: number, b: number) => a - b);

    const stats = (await gw.get('/admin/stats')).body.data;
    expect(stats.deliveries).toEqual({ pending: 0, delivered: 1, exhausted: 0 });
    expect(stats.lateness.samples).toBe(2);
    expect(stats.lateness.max).toBe(lateness[1]);
    expect(stats.lateness.p50).toBe(lateness[1]);
    expect(stats.lateness.p50).toBeGreaterThanOrEqual(0);
  });
});
