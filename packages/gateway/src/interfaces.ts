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
import type {
  CallbackEventName,
  FailureCode,
  OptionalEventName,
  PaymentStatus,
  SettleStatus,
  SurplusStatus,
} from '@payhook/protocol';

export type PaymentKind = 'payment' | 'one_time' | 'paylink';

export interface Payment {
  traceId: string;
  /** `null` when the merchant gave only a traceId. */
  orderId: string | null;
  payeeId: string;
  kind: PaymentKind;
  /** The one-time code of a one-time payment (checkout at `/code/{code}`). */
  code: string | null;
  quoteAmount: string;
  quoteAssetId: string;
  /** `null` until the payer picks an asset (one-time payments without `paymentAssetId`). */
  paymentAssetId: string | null;
  /** What the payer owes in the payment asset; `null` while the asset is open. */
  payableAmount: string | null;
  settlementAssetId: string;
  strictMode: boolean;
  /** A multi-pay payment accepts several transfers until fully paid (one-time payments are). */
  isMultiPay: boolean;
  callbackUrl: string | null;
  callbackEvents: OptionalEventName[];
  returnTo: string | null;
  failedReturnTo: string | null;
  remark: string | null;
  settlementMemo: string | null;
  /** Past this instant an unpaid payment fails with 40000; `null`: no deadline. */
  expireAt: number | null;
  status: PaymentStatus;
  failureCode: FailureCode | null;
  /** Sum of the transfers counted towards this payment, in the payment asset. */
  paidAmount: string;
  surplusAmount: string;
  surplusStatus: SurplusStatus;
  settleStatus: SettleStatus;
  settleDueAt: number | null;
  settleAmount: string | null;
  settleAssetId: string | null;
  createdAt: number;
  updatedAt: number;
  completedAt: number | null;
  /** MixPay's `clientId` (given or generated); the Mixin memo is `payment|<clientId>`. */
  clientId: string;
  /** Paid on-chain to `destination` (and `tag`) rather than from a Mixin wallet. */
  isChain: boolean;
  /** When the current quote was made: its tolerate period runs from here; a refresh moves it. */
  quotedAt: number;
  /** The sandbox deposit address of an on-chain payment; `null` for a Mixin payment or an open asset. */
  destination: string | null;
  /** The deposit tag on chains that need one, else `""`; `null` without a destination. */
  tag: string | null;
}

export interface Transfer {
  txid: string;
  traceId: string;
  amount: string;
  assetId: string;
  confirmations: number;
  createdAt: number;
  updatedAt: number;
}

export interface PaymentEvent {
  id: string;
  traceId: string;
  type: CallbackEventName;
  /** The payment's status right after the transition that raised it. */
  status: PaymentStatus;
  createdAt: number;
}

export type DeliveryState = 'pending' | 'delivered' | 'exhausted';

/** A delivery's state as people read it: a pending one that has failed is `retrying` (isRetrying). */
export type ShownDeliveryState = DeliveryState | 'retrying';

export interface Delivery {
  id: string;
  eventId: string;
  traceId: string;
  eventType: CallbackEventName;
  url: string;
  /** The exact bytes POSTed: `{"orderId","traceId","payeeId"}`. */
  body: string;
  state: DeliveryState;
  /** How many attempts were made so far (a count; the attempts themselves are Attempt rows). */
  attempts: number;
  /** When the next attempt is due; `null` once delivered or exhausted. */
  nextAttemptAt: number | null;
  lockedUntil: number | null;
  /** The delivery this one redelivers by hand, if any. */
  redeliveryOf: string | null;
  createdAt: number;
  updatedAt: number;
}

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

/** Why an attempt failed, coarse enough to act on. */
export type AttemptErrorClass =
  | 'dns'
  | 'connect_refused'
  | 'reset'
  | 'tls'
  | 'timeout'
  | 'too_large'
  | 'bad_status'
  | 'not_json'
  | 'wrong_code'
  /** The SSRF guard refused the address (production mode). */
  | 'blocked'
  | 'network';

export interface Attempt {
  deliveryId: string;
  attemptNo: number;
  dueAt: number;
  startedAt: number;
  endedAt: number;
  success: boolean;
  statusCode: number | null;
  latencyMs: number;
  errorClass: AttemptErrorClass | null;
  errorMessage: string | null;
  /** The first bytes of the answer, capped, for people debugging their endpoint. */
  responseExcerpt: string | null;
}

export type { Clock } from '@payhook/protocol';
