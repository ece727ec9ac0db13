// The storage interface: narrow, domain-shaped, and the only place that knows SQL exists. It is
// split by concern (payments, the delivery queue, admin reads, request counts, payee secrets)
// so each caller depends on the part it uses. SQLite and PostgreSQL implement it with the same
// queries; where they differ, a capability flag says so (see StoreCapabilities), never an
// `if (sqlite)` in the domain.
import type { FeedAttempt, LatenessFigures, OutcomeBucket, Recovery, RetentionPass } from '@payhook/protocol';
import type { RetryingGroup } from '../domain/endpoint-forecast.js';
import type {
  EndpointAttempt,
  EndpointState,
  EndpointTransition,
  HealthThresholds,
} from '../domain/endpoint-health.js';
import type { ScopedSelection } from '../domain/recovery.js';
import type {
  Attempt,
  Delivery,
  DeliveryState,
  Payment,
  PaymentChange,
  PaymentEvent,
  PaymentState,
  ShownDeliveryState,
  Transfer,
} from '../interfaces.js';

export interface StoreCapabilities {
  /** `SELECT … FOR UPDATE SKIP LOCKED`: many dispatchers can claim without waiting on each other. */
  skipLocked: boolean;
  /** Row locks inside a transaction; without them the database serialises writers (SQLite). */
  rowLocks: boolean;
  /** INSERT/UPDATE inside WITH: a batch of attempts is recorded in one statement (PostgreSQL). */
  writableCte: boolean;
  dialect: 'sqlite' | 'postgres';
}

export type PaymentKey =
  | { traceId: string }
  | { payeeId: string; orderId: string }
  | { code: string }
  /** Where an on-chain payment was paid to (the sandbox's deposit address, and tag if any). */
  | { destination: string; tag: string }
  | { txid: string };

export interface ClaimedDelivery extends Delivery {
  /** The schedule's due time of the attempt about to be made (for lateness). */
  dueAt: number;
  /** The receiver's host:port, which per-host limits count. */
  host: string;
  /**
   * The payee's callback signing secrets, read by the claim itself, so a rotated or removed secret
   * applies from the next claim: the current one, then, while a rotation overlaps at the claim's
   * `now`, the previous one. Empty: the payee does not sign.
   */
  signingSecrets: string[];
}

export interface ClaimOptions {
  now: number;
  limit: number;
  leaseMs: number;
  token: string;
  /**
   * The dispatcher incarnation claiming (see `holdLeaseOwner`): recorded on the lease so that, once
   * that process is provably dead, another can take its leases back without waiting for them to
   * expire. Without one, the lease only ever expires.
   */
  owner?: string;
  /**
   * Most deliveries to one host (host:port) the claim may return; `hostBudgets` lowers it per host
   * (the slots this dispatcher still has free there; 0: none). Unlimited when absent.
   */
  hostLimit?: number;
  hostBudgets?: ReadonlyMap<string, number>;
}

/** A dispatcher incarnation's liveness lock, held while it may hold leases. */
export interface LeaseOwnerHold {
  /** False while the lock is lost (PostgreSQL: its connection dropped) and being taken again. */
  readonly held: boolean;
  /** How many times the lock was taken: above 1, it was lost and re-taken since it was first held. */
  readonly acquisitions: number;
  /** Lets the lock go: call after the owner's last lease is recorded or released. */
  release(): Promise<void>;
}

/** How a finished attempt moves its delivery on. */
export interface DeliveryUpdate {
  state: DeliveryState;
  nextAttemptAt: number | null;
}

/** A finished attempt to record, fenced by the lease it was made under. */
export interface AttemptOutcome {
  attempt: Attempt;
  update: DeliveryUpdate;
  token: string;
}

export interface PaymentFilter {
  status?: string;
  /** Exact traceId or orderId. */
  search?: string;
  /** Only payments with a delivery in this state (`retrying` included). */
  deliveryState?: ShownDeliveryState;
  limit: number;
  /** Payments created strictly before this (createdAt, traceId) pair, for paging. */
  before?: { createdAt: number; traceId: string };
}

