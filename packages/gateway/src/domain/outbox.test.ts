// The outbox: what a transition writes besides the payment, in the same transaction.
import type { CallbackEventName, OptionalEventName } from '@payhook/protocol';
import { describe, expect, it } from 'vitest';
import { storedPayment } from '../../test/helpers/payments.js';
import type { Delivery, Payment, StateWrites } from '../interfaces.js';
import type { Transition } from './lifecycle.js';
import { type OutboxContext, outbox, redelivery } from './outbox.js';

const NOW = Date.UTC(2026, 0, 1, 12);
const TRACE_ID = '0b1f3a2e-6c2d-4a59-9a51-7f0c1e2d3b4a';

const payment: Payment = storedPayment(NOW - 60_000, {
  traceId: TRACE_ID,
  status: 'success',
  paidAmount: '10',
  settleStatus: 'pending',
  settleDueAt: NOW + 5000,
  updatedAt: NOW,
  completedAt: NOW,
});

const writes: StateWrites = { payment: true, addedTransfers: [], confirmedTransfers: [] };

/** Ids in creation order, so the test can say which row got which. */
function context(schedule: readonly number[] = [0, 15_000]): OutboxContext {
  let n = 0;
  return { now: NOW, schedule, newId: () => `id-${++n}` };
}

function changeOf(events: CallbackEventName[], overrides: Partial<Payment> = {}, ctx = context()) {
  const transition: Transition = { next: { payment: { ...payment, ...overrides }, transfers: [] }, writes, events };
  return outbox(transition, ctx);
}

describe('outbox', () => {
  it('passes the next state through untouched', () => {
    const transition: Transition = { next: { payment, transfers: [] }, writes, events: ['success'] };
    expect(outbox(transition, context()).next).toBe(transition.next);
    expect(outbox(transition, context()).writes).toBe(transition.writes);
  });

  it('turns every event into a row, subscribed or not', () => {
    const { events } = changeOf(['success', 'settle']);
    expect(events).toEqual([
      { id: 'id-1', traceId: TRACE_ID, type: 'success', status: 'success', createdAt: NOW },
      { id: 'id-2', traceId: TRACE_ID, type: 'settle', status: 'success', createdAt: NOW },
    ]);
  });

  it('writes nothing when no event was raised', () => {
    expect(changeOf([])).toMatchObject({ events: [], deliveries: [] });
  });

  it('always delivers success and fail', () => {
    expect(changeOf(['success']).deliveries.map((d) => d.eventType)).toEqual(['success']);
    expect(changeOf(['fail'], { status: 'failed' }).deliveries.map((d) => d.eventType)).toEqual(['fail']);
  });

  it.each(['pending', 'paid_less', 'settle'] as const)('delivers %s only when subscribed', (event) => {
    expect(changeOf([event]).deliveries).toEqual([]);
    const others = (['pending', 'paid_less', 'settle'] as OptionalEventName[]).filter((e) => e !== event);
    expect(changeOf([event], { callbackEvents: others }).deliveries).toEqual([]);
    expect(changeOf([event], { callbackEvents: [event] }).deliveries.map((d) => d.eventType)).toEqual([event]);
  });

  it('stores events but creates no delivery without a callbackUrl', () => {
    const change = changeOf(['success', 'settle'], { callbackUrl: null, callbackEvents: ['settle'] });
    expect(change.events).toHaveLength(2);
    expect(change.deliveries).toEqual([]);
  });

  it('links each delivery to its event and fills it in full', () => {
    const { events, deliveries } = changeOf(['success', 'settle'], { callbackEvents: ['settle'] });
    expect(deliveries).toHaveLength(2);
    expect(deliveries.map((d) => d.eventId)).toEqual(events.map((e) => e.id));
    expect(deliveries[0]).toEqual({
      id: 'id-3',
      eventId: 'id-1',
      traceId: TRACE_ID,
      eventType: 'success',
      url: 'https://shop.example/callback',
      body: `{"orderId":"order-0001","traceId":"${TRACE_ID}","payeeId":"payee-1"}`,
      state: 'pending',
      attempts: 0,
      nextAttemptAt: NOW,
      lockedUntil: null,
      redeliveryOf: null,
      createdAt: NOW,
      updatedAt: NOW,
    });
  });

  it('puts exactly orderId, traceId and payeeId in the body, nothing about status or amount', () => {
    const [delivery] = changeOf(['success']).deliveries;
    const body = JSON.parse(delivery?.body ?? '');
    expect(Object.keys(body)).toEqual(['orderId', 'traceId', 'payeeId']);
    expect(body).toEqual({ orderId: 'order-0001', traceId: TRACE_ID, payeeId: 'payee-1' });
  });

  it("sends orderId '' for a payment created with a traceId only", () => {
    const [delivery] = changeOf(['success'], { orderId: null }).deliveries;
    expect(JSON.parse(delivery?.body ?? '')).toEqual({ orderId: '', traceId: TRACE_ID, payeeId: 'payee-1' });
  });

  it('makes the first attempt due at now + schedule[0]', () => {
    expect(changeOf(['success']).deliveries[0]?.nextAttemptAt).toBe(NOW);
    const delayed = changeOf(['success'], {}, context([2_500, 15_000]));
    expect(delayed.deliveries[0]?.nextAttemptAt).toBe(NOW + 2_500);
  });

  it('records the status of the payment as of the event', () => {
    expect(changeOf(['fail'], { status: 'failed' }).events[0]?.status).toBe('failed');
  });
});

describe('redelivery (by hand)', () => {
  const [original] = changeOf(['success'], {}, context([60_000])).deliveries;
  const exhausted = { ...(original as Delivery), state: 'exhausted' as const, attempts: 10, nextAttemptAt: null };
  const later = { ...context([60_000]), now: NOW + 5_000, newId: () => 'redo-1' };

  it('is the same event and body, due at once whatever the schedule, and points to the original', () => {
    const delivery = redelivery(exhausted, later);
    expect(delivery).toEqual({
      ...exhausted,
      id: 'redo-1',
      state: 'pending',
      attempts: 0,
      nextAttemptAt: NOW + 5_000,
      redeliveryOf: exhausted.id,
      createdAt: NOW + 5_000,
      updatedAt: NOW + 5_000,
    });
  });

  it('may target another URL', () => {
    expect(redelivery(exhausted, later, 'https://other.example/cb').url).toBe('https://other.example/cb');
  });
});
