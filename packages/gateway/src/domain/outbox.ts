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
    .map((e) => newDelivery(payment, e, ctx, null));
  return { next: transition.next, writes: transition.writes, events, deliveries };
}

export function newDelivery(
  payment: Payment,
  event: PaymentEvent,
  ctx: OutboxContext,
  redeliveryOf: string | null,
  url = payment.callbackUrl ?? '',
): Delivery {
  return {
    id: ctx.newId(),
    eventId: event.id,
    traceId: payment.traceId,
    eventType: event.type,
    url,
    // orderId is "" for a payment created with a traceId only: the body keeps its three keys.
    body: serializeCallbackBody({ orderId: payment.orderId ?? '', traceId: payment.traceId, payeeId: payment.payeeId }),
    state: 'pending',
    attempts: 0,
    nextAttemptAt: ctx.now + (redeliveryOf === null ? firstAttemptDelay(ctx.schedule) : 0),
    lockedUntil: null,
    redeliveryOf,
    createdAt: ctx.now,
    updatedAt: ctx.now,
  };
}
