// payhook's admin API (`/admin/*`) and sandbox controls (`/v1/sandbox/*`): not MixPay's, so not
// in wire.ts. The gateway answers with its records as it keeps them, so the records are declared
// here, once: the gateway stores and presents them, the CLI reads them, and a change to either
// side that the other cannot follow fails to compile. Times are epoch milliseconds.
import type { CallbackEventName, OptionalEventName } from './events.js';
import type { FailureCode, PaymentStatus, SettleStatus, SurplusStatus } from './payment.js';
import type { WirePaymentResult } from './wire.js';

// ---------------------------------------------------------------------------------------------
// Records

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

/** An attempt with its delivery's payment, event and URL: an entry of the attempt feed. */
export interface FeedAttempt extends Attempt {
  traceId: string;
  eventType: string;
  url: string;
}

export interface OutcomeBucket {
  /** Start of the bucket, epoch ms. */
  at: number;
  delivered: number;
  failed: number;
}

export interface LatenessFigures {
  samples: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
}

// ---------------------------------------------------------------------------------------------
// Answers: `data` of the envelope, per route

/** `GET /admin/payments`: newest first. */
export interface PaymentPage {
  payments: Payment[];
  /** Cursor to pass as `before` (`<createdAt>:<traceId>`); null on the last page. */
  next: string | null;
}

/** A delivery of a payment's event, with its attempts. */
export interface DeliveryWithAttempts extends Delivery {
  attemptList: Attempt[];
}

export interface EventDetail extends PaymentEvent {
  deliveries: DeliveryWithAttempts[];
}

/** `GET /admin/payments/{traceId}`: the payment with its transfers, and its events in order. */
export interface PaymentDetail {
  payment: Payment;
  transfers: Transfer[];
  events: EventDetail[];
}

/** `GET /admin/deliveries/{id}`. (`GET /admin/deliveries` answers `Delivery[]`.) */
export interface DeliveryDetail {
  delivery: Delivery;
  attempts: Attempt[];
}

/** `POST /admin/deliveries/redeliver-exhausted`: the new deliveries. (One by id answers a `Delivery`.) */
export interface RedeliveredDeliveries {
  count: number;
  deliveries: Delivery[];
}

/** `GET /admin/attempts`: attempts in the order they ended. */
export interface AttemptPage {
  attempts: FeedAttempt[];
  /** Cursor to pass as `after`; null when the gateway has no attempt yet. */
  next: string | null;
}

/** `GET /admin/stats/timeline`. */
export interface AttemptTimeline {
  from: number;
  bucketMs: number;
  buckets: OutcomeBucket[];
}

/** `GET /admin/stats`. */
export interface DeliveryStats {
  deliveries: Record<DeliveryState, number>;
  /** Of the pending deliveries, those waiting for a retry after a failed attempt. */
  retrying: number;
  lateness: LatenessFigures;
}

/** A pass of the attempt pruner: attempts older than the retention, except each delivery's last. */
export interface RetentionPass {
  startedAt: number;
  endedAt: number;
  /** Attempts that ended before this instant were pruned, except each delivery's last one. */
  cutoff: number;
  pruned: number;
  /** Database pages given back to the file system (SQLite's incremental vacuum; 0 on PostgreSQL). */
  reclaimedPages: number;
}

/** `GET /admin/retention`. */
export interface RetentionStatus {
  /** This gateway's `PAYHOOK_ATTEMPT_RETENTION`, in ms; 0: every attempt is kept. */
  retentionMs: number;
  /** Attempts pruned from this database so far, by every gateway on it. */
  prunedTotal: number;
  /** The latest pass on this database, by any gateway; null before the first. */
  lastPass: RetentionPass | null;
}

/** `POST /v1/sandbox/transfers`: the transfer, and the payment's result after it. */
export interface TransferAnswer {
  transfer: Transfer;
  result: WirePaymentResult;
}

/**
 * An item of `GET /v1/sandbox/assets`: the fields the list promises. The gateway sends its whole
 * catalog entry (prices, bounds, deposit format), which may change without notice.
 */
export interface SandboxAsset {
  id: string;
  symbol: string;
  fiat: boolean;
  requiredConfirmations: number;
}
