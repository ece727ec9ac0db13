// Core types of the gateway, and the words the code and the docs use for them.
//
// Glossary
// - payee:    the account that receives the money (MixPay's `payeeId`); a merchant has one or more.
// - order:    the merchant's own record of a sale, named by `orderId`, unique per payee.
// - payment:  what the gateway tracks for one order: what is owed, what was paid, its status.
// - transfer: money arriving for a payment (from the sandbox here, from a chain watcher in
//             production), with its confirmations.
// - phase:    where a payment stands, finer than its wire status (lifecycle.ts's Phase).
// - settle:   paying the payee out after success; `settleStatus` is its progress, never the
//             payment's status.
// - event:    a fact about a payment raised by a life-cycle transition (`success`, `fail`,
//             `pending`, `paid_less`, `settle`); stored whether or not anybody listens.
// - change:   what one life-cycle step writes, in one transaction (PaymentChange): the payment
//             if it changed, transfers added or confirmed, events, their deliveries (the outbox).
// - delivery: one event on its way to one callbackUrl; it runs the retry schedule and ends
//             `delivered` or `exhausted`. Redelivering by hand makes a new delivery.
// - attempt:  one POST of a delivery, recorded with its timing and the receiver's answer.
//             `Delivery.attempts` is how many were made (a count); the admin API's
//             `attemptList` is the list of them (both names are on the wire).
// - answer:   what the other side sends back to a request: a receiver's to a callback, MixPay's
//             to the kit. Wire names that say `response` (`responseExcerpt`,
//             MixPayResponseError) mean the same.
// - due:      a delivery whose `nextAttemptAt` has come, so a dispatcher may claim it now; a
//             payment whose deadline or settlement time has come (DueWork). Never "not tried".
// - not tried yet: pending, no attempt made (NOT_TRIED_YET; the queue depth metric's `due` label).
// - retrying: pending after at least one failed attempt: isRetrying() in TypeScript, RETRYING in
//             SQL, `retrying` wherever a person reads it (ShownDeliveryState).
// - schedule: the delays between attempts (MixPay: 0,15,15,30,180,1800×4,3600 seconds).
// - lease:    a claim on a due delivery by one dispatcher, longer than the attempt timeout,
//             so a slow answer is never sent twice at once and a crashed claim comes back.
// - clock:    time as a value passed in (@payhook/protocol's Clock), so tests can move it.

// The admin API answers with these records as they are, so they are declared once, with the
// API's answers, in @payhook/protocol (admin.ts), where the CLI reads them too.
export type {
  Attempt,
  AttemptErrorClass,
  Delivery,
  DeliveryState,
  Payment,
  PaymentEvent,
  PaymentKind,
  Transfer,
} from '@payhook/protocol';

import type { Delivery, DeliveryState, Payment, PaymentEvent, Transfer } from '@payhook/protocol';

/** A delivery's state as people read it: a pending one that has failed is `retrying` (isRetrying). */
export type ShownDeliveryState = DeliveryState | 'retrying';

/** A payment with the transfers received for it: what a life-cycle step reads and returns. */
export interface PaymentState {
  payment: Payment;
  transfers: Transfer[];
}

/**
 * What a life-cycle step changed, said by the step itself: the store writes exactly this and never
 * compares the state it read with the one it got back.
 */
export interface StateWrites {
  /** The payment changed: its row is written whole, from `next.payment`. */
  payment: boolean;
  /** Transfers received by this step: new rows. */
  addedTransfers: readonly Transfer[];
  /** Transfers whose confirmations this step moved. */
  confirmedTransfers: readonly Transfer[];
}

/** What a life-cycle step writes, all in one transaction: the outbox. */
export interface PaymentChange {
  next: PaymentState;
  writes: StateWrites;
  events: PaymentEvent[];
  deliveries: Delivery[];
}

export type { Clock } from '@payhook/protocol';