export interface DeliveryFilter {
  traceId?: string;
  eventId?: string;
  /** `retrying`: pending after at least one failed attempt (RETRYING). */
  state?: ShownDeliveryState;
  url?: string;
  /** Only deliveries nobody has redelivered by hand yet. */
  notRedelivered?: boolean;
  limit: number;
}

/** Position in the attempt feed: after this attempt, in (endedAt, deliveryId, attemptNo) order. */
export interface FeedCursor {
  endedAt: number;
  deliveryId: string;
  attemptNo: number;
}

// What the admin reads answer is the admin API's wire shape, declared once in @payhook/protocol.
export type { FeedAttempt, LatenessFigures, OutcomeBucket, RetentionPass } from '@payhook/protocol';

/** The delivery queue at one instant (metrics). */
export interface QueueDepth {
  /** Pending deliveries not attempted yet (the metric's `due` label). */
  notTriedYet: number;
  /** Pending deliveries waiting for a retry after a failed attempt. */
  retrying: number;
  /** Deliveries given up after the last scheduled attempt (until redelivered by hand). */
  exhausted: number;
}

export interface DueWork {
  traceId: string;
  reason: 'expire' | 'settle';
}

/** A payee's secret for signing its callbacks (Standard Webhooks, `whsec_…`). */
export interface NewPayeeSecret {
  payeeId: string;
  secret: string;
  createdAt: number;
}

/** A payee's signing secrets as stored: the current one and, during a rotation's overlap, the previous. */
export interface PayeeSecret extends NewPayeeSecret {
  /** The secret `secret` replaced, signing too until `until` (exclusive); null: none, or its overlap is over. */
  previous: { secret: string; until: number } | null;
}

/** Payments and their life cycle: what the API and the sweeper write. */
export interface PaymentStore {
  /** Inserts a new payment; throws UniqueViolation on a taken traceId, (payee, orderId) or code. */
  insert(payment: Payment): Promise<void>;
  find(key: PaymentKey): Promise<PaymentState | undefined>;
  /**
   * Loads and locks a payment, lets `change` compute what happens, and writes the new
   * state, its events and their deliveries together. If `change` throws, nothing is written.
   */
  update(traceId: string, change: (state: PaymentState) => PaymentChange): Promise<PaymentChange>;
  /** Payments whose deadline or settlement time has come. */
  dueWork(now: number, limit: number): Promise<DueWork[]>;
  /** The earliest future expiry or settlement, to sleep until then. */
  nextWorkAt(now: number): Promise<number | null>;
}

/** The delivery queue: leases, attempts and the liveness of the dispatchers holding them. */
export interface DeliveryQueue {
  /**
   * Leases up to `limit` due deliveries for `leaseMs`, in one statement: earliest first, at least
   * half of them first attempts when there are any, and within each host's budget.
   */
  claim(opts: ClaimOptions): Promise<ClaimedDelivery[]>;
  /**
   * Records attempts and moves their deliveries on, all in one transaction; per outcome in order,
   * whether its lease still held (`token` and attempt count unchanged). Only those are written.
   */
  record(outcomes: readonly AttemptOutcome[], now: number): Promise<boolean[]>;
  /** Gives leased deliveries back (graceful shutdown): they are due again at once. */
  release(ids: readonly string[], token: string): Promise<void>;
  /**
   * Takes the liveness lock of lease owner `owner` and holds it until released or until this
   * process dies, when the operating system (SQLite: a file lock) or the database server
   * (PostgreSQL: a session advisory lock) lets it go by itself. Resolves once it is held.
   */
  holdOwner(owner: string): Promise<LeaseOwnerHold>;
  /**
   * Gives back at once the leases of every owner but `self` whose liveness lock can be taken,
   * i.e. whose process is gone; an owner whose lock is held, or cannot be judged, keeps its
   * leases until they expire. Returns how many deliveries were released, per owner.
   */
  releaseDeadOwners(self: string): Promise<Map<string, number>>;
  /**
   * Parks the pending deliveries of paused URLs that no lease holds and are not parked yet (they
   * became pending during the pause: an attempt in flight that failed, a new event, a redelivery,
   * a dead owner's released lease): they leave the claim's due indexes until the resume. The dispatcher's reclaim
   * tick runs it; one probe and nothing else while no URL is paused. Returns how many it parked.
   */
  parkPaused(): Promise<number>;
  /** The earliest future due time of a pending delivery. */
  nextDueAt(now: number): Promise<number | null>;
  /** Queues a delivery made outside a payment's life cycle (a redelivery by hand). */
  insert(delivery: Delivery): Promise<void>;
  /**
   * Calls `listener` soon after another process commits new deliveries (PostgreSQL LISTEN/NOTIFY),
   * so idle dispatchers wake at once instead of at their next poll. Where there is no such
   * channel (SQLite: one process, woken in-process) it never calls. Resolves to an unsubscribe function.
   */
  subscribe(listener: () => void): Promise<() => Promise<void>>;
}

