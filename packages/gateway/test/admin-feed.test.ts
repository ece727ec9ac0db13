// The admin endpoints the dashboard and the CLI build on: the attempt feed (a live tail),
// outcomes over time, and "redeliver everything that gave up on this URL".
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { ManualClock } from '../src/clock.js';
import { closeTestServers, startClockedGateway, type TestGateway } from './helpers/gateway.js';
import type { Receiver } from './helpers/receiver.js';

let clock: ManualClock;
let gw: TestGateway;
let receiver: Receiver;

beforeEach(async () => {
  ({ clock, receiver, gw } = await startClockedGateway('0,60'));
});

afterEach(closeTestServers);

async function paidPayment(): Promise<string> {
  const p = await gw.createPayment({ callbackUrl: receiver.url });
  await gw.post('/v1/sandbox/transfers', { traceId: p.traceId });
  return p.traceId;
}

it('feeds attempts in the order they ended, resuming after a cursor', async () => {
  receiver.script([], 'status500');
  const traces = [await paidPayment(), await paidPayment(), await paidPayment()];
  await gw.gateway.dispatcher.runDue();

  const first = (await gw.get('/admin/attempts?limit=2')).body.data;
  // Without a cursor: the latest two, oldest first.
  expect(first.attempts).toHaveLength(2);
  expect(first.attempts.every((a: any) => a.attemptNo === 1 && a.success === false && a.url === receiver.url)).toBe(
    true,
  );

  const all = (await gw.get('/admin/attempts?limit=50')).body.data;
  expect(all.attempts.map((a: any) => a.traceId).sort()).toEqual([...traces].sort());
  const cursor = all.next;
  expect(cursor).toMatch(/^\d+:[^:]+:1$/);

  // Nothing new yet: the same cursor comes back, so a tail can keep polling with it.
  const idle = (await gw.get(`/admin/attempts?after=${cursor}`)).body.data;
  expect(idle).toEqual({ attempts: [], next: cursor });

  clock.advance(60_000);
  receiver.script([], 'success');
  await gw.gateway.dispatcher.runDue();
  const later = (await gw.get(`/admin/attempts?after=${cursor}`)).body.data;
  expect(later.attempts).toHaveLength(3);
  expect(later.attempts.every((a: any) => a.attemptNo === 2 && a.success === true && a.eventType === 'success')).toBe(
    true,
  );
});

it('counts delivered and failed attempts per time bucket', async () => {
  receiver.script(['status500', 'success']);
  await paidPayment();
  await paidPayment();
  await gw.gateway.dispatcher.runDue();
  clock.advance(60_000);
  await gw.gateway.dispatcher.runDue();

  const { buckets, bucketMs } = (await gw.get('/admin/stats/timeline?minutes=10&bucketSeconds=60')).body.data;
  expect(bucketMs).toBe(60_000);
  expect(buckets).toEqual([
    { at: Date.UTC(2026, 10, 24, 12), delivered: 1, failed: 1 },
    { at: Date.UTC(2026, 10, 24, 12, 1), delivered: 1, failed: 0 },
  ]);
});

it('redelivers every exhausted delivery to a URL once, however often the button is pressed', async () => {
  receiver.script([], 'status500');
  await paidPayment();
  await paidPayment();
  await gw.gateway.dispatcher.runDue();
  clock.advance(60_000);
  await gw.gateway.dispatcher.runDue();
  expect((await gw.get('/admin/stats')).body.data.deliveries).toMatchObject({ exhausted: 2 });

  receiver.script([], 'success');
  const redo = await gw.post('/admin/deliveries/redeliver-exhausted', { url: receiver.url });
  expect(redo.body.data.count).toBe(2);
  const again = await gw.post('/admin/deliveries/redeliver-exhausted', { url: receiver.url });
  expect(again.body.data.count).toBe(0);
  await gw.gateway.dispatcher.runDue();
  expect((await gw.get('/admin/stats')).body.data.deliveries).toEqual({ pending: 0, delivered: 2, exhausted: 2 });

  const other = await gw.post('/admin/deliveries/redeliver-exhausted', { url: 'http://127.0.0.1:1/elsewhere' });
  expect(other.body.data.count).toBe(0);
  const bad = await gw.post('/admin/deliveries/redeliver-exhausted', {});
  expect(bad.status).toBe(400);
});
