// The dispatcher: claims due deliveries under a lease, POSTs them with bounded concurrency,
// records every attempt and schedules the next one. All its state lives in the store, so
// any number of dispatchers can run, crash and restart without losing or doubling work.
import { randomUUID } from 'node:crypto';
import { nextAttemptAt, type RetrySchedule } from '@payhook/protocol';
import type { Attempt, Clock, Delivery } from '../interfaces.js';
import { type Logger, urlForLog } from '../logger.js';
import type { ClaimedDelivery, DeliveryUpdate, LeaseOwnerHold, Store } from '../storage/store.js';
import { Wakeable } from '../wakeable.js';
import { AttemptRecorder } from './attempt-recorder.js';
import { newLeaseOwnerId } from './lease-owner.js';
import type { CallbackSender } from './sender.js';
import { signatureHeaders } from './signature.js';

export interface DispatcherOptions {
  store: Store;
  sender: CallbackSender;
  clock: Clock;
  schedule: RetrySchedule;
  /** Attempts in flight at once, in this process. */
  concurrency: number;
  /**
   * Attempts in flight at once to one host (host:port), in this process: a slow or dead
   * receiver can hold at most this many slots, never all of them.
   */
  hostConcurrency?: number;
  /** How long a claim holds a delivery; must outlast the attempt timeout. */
  leaseMs: number;
  /** Longest sleep between looks at the store (other processes' work, expired leases). */
  pollIntervalMs: number;
  /**
   * How often a running dispatcher looks for leases of dispatchers that died since (their
   * deliveries are then due at once, not when the lease expires). It also looks on start.
   * Default 5 s.
   */
  reclaimIntervalMs?: number;
  /** This incarnation's lease owner id; a fresh one by default (tests name their own). */
  owner?: string;
  /**
   * Group commit of attempts (see AttemptRecorder): most outcomes in one transaction (default 64),
   * and how long the first waits for others (default 0: the end of its event-loop turn).
   */
  recordBatch?: number;
  recordWindowMs?: number;
  logger: Logger;
  /** Told about every recorded attempt (metrics, live views). */
  onAttempt?: (attempt: Attempt, delivery: Delivery, update: DeliveryUpdate) => void;
}

/** Longest a free slot waits for others to free up before it is claimed alone. */
const BATCH_WINDOW_MS = 20;

interface InFlight {
  token: string;
  host: string;
  controller: AbortController;
  done: Promise<void>;
}

export class Dispatcher {
  private readonly inflight = new Map<string, InFlight>();
  private readonly wakeable = new Wakeable();
  private readonly perHost = new Map<string, number>();
  private running = false;
  private loopDone: Promise<void> | null = null;
  private unsubscribe: (() => Promise<void>) | undefined;

  private readonly minBatch: number;
  private lastClaimAt = 0;
  /** The lease owner this incarnation claims as, and the liveness lock that vouches for it. */
  readonly owner: string;
  private ownerHold: Promise<LeaseOwnerHold> | undefined;
  private lastReclaimAt = 0;
  private acquisitionsSeen = 1;
  private readonly recorder: AttemptRecorder;

  constructor(private readonly options: DispatcherOptions) {
    const { store, clock } = options;
    this.recorder = new AttemptRecorder({
      write: (outcomes) => store.recordAttempts(outcomes, clock.now()),
      maxBatch: options.recordBatch ?? 64,
      windowMs: options.recordWindowMs ?? 0,
    });
    this.minBatch = Math.max(1, Math.floor(options.concurrency / 4));
    this.owner = options.owner ?? newLeaseOwnerId();
  }

