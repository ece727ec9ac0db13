// Backpressure and fairness: a slow host cannot take every slot, and a backlog of late
// retries cannot hold up a new event's first attempt.
import { afterEach, expect, it } from 'vitest';
import { waitFor } from '../../../test-support/wait.js';
import { ManualClock } from '../src/clock.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';
import { type Receiver, startReceiver } from './helpers/receiver.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function receiver(options?: Parameters<typeof startReceiver>[0]): Promise<Receiver> {
  const r = await startReceiver(options);
  cleanup.push(() => r.close());
  return r;
}

async function gateway(...args: Parameters<typeof startTestGateway>): Promise<TestGateway> {
  const gw = await startTestGateway(...args);
  cleanup.push(() => gw.close());
  return gw;
}

it('a host that hangs holds at most PAYHOOK_HOST_CONCURRENCY slots; other hosts are served meanwhile', async () => {
  const dead = await receiver();
  dead.script([], 'hang');
  const healthy = await receiver();
  const gw = await gateway({ PAYHOOK_CONCURRENCY: '8', PAYHOOK_HOST_CONCURRENCY: '2', PAYHOOK_ATTEMPT_TIMEOUT: '5' });

  const deadPayments = [];
  for (let i = 0; i < 10; i++) deadPayments.push(await gw.createPayment({ callbackUrl: dead.url }));
  for (const p of deadPayments) await gw.post('/v1/sandbox/transfers', { traceId: p.traceId });
  await waitFor(() => dead.received.length === 2 || undefined, { what: 'the dead host to hold its two slots' });

  const healthyPayments = [];
  for (let i = 0; i < 6; i++) healthyPayments.push(await gw.createPayment({ callbackUrl: healthy.url }));
  for (const p of healthyPayments) await gw.post('/v1/sandbox/transfers', { traceId: p.traceId });
  await waitFor(async () => (await gw.get('/admin/stats')).body.data.deliveries.delivered === 6 || undefined, {
    what: 'all six healthy callbacks to be recorded as delivered',
  });

  // Within the 5 s attempt timeout nothing to the dead host has ended, so it still has exactly 2.
  await waitFor(() => gw.gateway.dispatcher.inFlightCount === 2 || undefined, { what: 'only the dead host in flight' });
  expect(dead.received).toHaveLength(2);
});

it('claims first attempts before a backlog of late retries', async () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 24, 12));
  const failing = await receiver();
  failing.script([], 'status500');
  const gw = await gateway({ PAYHOOK_CONCURRENCY: '4' }, { clock }, { listen: false });
  const { dispatcher, store } = gw.gateway;

  // Twelve deliveries fail their first attempt; an hour later all twelve retries are long overdue.
  for (let i = 0; i < 12; i++) {
    const p = await gw.createPayment({ callbackUrl: failing.url });
    await gw.post('/v1/sandbox/transfers', { traceId: p.traceId });
  }
  expect(await dispatcher.runDue()).toBe(12);
  clock.advance(3_600_000);

  // A new event now: its first attempt is due later than every retry, yet it is claimed at once.
  const fresh = await gw.createPayment({ callbackUrl: failing.url });
  await gw.post('/v1/sandbox/transfers', { traceId: fresh.traceId });
  const claimed = await store.queue.claim({ now: clock.now(), limit: 4, leaseMs: 60_000, token: 'fairness' });
  expect(claimed).toHaveLength(4);
  expect(claimed.filter((d) => d.attempts === 0).map((d) => d.traceId)).toEqual([fresh.traceId]);
  // The rest of the batch is the oldest retries, in due order.
  const retries = claimed.filter((d) => d.attempts > 0);
  expect(retries).toHaveLength(3);
  expect(retries.map((d) => d.dueAt)).toEqual([...retries.map((d) => d.dueAt)].sort((a, b) => a - b));
});

it('never claims a leased delivery twice, and takes it back once the lease expires', async () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 24, 12));
  const r = await receiver();
  const gw = await gateway({}, { clock }, { listen: false });
  const p = await gw.createPayment({ callbackUrl: r.url });
  await gw.post('/v1/sandbox/transfers', { traceId: p.traceId });
  const { store } = gw.gateway;

  const first = await store.queue.claim({ now: clock.now(), limit: 10, leaseMs: 40_000, token: 'a' });
  expect(first).toHaveLength(1);
  expect(await store.queue.claim({ now: clock.now(), limit: 10, leaseMs: 40_000, token: 'b' })).toHaveLength(0);
  clock.advance(39_999);
  expect(await store.queue.claim({ now: clock.now(), limit: 10, leaseMs: 40_000, token: 'b' })).toHaveLength(0);
  clock.advance(1);
  const again = await store.queue.claim({ now: clock.now(), limit: 10, leaseMs: 40_000, token: 'c' });
  expect(again.map((d) => d.id)).toEqual(first.map((d) => d.id));

  // The first claimant's late result is refused: its lease (token a) is gone.
  const attempt = {
    deliveryId: first[0]!.id,
    attemptNo: 1,
    dueAt: first[0]!.dueAt,
    startedAt: clock.now(),
    endedAt: clock.now(),
    success: true,
    statusCode: 200,
    latencyMs: 1,
    errorClass: null,
    errorMessage: null,
    responseExcerpt: null,
    request: null,
  };
  const delivered = { state: 'delivered', nextAttemptAt: null } as const;
  expect(await store.queue.record([{ attempt, update: delivered, token: 'a' }], clock.now())).toEqual([false]);
  expect(await store.queue.record([{ attempt, update: delivered, token: 'c' }], clock.now())).toEqual([true]);
  expect(await store.admin.listAttempts(first[0]!.id)).toHaveLength(1);
});
