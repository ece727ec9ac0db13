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

/**
 * Why an attempt failed, coarse enough to act on (`blocked`: the SSRF guard refused the address,
 * in production mode). A list, so selections and forms can offer each.
 */
export const ATTEMPT_ERROR_CLASSES = [
  'dns',
  'connect_refused',
  'reset',
  'tls',
  'timeout',
  'too_large',
  'bad_status',
  'not_json',
  'wrong_code',
  'blocked',
  'network',
] as const;

export type AttemptErrorClass = (typeof ATTEMPT_ERROR_CLASSES)[number];

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
  /** The request as it was sent; `null` for attempts recorded before the gateway kept it. */
  request: AttemptRequest | null;
}

/**
 * What one attempt sent, as the receiver got it. The body is not repeated here: it is the
 * delivery's `body`, the same bytes on every attempt.
 */
export interface AttemptRequest {
  /**
   * Every header the gateway set, lower-case, in the order sent: `content-type`, `user-agent`,
   * `x-payhook-event`, `x-payhook-event-id`, `x-payhook-delivery`, `x-payhook-attempt`, and
   * `webhook-id` / `webhook-timestamp` / `webhook-signature` when the payee signs. A signature
   * is an HMAC: it proves the sender, it cannot be turned back into the secret.
   */
  headers: Record<string, string>;
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

/**
 * `POST /admin/deliveries/redeliver-exhausted`: a recovery run to its end before the answer. (One
 * by id answers a `Delivery`.)
 */
export interface RedeliveredDeliveries {
  /** Every delivery redelivered, however many. */
  count: number;
  /** The new deliveries, the first 1,000 of them. */
  deliveries: Delivery[];
  /** The recovery that did it (`GET /admin/recoveries/{id}`). */
  recoveryId: string;
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

/**
 * `GET /admin/payees/{payeeId}/secret`: whether the payee's callbacks are signed, since when, and
 * whether a rotation is in progress. Never the secret.
 */
export interface PayeeSecretStatus {
  payeeId: string;
  signed: true;
  /** When the current secret was set (and a rotation, if any, began). */
  createdAt: number;
  /**
   * While a rotation overlaps: until when the previous secret signs too (each callback then carries
   * both signatures); null: only the current secret signs.
   */
  rotationEndsAt: number | null;
}

/** `PUT /admin/payees/{payeeId}/secret`: the new secret, shown this once, and the overlap it began. */
export interface PayeeSecretCreated {
  payeeId: string;
  /** `whsec_…`: give it to the payee's receiver; no other answer shows it. */
  secret: string;
  createdAt: number;
  /** See PayeeSecretStatus: null on a first secret, or a rotation with no overlap. */
  rotationEndsAt: number | null;
}

/** `GET /admin/payees/secrets`: the payees that sign, by payeeId; never a secret. */
export interface PayeeSecretList {
  payees: PayeeSecretStatus[];
  /** Cursor to pass as `after` (the last payeeId); null on the last page. */
  next: string | null;
}

/** `DELETE /admin/payees/{payeeId}/secret`: both secrets (current and previous) are gone. */
export interface PayeeSecretRemoved {
  payeeId: string;
  signed: false;
}

// ---------------------------------------------------------------------------------------------
// Operator notices: the JSON bodies POSTed to PAYHOOK_OPERATOR_WEBHOOK_URL, signed with Standard
// Webhooks (webhook-id: one per notice, the same on its retries), with `x-payhook-signal: <type>`.

/** An attempt's error, as notices and endpoint health report it; every field null when there was none. */
export interface AttemptError {
  errorClass: AttemptErrorClass | null;
  statusCode: number | null;
  message: string | null;
}

/** A delivery failed its last scheduled attempt. */
export interface DeliveryExhaustedNotice {
  type: 'delivery.exhausted';
  deliveryId: string;
  eventId: string;
  traceId: string;
  event: string;
  /** The merchant's callbackUrl that kept failing. */
  url: string;
  attempts: number;
  lastError: AttemptError;
  /** When the last attempt ended. */
  at: number;
}

export type EndpointNoticeType = 'endpoint.failing' | 'endpoint.recovered' | 'endpoint.paused';

/**
 * A callback URL changed health: it is failing (its consecutive failures reached the threshold),
 * it recovered (an attempt succeeded after it was failing: `consecutiveFailures` is the run that
 * ended, `lastError` that run's last error), or it was paused.
 */
export interface EndpointNotice {
  type: EndpointNoticeType;
  url: string;
  /** host:port of the URL, which per-host limits and health count. */
  host: string;
  consecutiveFailures: number;
  /** The latest failed attempt's error; null when none is known (a pause before any failure). */
  lastError: AttemptError | null;
  /** When the change happened. */
  at: number;
}

export type OperatorNotice = DeliveryExhaustedNotice | EndpointNotice;

export type OperatorNoticeType = OperatorNotice['type'];
// ---------------------------------------------------------------------------------------------
// Recoveries: an operator's action on a selection of deliveries, recorded and run in batches

/** A delivery's state as a selection names it: `pending` includes `retrying` (pending after a failure). */
export type SelectionState = DeliveryState | 'retrying';

/**
 * Which deliveries a recovery acts on; every field narrows, none given selects every delivery.
 * Times are epoch ms, inclusive.
 */
export interface DeliverySelection {
  state?: SelectionState;
  createdFrom?: number;
  createdTo?: number;
  payeeId?: string;
  eventType?: CallbackEventName;
  /** The delivery's callback URL, exactly. */
  url?: string;
  /** The error class of the delivery's last attempt. */
  errorClass?: AttemptErrorClass;
  /** Only deliveries nobody has redelivered by hand (or by a recovery) yet. */
  notRedelivered?: boolean;
}

/**
 * `redeliver`: a new delivery of the same event on a fresh schedule (to `newUrl` when given), for
 * delivered or exhausted deliveries. `retry_now`: a pending delivery's next attempt is due now,
 * its attempt count and later gaps unchanged; one in flight is skipped.
 */
export type RecoveryAction = 'redeliver' | 'retry_now';

export type RecoveryState = 'running' | 'done' | 'failed';

/** How the request that started a recovery was let in, and who it said it was. */
export interface RecoveryRequester {
  /** `none`: the gateway has no admin token, so its admin API is open. */
  auth: 'bearer' | 'session' | 'none';
  /** Free text the requester gave (`actor`), e.g. a name; null when none was given. */
  actor: string | null;
}

export interface Recovery {
  id: string;
  action: RecoveryAction;
  /** As requested; the action narrows it (redeliver: delivered or exhausted; retry_now: pending). */
  selection: DeliverySelection;
  /** `redeliver` to this callback URL instead of each delivery's own. */
  newUrl: string | null;
  requestedBy: RecoveryRequester;
  /** Also the snapshot: only deliveries created before this instant are taken. */
  requestedAt: number;
  state: RecoveryState;
  /** Deliveries the selection matched when the recovery was requested. */
  matched: number;
  /** Deliveries acted on so far (redelivered, or made due now). */
  processed: number;
  /**
   * Deliveries taken but left alone (retry_now): an attempt in flight (leased), or moved on between
   * the scan and the write. Deliveries that stopped matching before their batch (delivered since)
   * are neither processed nor skipped: `processed + skipped` may end below `matched`.
   */
  skipped: number;
  /** Where the scan stands, `<createdAt>:<deliveryId>` of the last delivery taken; null before the first batch. */
  cursor: string | null;
  finishedAt: number | null;
  /** Why it failed, when `failed`. */
  error: string | null;
}

/** `POST /admin/recoveries` with `dryRun: true`: what would be taken, changing nothing. */
export interface RecoveryPreview {
  action: RecoveryAction;
  selection: DeliverySelection;
  matched: number;
  /** The first few deliveries in the order the recovery would take them. */
  sample: Delivery[];
}

/** `GET /admin/recoveries`: newest first. */
export interface RecoveryPage {
  recoveries: Recovery[];
  /** Cursor to pass as `before`; null on the last page. */
  next: string | null;
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

// ---------------------------------------------------------------------------------------------
// Endpoints: a callback URL (exactly as stored on its deliveries), its health, and its pause

/** `failing` from PAYHOOK_ENDPOINT_FAILING_AFTER consecutive failed attempts until the next success. */
export type EndpointHealthState = 'healthy' | 'failing';

/** A paused endpoint: no attempt is sent to it, and no time passes on its deliveries' schedules. */
export interface EndpointPause {
  since: number;
  /** Who paused it: `bearer` or `session` (and the request's `actor`, as `session:alice`), or `auto`. */
  by: string | null;
  reason: string | null;
  /** Paused by PAYHOOK_ENDPOINT_AUTO_PAUSE_AFTER, not by a person. */
  automatic: boolean;
}

/**
 * When the retrying deliveries give up if every attempt they have left fails: `earliest` if each
 * remaining attempt fails at once, `latest` if each takes the whole attempt timeout.
 */
export interface ExhaustionForecast {
  deliveries: number;
  earliest: number;
  latest: number;
}

/** What an endpoint's or a host's health is made of. */
export interface HealthFigures {
  /** Attempts that ended in the last `windowMs`, by whole minutes (GET /admin/endpoints `windowMs`). */
  recent: { attempts: number; succeeded: number; successRate: number | null };
  consecutiveFailures: number;
  lastAttemptAt: number | null;
  lastSuccessAt: number | null;
  lastFailureAt: number | null;
  lastError: AttemptError | null;
  /** Pending deliveries, and of them those that have failed at least once. */
  pending: number;
  retrying: number;
  /** `null` without retrying deliveries, and while paused (nothing gives up while paused). */
  forecast: ExhaustionForecast | null;
}

/** One callback URL. */
export interface EndpointStatus extends HealthFigures {
  url: string;
  /** host:port, as deliveries and per-host limits count it. */
  host: string;
  health: EndpointHealthState;
  paused: EndpointPause | null;
}

/** Every endpoint of one host, rolled up: the worst health, the most consecutive failures. */
export interface HostHealth extends HealthFigures {
  host: string;
  health: EndpointHealthState;
  urls: number;
  /** How many of its URLs are paused (the forecast counts the others only). */
  pausedUrls: number;
}

/**
 * `GET /admin/endpoints`. No read time of its own (the envelope's `timestampMs` is it), so the same
 * state answers the same data and the dashboard's live view refreshes only on a change.
 */
export interface EndpointList {
  /**
   * The success rate's window: attempts that ended this long before the read or later, counted
   * per minute (the window starts at the start of its first minute: up to a minute more).
   */
  windowMs: number;
  endpoints: EndpointStatus[];
  hosts: HostHealth[];
}

/** `POST /admin/endpoints/pause`. */
export interface PausedEndpoint {
  endpoint: EndpointStatus;
  /** False when it was paused already (the first pause's time, author and reason stay). */
  changed: boolean;
}

/** `POST /admin/endpoints/resume`. */
export interface ResumedEndpoint {
  endpoint: EndpointStatus;
  /** False when it was not paused (nothing moved). */
  changed: boolean;
  /** Pending deliveries whose next attempt was moved by the time paused. */
  rescheduled: number;
}