  /**
   * Takes this incarnation's liveness lock, takes back at once what dead dispatchers (its own
   * previous incarnation first of all) still hold, and starts the loop; with PostgreSQL, also
   * listens for other processes' new deliveries.
   */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.holdOwner();
    await this.reclaim();
    this.unsubscribe = await this.options.store.subscribe?.(() => this.notify());
    this.loopDone = this.loop();
  }

  /** New work may be due: look now instead of at the next poll. */
  notify(): void {
    this.wakeable.notify();
  }

  get inFlightCount(): number {
    return this.inflight.size;
  }

  /** Finished attempts waiting for the transaction that records them. */
  get unrecordedAttempts(): number {
    return this.recorder.pending;
  }

  /**
   * Makes every attempt due now and waits for them, again until nothing is due.
   * For tests that move a ManualClock, and for one-shot tools.
   */
  async runDue(): Promise<number> {
    let total = 0;
    for (;;) {
      const claimed = await this.claim(this.options.concurrency);
      if (claimed.length === 0) return total;
      total += claimed.length;
      await Promise.all(claimed.map((c) => this.inflight.get(c.id)?.done));
    }
  }

  /**
   * Stops claiming, lets attempts in flight finish for up to `graceMs`, then aborts the
   * rest and hands their leases back so another dispatcher (or the restart) takes them at once.
   */
  async stop(graceMs = 5_000): Promise<void> {
    this.running = false;
    this.wakeable.notify();
    await this.loopDone;
    await this.unsubscribe?.();
    const pending = [...this.inflight.values()].map((f) => f.done);
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([Promise.all(pending), grace]);
    clearTimeout(timer);
    for (const f of this.inflight.values()) f.controller.abort();
    await Promise.all([...this.inflight.values()].map((f) => f.done));
    // Every lease is recorded or released: the owner may go.
    const hold = this.ownerHold;
    this.ownerHold = undefined;
    await hold?.then((h) => h.release());
  }

  /** The liveness lock must be held before the first claim names this owner. */
  private holdOwner(): Promise<LeaseOwnerHold> {
    this.ownerHold ??= this.options.store.holdLeaseOwner(this.owner).catch((error: unknown) => {
      this.ownerHold = undefined; // the next claim tries again
      throw error;
    });
    return this.ownerHold;
  }

  /**
   * Releases the leases of owners whose liveness lock is free. Skipped while this process's own
   * lock is lost, and once right after it was taken again: whatever cut this process off the
   * database (a server restart) cut the others too, and their locks may not be back yet.
   */
  private async reclaim(): Promise<void> {
    const hold = await this.holdOwner();
    this.lastReclaimAt = this.options.clock.now();
    if (!hold.held) return;
    if (hold.acquisitions !== this.acquisitionsSeen) {
      this.acquisitionsSeen = hold.acquisitions;
      return;
    }
    const released = await this.options.store.releaseDeadOwners(this.owner);
    for (const [owner, deliveries] of released) {
      this.options.logger.info({ owner, deliveries }, 'took back the leases of a dispatcher that is gone');
    }
    if (released.size > 0) this.wakeable.notify();
  }

  private async loop(): Promise<void> {
    const { store, clock, pollIntervalMs, logger } = this.options;
    const reclaimIntervalMs = this.options.reclaimIntervalMs ?? 5_000;
    while (this.running) {
      try {
        if (clock.now() - this.lastReclaimAt >= reclaimIntervalMs) await this.reclaim();
        const free = this.options.concurrency - this.inflight.size;
        // Claim in batches: one claim per freed slot would cost a committed transaction per
        // callback. A busy dispatcher waits for a quarter of its slots to free up, but never
        // longer than BATCH_WINDOW_MS, so a free slot does not idle behind slow receivers.
        const sinceClaim = performance.now() - this.lastClaimAt;
        const canClaim =
          free > 0 && (free >= this.minBatch || this.inflight.size === 0 || sinceClaim >= BATCH_WINDOW_MS);
        let delay = pollIntervalMs;
        if (free > 0 && !canClaim) delay = BATCH_WINDOW_MS - sinceClaim;
        if (canClaim) {
          this.lastClaimAt = performance.now();
          const launched = await this.claim(free);
          if (launched.length === free) continue; // there may be more due right now
          // Less was due than there is room for: sleep until the next due time.
          const now = clock.now();
          const next = await store.nextDeliveryAt(now);
          if (next !== null) delay = Math.min(delay, Math.max(0, next - now));
        }
        // Otherwise a finishing attempt wakes the loop (notify) as slots free up.
        await this.wakeable.sleep(delay);
      } catch (error) {
        logger.error({ err: error }, 'dispatcher loop failed; retrying after the poll interval');
        await this.wakeable.sleep(pollIntervalMs);
      }
    }
  }

  /** Claims and launches up to `limit` due deliveries; returns the ones launched. */
  private async claim(limit: number): Promise<ClaimedDelivery[]> {
    const { store, clock, leaseMs } = this.options;
    const token = randomUUID();
    const hostLimit = this.options.hostConcurrency ?? Number.POSITIVE_INFINITY;
    const excludeHosts = [...this.perHost].filter(([, n]) => n >= hostLimit).map(([host]) => host);
    await this.holdOwner();
    const owner = this.owner;
    const claimed = await store.claimDeliveries({ now: clock.now(), limit, leaseMs, token, owner, excludeHosts });
    const launched: ClaimedDelivery[] = [];
    const overflow: string[] = [];
    for (const delivery of claimed) {
      const host = new URL(delivery.url).host;
      const busy = this.perHost.get(host) ?? 0;
      // One batch may hold many deliveries to one host: keep its share, give the rest back.
      if (busy >= hostLimit) {
        overflow.push(delivery.id);
        continue;
      }
      this.perHost.set(host, busy + 1);
      launched.push(delivery);
      this.launch(delivery, token, host);
    }
    await store.releaseDeliveries(overflow, token);
    return launched;
  }

  private launch(delivery: ClaimedDelivery, token: string, host: string): void {
    const controller = new AbortController();
    const done = this.attempt(delivery, token, controller.signal)
      .catch((error: unknown) => {
        // The lease expires and the delivery comes back: at-least-once, never lost.
        this.options.logger.error({ err: error, deliveryId: delivery.id }, 'attempt could not be recorded');
      })
      .finally(() => {
        this.inflight.delete(delivery.id);
        const left = (this.perHost.get(host) ?? 1) - 1;
        if (left > 0) this.perHost.set(host, left);
        else this.perHost.delete(host);
        this.wakeable.notify();
      });
    this.inflight.set(delivery.id, { token, host, controller, done });
  }

  private async attempt(delivery: ClaimedDelivery, token: string, signal: AbortSignal): Promise<void> {
    const { store, sender, clock, schedule, logger } = this.options;
    const attemptNo = delivery.attempts + 1;
    const log = logger.child({ deliveryId: delivery.id, traceId: delivery.traceId, event: delivery.eventType });
    // Read at send time: a rotated or removed secret applies to the very next attempt.
    const secret = await store.signingSecretFor(delivery.traceId);
    const startedAt = clock.now();
    const result = await sender.send(
      {
        url: delivery.url,
        body: delivery.body,
        headers: {
          'x-payhook-event': delivery.eventType,
          'x-payhook-event-id': delivery.eventId,
          'x-payhook-delivery': delivery.id,
          'x-payhook-attempt': String(attemptNo),
          ...(secret === undefined ? {} : signatureHeaders(secret, delivery.eventId, startedAt, delivery.body)),
        },
      },
      signal,
    );
    if (signal.aborted) {
      // Shut down mid-attempt: the attempt does not count, the delivery is due again at once.
      await store.releaseDeliveries([delivery.id], token);
      log.info({ attemptNo }, 'attempt aborted by shutdown; lease released');
      return;
    }
    const endedAt = clock.now();
    const next = result.success ? null : nextAttemptAt(schedule, attemptNo, endedAt);
    const update: DeliveryUpdate = result.success
      ? { state: 'delivered', nextAttemptAt: null }
      : next === null
        ? { state: 'exhausted', nextAttemptAt: null }
        : { state: 'pending', nextAttemptAt: next };
    const attempt: Attempt = {
      deliveryId: delivery.id,
      attemptNo,
      dueAt: delivery.dueAt,
      startedAt,
      endedAt,
      success: result.success,
      statusCode: result.statusCode,
      latencyMs: result.latencyMs,
      errorClass: result.errorClass,
      errorMessage: result.errorMessage,
      responseExcerpt: result.responseExcerpt,
    };
    const recorded = await this.recorder.record({ attempt, update, token });
    if (!recorded) {
      log.warn({ attemptNo }, 'lease lost before the attempt was recorded; another dispatcher owns it');
      return;
    }
    this.options.onAttempt?.(attempt, delivery, update);
    const fields = {
      attemptNo,
      statusCode: result.statusCode,
      errorClass: result.errorClass,
      latencyMs: result.latencyMs,
    };
    if (update.state === 'exhausted') {
      log.warn(
        { ...fields, eventId: delivery.eventId, url: urlForLog(delivery.url) },
        'delivery exhausted after the last scheduled attempt',
      );
    } else if (update.state === 'pending')
      log.info({ ...fields, nextAttemptAt: update.nextAttemptAt }, 'attempt failed');
    else log.info(fields, 'delivered');
  }
}
