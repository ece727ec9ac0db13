// Core types of the gateway, and the words the code and the docs use for them.
//
// Glossary
// - payee:    the account that receives the money (MixPay's `payeeId`); a merchant has one or more.
// - order:    the merchant's own record of a sale, named by `orderId`, unique per payee.
// - payment:  what the gateway tracks for one order: what is owed, what was paid, its status.
// - transfer: money arriving for a payment (from the sandbox here, from a chain watcher in
//             production), with its confirmations.
// - event:    a fact about a payment raised by a life-cycle transition (`success`, `fail`,
//             `pending`, `paid_less`, `settle`); stored whether or not anybody listens.
// - delivery: one event on its way to one callbackUrl; it runs the retry schedule and ends
//             `delivered` or `exhausted`. Redelivering by hand makes a new delivery.
// - attempt:  one POST of a delivery, recorded with its timing and the receiver's answer.
// - schedule: the delays between attempts (MixPay: 0,15,15,30,180,1800×4,3600 seconds).
// - lease:    a claim on a due delivery by one dispatcher, longer than the attempt timeout,
//             so a slow answer is never sent twice at once and a crashed claim comes back.

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

/** Time as a value passed in, so tests can move it. Milliseconds since the epoch. */
export interface Clock {
  now(): number;
}