/** What operators read: lists, counts and figures for the admin API, the dashboard and metrics. */
export interface AdminQueries {
  listPayments(filter: PaymentFilter): Promise<Payment[]>;
  listTransfers(traceId: string): Promise<Transfer[]>;
  listEvents(traceId: string): Promise<PaymentEvent[]>;
  getEvent(id: string): Promise<PaymentEvent | undefined>;
  listDeliveries(filter: DeliveryFilter): Promise<Delivery[]>;
  getDelivery(id: string): Promise<Delivery | undefined>;
  listAttempts(deliveryId: string): Promise<Attempt[]>;
  countDeliveries(): Promise<Record<DeliveryState, number>>;
  /** Not-tried-yet, retrying and exhausted deliveries, counted in one query (scraped by /metrics). */
  queueDepth(): Promise<QueueDepth>;
  /**
   * Attempts in the order they ended: after `cursor`, oldest first; without a cursor, the
   * latest `limit`, still oldest first (where a live tail starts).
   */
  attemptFeed(cursor: FeedCursor | undefined, limit: number): Promise<FeedAttempt[]>;
  /** Attempt outcomes since `from`, counted per `bucketMs`. */
  attemptOutcomes(from: number, bucketMs: number): Promise<OutcomeBucket[]>;
  /** Recent attempts' lateness against their due time, in ms. */
  lateness(sample: number): Promise<LatenessFigures>;
}

/** Fixed-window request counts, shared by every process (rate limits). */
export interface RequestCounts {
  /**
   * Counts one request of `key` in the fixed window starting at `windowStart`, atomically across
   * processes, and returns the window's count including it.
   */
  count(key: string, windowStart: number): Promise<number>;
  /** Forgets the counts of windows that started before `windowStart`. */
  expire(windowStart: number): Promise<void>;
}

/** A payee that signs, as a list shows it: no secret. */
export interface PayeeSecretSummary {
  payeeId: string;
  createdAt: number;
  /** Until when the previous secret signs too, at the list's `now`; null: no overlap running. */
  rotationEndsAt: number | null;
}

/** Payees' callback signing secrets (signed callbacks are opt-in per payee). */
export interface PayeeSecrets {
  /** The payee's secrets at `now`: `previous` only while its overlap lasts. */
  get(payeeId: string, now: number): Promise<PayeeSecret | undefined>;
  /**
   * Sets a payee's signing secret, in one statement. Replacing one rotates: the replaced secret
   * keeps signing until `createdAt + overlapMs` (0, the default: it stops at once). A secret still
   * in an earlier overlap is dropped: a payee has at most two. Answers what is now stored.
   */
  set(secret: NewPayeeSecret, overlapMs?: number): Promise<PayeeSecret>;
  /** Removes a payee's signing secrets, current and previous; false if it had none. */
  delete(payeeId: string): Promise<boolean>;
  /** Payees that sign, by payeeId, those after `after`, at most `limit`; never a secret. */
  list(now: number, page: { after?: string | undefined; limit: number }): Promise<PayeeSecretSummary[]>;
}

