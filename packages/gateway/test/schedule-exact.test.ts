// MixPay's real schedule, uncompressed: a hand-moved clock walks a delivery through all
// 10 attempts and shows each one happens exactly when due, never a millisecond early.
import { DEFAULT_RETRY_SCHEDULE_SECONDS } from '@payhook/protocol';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { ManualClock } from '../src/clock.js';
import { closeTestServers, startClockedGateway, type TestGateway } from './helpers/gateway.js';
import type { Receiver } from './helpers/receiver.js';

let clock: ManualClock;
let gw: TestGateway;
let receiver: Receiver;

beforeEach(async () => {
  // No PAYHOOK_RETRY_SCHEDULE override beyond the default itself, and no background loops:
  // the test drives the dispatcher with runDue() as it moves the clock.
  ({ clock, receiver, gw } = await startClockedGateway(DEFAULT_RETRY_SCHEDULE_SECONDS.join(',')));
});

afterEach(closeTestServers);

it('follows 0/15/15/30/180/1800/1800/1800/1800/3600 s exactly, then exhausts', async () => {
  receiver.script([], 'status500');
  const payment = await gw.createPayment({ callbackUrl: receiver.url });
  const eventAt = clock.now();
  await gw.post('/v1/sandbox/transfers', { traceId: payment.traceId });
  const { dispatcher } = gw.gateway;

  const attemptTimes: number[] = [];
  for (const [index, seconds] of DEFAULT_RETRY_SCHEDULE_SECONDS.entries()) {
    if (seconds > 0) {
      clock.advance(seconds * 1000 - 1);
      expect(await dispatcher.runDue(), `attempt ${index + 1} must not run 1 ms early`).toBe(0);
      clock.advance(1);
    }
    expect(await dispatcher.runDue(), `attempt ${index + 1} runs when due`).toBe(1);
    attemptTimes.push(clock.now());
  }
  clock.advance(24 * 3600 * 1000);
  expect(await dispatcher.runDue(), 'no 11th attempt').toBe(0);

  expect(receiver.received).toHaveLength(10);
  expect(attemptTimes[0]).toBe(eventAt);
  // The last attempt comes 11,040 s (3 h 04 min) after the first.
  expect((attemptTimes[9] as number) - (attemptTimes[0] as number)).toBe(11_040_000);

  const [delivery] = (await gw.get(`/admin/deliveries?traceId=${payment.traceId}`)).body.data;
  expect(delivery).toMatchObject({ state: 'exhausted', attempts: 10, nextAttemptAt: null });
  const { attempts } = (await gw.get(`/admin/deliveries/${delivery.id}`)).body.data;
  expect(attempts.map((a: { dueAt: number }) => a.dueAt)).toEqual(attemptTimes);
});

it('a success ends the schedule: no attempt after the one the receiver accepted', async () => {
  receiver.script(['status500', 'status500'], 'success');
  const payment = await gw.createPayment({ callbackUrl: receiver.url });
  await gw.post('/v1/sandbox/transfers', { traceId: payment.traceId });
  const { dispatcher } = gw.gateway;
  expect(await dispatcher.runDue()).toBe(1);
  clock.advance(15_000);
  expect(await dispatcher.runDue()).toBe(1);
  clock.advance(15_000);
  expect(await dispatcher.runDue()).toBe(1);
  clock.advance(10 * 3600 * 1000);
  expect(await dispatcher.runDue()).toBe(0);
  expect(receiver.received.map((r) => r.behaviour)).toEqual(['status500', 'status500', 'success']);
});

it('deliveries of different events run independent schedules', async () => {
  receiver.script([], 'status500');
  const payment = await gw.createPayment({ callbackUrl: receiver.url, callbackEvent: 'pending' });
  const t = await gw.post('/v1/sandbox/transfers', { traceId: payment.traceId, confirmations: 0 });
  const { dispatcher } = gw.gateway;
  expect(await dispatcher.runDue()).toBe(1); // pending, attempt 1
  clock.advance(10_000);
  await gw.post(`/v1/sandbox/transfers/${t.body.data.transfer.txid}/confirmations`, { confirmations: 1 });
  expect(await dispatcher.runDue()).toBe(1); // success, attempt 1, while pending waits
  clock.advance(5_000);
  expect(await dispatcher.runDue()).toBe(1); // pending, attempt 2 (15 s after its first)
  clock.advance(10_000);
  expect(await dispatcher.runDue()).toBe(1); // success, attempt 2 (15 s after its first)
  expect(receiver.received.map((r) => `${r.headers['x-payhook-event']}#${r.headers['x-payhook-attempt']}`)).toEqual([
    'pending#1',
    'success#1',
    'pending#2',
    'success#2',
  ]);
});
