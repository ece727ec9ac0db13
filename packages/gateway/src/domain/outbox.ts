// What a transition writes besides the payment: its events, and a delivery for each event
// the payment subscribed to. Pure; the store writes it in the same transaction.
import { firstAttemptDelay, isSubscribed, type RetrySchedule, serializeCallbackBody } from '@payhook/protocol';
import type { Delivery, Payment, PaymentChange, PaymentEvent } from '../interfaces.js';
import type { Transition } from './lifecycle.js';

export interface OutboxContext {
  now: number;
  schedule: RetrySchedule;
  newId: () => string;
}

export function outbox(transition: Transition, ctx: OutboxContext): PaymentChange {
  const { payment } = transition.next;
  const events: PaymentEvent[] = transition.events.map((type) => ({
    id: ctx.newId(),
    traceId: payment.traceId,
    type,
    status: payment.status,
    createdAt: ctx.now,
  }));
  const deliveries = events
    .filter((e) => payment.callbackUrl !== null && isSubscribed(e.type, payment.callbackEvents))
    .map((e) => newDelivery(payment, e, ctx));
  return { next: transition.next, writes: transition.writes, events, deliveries };
}

/** The delivery of a new event to the payment's callbackUrl, its first attempt due as the schedule says. */
export function newDelivery(payment: Payment, event: PaymentEvent, ctx: OutboxContext): Delivery {
  return {
    id: ctx.newId(),
    eventId: event.id,
    traceId: payment.traceId,
    eventType: event.type,
    url: payment.callbackUrl ?? '',
    // orderId is "" for a payment created with a traceId only: the body keeps its three keys.
    body: serializeCallbackBody({ orderId: payment.orderId ?? '', traceId: payment.traceId, payeeId: payment.payeeId }),
    state: 'pending',
    attempts: 0,
    nextAttemptAt: ctx.now + firstAttemptDelay(ctx.schedule),
    lockedUntil: null,
    redeliveryOf: null,
    createdAt: ctx.now,
    updatedAt: ctx.now,
  };
}

/**
 * A redelivery by hand of `original`: the same event and body (so the same idempotency key), to
 * `url` (its own unless a new one is given), due at once on a fresh schedule, pointing back at
 * the delivery it redelivers, whose history stays as it was.
 */
export function redelivery(original: Delivery, ctx: OutboxContext, url = original.url): Delivery {
  return {
    id: ctx.newId(),
    eventId: original.eventId,
    traceId: original.traceId,
    eventType: original.eventType,
    url,
    body: original.body,
    state: 'pending',
    attempts: 0,
    nextAttemptAt: ctx.now,
    lockedUntil: null,
    redeliveryOf: original.id,
    createdAt: ctx.now,
    updatedAt: ctx.now,
  };
}