/** One batch of the attempt pruner, in one transaction. */
export interface PrunedBatch {
  /** Attempts looked at (at most the batch's limit). */
  scanned: number;
  /** Attempts deleted. */
  pruned: number;
  /** The batch was full: more attempts older than the cutoff may be waiting. */
  more: boolean;
}

/** What the database gave back after pruning, bounded per call. */
export interface ReclaimedSpace {
  /** Pages returned to the file system by this call. */
  reclaimed: number;
  /** Free pages still in the file (SQLite's freelist); 0 where the database reuses space itself. */
  free: number;
}

/**
 * Attempt retention (domain/retention.ts): attempts that ended before a cutoff are deleted in
 * bounded batches, each delivery's last attempt kept and deliveries untouched. The batches walk the
 * attempts in the order they ended from a cursor stored in the database, so a pass reads only what
 * is new since the last one, and every gateway on one database shares it.
 */
export interface AttemptRetention {
  /**
   * Prunes the next `limit` attempts after the cursor that ended before `cutoff` (keeping each
   * delivery's last) and moves the cursor past them, in one transaction; undefined when another
   * gateway is running a batch at this moment (PostgreSQL: its row lock is skipped, not waited on).
   */
  pruneBatch(cutoff: number, limit: number): Promise<PrunedBatch | undefined>;
  /** Gives free pages back to the file system, at most `maxPages` (SQLite's incremental vacuum). */
  reclaimSpace(maxPages: number): Promise<ReclaimedSpace>;
  /** Remembers a finished pass (the admin API's `lastPass`). */
  recordPass(pass: RetentionPass): Promise<void>;
  /** Attempts pruned so far by every gateway, and the latest pass. */
  state(): Promise<{ prunedTotal: number; lastPass: RetentionPass | null }>;
}

/** What one batch of a recovery does with the deliveries it takes. */
export type RecoveryPlan =
  /** Inserts the redelivery `redeliver` makes of each. */
  | { action: 'redeliver'; redeliver: (original: Delivery) => Delivery }
  /** Makes each due now, unless an attempt is in flight (then skipped). */
  | { action: 'retry_now' };

export interface RecoveryBatch {
  /** How many deliveries it takes at most, in (createdAt, id) order after the cursor. */
  limit: number;
  selection: ScopedSelection;
  plan: RecoveryPlan;
  now: number;
  /** The runner holding the recovery, and how long this batch extends its lease. */
  owner: string;
  leaseMs: number;
}

export interface RecoveryBatchResult {
  /** The recovery after the batch: its counts, cursor and, after the last batch, `done`. */
  recovery: Recovery;
  /** Redeliveries inserted. */
  created: Delivery[];
  /** Deliveries made due now (retry_now). */
  madeDue: string[];
}

/** Recoveries: selections of deliveries, counted, and acted on in leased, fenced batches. */
export interface RecoveryStore {
  /** How many deliveries the selection holds, and the first `sample` of them in scan order. */
  preview(selection: ScopedSelection, sample: number): Promise<{ matched: number; sample: Delivery[] }>;
  /**
   * Records a new recovery, `matched` counted in the same transaction; `lease`, when given, holds
   * it for that runner from the start.
   */
  create(recovery: Recovery, selection: ScopedSelection, lease?: { owner: string; until: number }): Promise<Recovery>;
  get(id: string): Promise<Recovery | undefined>;
  /** Newest first; `before` pages by (requestedAt, id). */
  list(limit: number, before?: { requestedAt: number; id: string }): Promise<Recovery[]>;
  /** Leases one running recovery nobody holds (or whose lease expired) to `owner`. */
  claim(now: number, owner: string, leaseMs: number): Promise<Recovery | undefined>;
  /**
   * Frees the running recoveries held by owners other than `self` whose liveness lock can be
   * taken (their process is gone); returns how many.
   */
  releaseDeadOwners(self: string, now: number): Promise<number>;
  /**
   * Runs one batch in one transaction, fenced on `owner`'s lease: takes the next deliveries
   * after the cursor, acts on them, moves the cursor and counts, and marks the recovery done when
   * the scan is through. Undefined when the lease was lost (nothing written).
   */
  runBatch(id: string, batch: RecoveryBatch): Promise<RecoveryBatchResult | undefined>;
  /** Gives a held recovery back, still running, for another runner (graceful stop). */
  release(id: string, owner: string): Promise<void>;
  /** Ends a held recovery as failed, with why. */
  fail(id: string, owner: string, now: number, error: string): Promise<void>;
  /**
   * Makes one pending delivery due now if no attempt is in flight (its lease expired or none);
   * returns it as it is after, or undefined when it was not changed.
   */
  retryNow(id: string, now: number): Promise<Delivery | undefined>;
}

/** Which endpoints a read is about: one URL, one host's, or (neither) all. */
export interface EndpointFilter {
  url?: string;
  host?: string;
}

/** What a health read counts of one URL's deliveries and recent attempts. */
export interface EndpointCounts {
  url: string;
  host: string;
  /**
   * Attempts that ended since the start of the minute the window starts in, and of them those
   * that succeeded (endpoint_minutes: as recorded by recordAttempts).
   */
  recentAttempts: number;
  recentSucceeded: number;
  /** Pending deliveries not tried yet. */
  notTriedYet: number;
  /** Retrying deliveries, grouped by failed attempts so far (the forecast's input). */
  retrying: RetryingGroup[];
}

/** A pause as stored: when, by whom, why. */
export interface PauseRequest {
  at: number;
  by: string;
  reason: string | null;
}

/**
 * Callback URLs' health and pauses. The dispatcher never waits on this: health is recorded in
 * batches off its path (endpoints/health.ts), and its claim reads only `paused_at`.
 */
export interface EndpointStore {
  /**
   * Folds ended attempts into their endpoints' health in one transaction, atomically across
   * processes (PostgreSQL: the endpoint rows are locked; SQLite serialises writers), and returns
   * what changed: failing, recovered, and (with auto-pause) paused. In the same transaction the
   * attempts are added to their URLs' per-minute counters and minutes past MINUTES_KEPT_MS deleted.
   */
  recordAttempts(
    attempts: readonly EndpointAttempt[],
    now: number,
    thresholds: HealthThresholds,
  ): Promise<EndpointTransition[]>;
  /**
   * Pauses `url` (creating its row if it has none): its deliveries are no longer claimed. Already
   * paused, it stays paused as it was (`changed: false`), so the first pause's time still counts.
   */
  pause(url: string, host: string, pause: PauseRequest): Promise<{ endpoint: EndpointState; changed: boolean }>;
  /**
   * Ends `url`'s pause and, in the same transaction, moves every pending delivery of it on by the
   * time paused (domain/endpoint-pause.ts), then wakes the dispatchers. Not paused: nothing moves.
   */
  resume(
    url: string,
    at: number,
  ): Promise<{ endpoint: EndpointState | undefined; changed: boolean; rescheduled: number }>;
  list(filter: EndpointFilter): Promise<EndpointState[]>;
  /**
   * Per URL: attempts ended since the minute `since` falls in (a sum of per-minute counters: the
   * read costs URLs × minutes, not attempts), pending deliveries, retrying ones by attempt count.
   */
  counts(since: number, filter: EndpointFilter): Promise<EndpointCounts[]>;
}

export interface Store {
  readonly capabilities: StoreCapabilities;
  readonly payments: PaymentStore;
  readonly queue: DeliveryQueue;
  readonly admin: AdminQueries;
  readonly requestCounts: RequestCounts;
  readonly payeeSecrets: PayeeSecrets;
  readonly retention: AttemptRetention;
  readonly recoveries: RecoveryStore;
  readonly endpoints: EndpointStore;

  /** A cheap round trip, for health checks. */
  ping(): Promise<void>;
  /**
   * Commits one tiny write (the `health_probe` row), for health checks: a database that still
   * answers reads may refuse every commit (a read-only disk or standby). Rejects with the
   * database's own error.
   */
  probeCommit(now: number): Promise<void>;
  close(): Promise<void>;
}
