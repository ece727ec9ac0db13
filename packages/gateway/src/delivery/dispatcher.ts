// The dispatcher: claims due deliveries under a lease, POSTs them with bounded concurrency,
// records every attempt and schedules the next one. All its state lives in the store, so
// any number of dispatchers can run, crash and restart without losing or doubling work.
import { randomUUID } from 'node:crypto';
import { CALLBACK_HEADERS, nextAttemptAt, type RetrySchedule, signatureHeaders } from '@payhook/protocol';
import type { Attempt, Clock, Delivery } from '../interfaces.js';
import { type Logger, urlForLog } from '../logger.js';
import type { ClaimedDelivery, DeliveryQueue, DeliveryUpdate, LeaseOwnerHold } from '../storage/store.js';
import { Wakeable } from '../wakeable.js';
import { AttemptRecorder } from './attempt-recorder.js';
import { newLeaseOwnerId } from './lease-owner.js';
import type { CallbackSender } from './sender.js';

export interface DispatcherOptions {
  queue: DeliveryQueue;
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
  onAttempt?: AttemptObserver;
}

/** Called once an attempt is recorded, with the delivery as claimed and what the attempt changed. */
export type AttemptObserver = (attempt: Attempt, delivery: Delivery, update: DeliveryUpdate) => void;

/** Longest a freed slot waits for others to free up before it is claimed alone. */
const BATCH_WINDOW_MS = 20;

interface InFlight {
  token: string;
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

  /** Slots freed since the last claim that make a claim worth its statement. */
  private readonly batch: number;
  private freedSinceClaim = 0;
  /** New work was announced (or the last claim filled every slot): claim at the first free slot. */
  private wanted = true;
  private lastClaimAt = 0;
  private pollAt = 0;
  /** The lease owner this incarnation claims as, and the liveness lock that vouches for it. */
  readonly owner: string;
  private ownerHold: Promise<LeaseOwnerHold> | undefined;
  private lastReclaimAt = 0;
  private acquisitionsSeen = 1;
  private readonly recorder: AttemptRecorder;

  constructor(private readonly options: DispatcherOptions) {
    const { queue, clock } = options;
    this.recorder = new AttemptRecorder({
      write: (outcomes) => queue.record(outcomes, clock.now()),
      maxBatch: options.recordBatch ?? 64,
      windowMs: options.recordWindowMs ?? 0,
    });
    // A quarter of the slots, or of one host's slots when a host limit binds first: with one
    // receiver host (a shop) its limit is what frees up.
    const quarter = (n: number) => Math.max(1, Math.floor(n / 4));
    this.batch = Math.min(quarter(options.concurrency), quarter(options.hostConcurrency ?? options.concurrency));
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
    this.unsubscribe = await this.options.queue.subscribe(() => this.notify());
    this.loopDone = this.loop();
  }

  /** New work may be due: look now instead of at the next poll. */
  notify(): void {
    this.wanted = true;
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
    this.ownerHold ??= this.options.queue.holdOwner(this.owner).catch((error: unknown) => {
      this.ownerHold = undefined; // the next claim tries again
      throw error;
    });
    return this.ownerHold;
  }

  /**
   * Takes back dead owners' leases, then parks what of a paused URL became pending since the last
   * tick (an attempt that failed, a new event, a released lease): out of the claim's due indexes
   * until the resume. Parking is one index probe while nothing is paused.
   */
  private async reclaim(): Promise<void> {
    await this.releaseDeadOwners();
    await this.options.queue.parkPaused();
  }

  /**
   * Releases the leases of owners whose liveness lock is free. Skipped while this process's own
   * lock is lost, and once right after it was taken again: whatever cut this process off the
   * database (a server restart) cut the others too, and their locks may not be back yet.
   */
  private async releaseDeadOwners(): Promise<void> {
    const hold = await this.holdOwner();
    this.lastReclaimAt = this.options.clock.now();
    if (!hold.held) return;
    if (hold.acquisitions !== this.acquisitionsSeen) {
      this.acquisitionsSeen = hold.acquisitions;
      return;
    }
    const released = await this.options.queue.releaseDeadOwners(this.owner);
    for (const [owner, deliveries] of released) {
      this.options.logger.info({ owner, deliveries }, 'took back the leases of a dispatcher that is gone');
    }
    if (released.size > 0) this.wakeable.notify();
  }

  private async loop(): Promise<void> {
    const { queue, clock, pollIntervalMs, logger } = this.options;
    const reclaimIntervalMs = this.options.reclaimIntervalMs ?? 5_000;
    while (this.running) {
      try {
        if (clock.now() - this.lastReclaimAt >= reclaimIntervalMs) await this.reclaim();
        const free = this.options.concurrency - this.inflight.size;
        // Claim in batches: one claim per freed slot would cost a statement per callback. New
        // work, an idle dispatcher or the poll claims at once; freed slots wait for a batch of
        // them, but never longer than BATCH_WINDOW_MS, so a free slot does not idle behind slow
        // receivers.
        const sinceClaim = performance.now() - this.lastClaimAt;
        const batched =
          this.freedSinceClaim > 0 && (this.freedSinceClaim >= this.batch || sinceClaim >= BATCH_WINDOW_MS);
        const polled = performance.now() >= this.pollAt;
        let delay: number;
        if (free > 0 && (this.wanted || batched || polled || this.inflight.size === 0)) {
          this.wanted = false;
          this.freedSinceClaim = 0;
          this.lastClaimAt = performance.now();
          const launched = await this.claim(free);
          if (launched.length === free) {
            this.wanted = true; // there may be more due right now
            continue;
          }
          // Less was due than there is room for: sleep until the next due time, or until a
          // finishing attempt or new work wakes the loop.
          const now = clock.now();
          const next = await queue.nextDueAt(now);
          delay = next === null ? pollIntervalMs : Math.min(pollIntervalMs, Math.max(0, next - now));
          this.pollAt = performance.now() + delay;
        } else if (free === 0) {
          delay = pollIntervalMs; // a finishing attempt wakes the loop
        } else if (this.freedSinceClaim > 0) {
          delay = BATCH_WINDOW_MS - sinceClaim;
        } else delay = this.pollAt - performance.now();
        // Never a zero sleep here: it would resolve at once and spin on microtasks.
        await this.wakeable.sleep(Math.max(1, delay));
      } catch (error) {
        logger.error({ err: error }, 'dispatcher loop failed; retrying after the poll interval');
        await this.wakeable.sleep(pollIntervalMs);
      }
    }
  }

  /**
   * Claims and launches up to `limit` due deliveries, none past a host's limit: the claim is
   * told what each busy host has left, so nothing is claimed only to be given back.
   */
  private async claim(limit: number): Promise<ClaimedDelivery[]> {
    const { queue, clock, leaseMs, hostConcurrency } = this.options;
    const token = randomUUID();
    const hostBudgets = new Map<string, number>();
    if (hostConcurrency !== undefined) {
      for (const [host, busy] of this.perHost) hostBudgets.set(host, Math.max(0, hostConcurrency - busy));
    }
    await this.holdOwner();
    const claimed = await queue.claim({
      now: clock.now(),
      limit,
      leaseMs,
      token,
      owner: this.owner,
      hostLimit: hostConcurrency,
      hostBudgets,
    });
    for (const delivery of claimed) {
      this.perHost.set(delivery.host, (this.perHost.get(delivery.host) ?? 0) + 1);
      this.launch(delivery, token);
    }
    return claimed;
  }

  private launch(delivery: ClaimedDelivery, token: string): void {
    const { host } = delivery;
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
        this.freedSinceClaim++;
        this.wakeable.notify();
      });
    this.inflight.set(delivery.id, { token, controller, done });
  }

  private async attempt(delivery: ClaimedDelivery, token: string, signal: AbortSignal): Promise<void> {
    const { queue, sender, clock, schedule, logger } = this.options;
    const attemptNo = delivery.attempts + 1;
    // Every line about an attempt names its delivery. Not a child logger: building one per attempt
    // cost more than the lines it writes.
    const about = { deliveryId: delivery.id, traceId: delivery.traceId, event: delivery.eventType };
    // Read by the claim: a rotated or removed secret applies from the next claim; during a
    // rotation's overlap there are two, and the attempt carries both signatures.
    const secrets = delivery.signingSecrets;
    const startedAt = clock.now();
    const result = await sender.send(
      {
        url: delivery.url,
        body: delivery.body,
        headers: {
          [CALLBACK_HEADERS.event]: delivery.eventType,
          [CALLBACK_HEADERS.eventId]: delivery.eventId,
          [CALLBACK_HEADERS.delivery]: delivery.id,
          [CALLBACK_HEADERS.attempt]: String(attemptNo),
          ...(secrets.length === 0 ? {} : signatureHeaders(secrets, delivery.eventId, startedAt, delivery.body)),
        },
      },
      signal,
    );
    if (signal.aborted) {
      // Shut down mid-attempt: the attempt does not count, the delivery is due again at once.
      await queue.release([delivery.id], token);
      logger.info({ ...about, attemptNo }, 'attempt aborted by shutdown; lease released');
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
      // The headers exactly as the sender sent them (the same object), for the dashboard and the API.
      request: { headers: result.requestHeaders },
    };
    const recorded = await this.recorder.record({ attempt, update, token });
    if (!recorded) {
      logger.warn({ ...about, attemptNo }, 'lease lost before the attempt was recorded; another dispatcher owns it');
      return;
    }
    this.options.onAttempt?.(attempt, delivery, update);
    const fields = {
      ...about,
      attemptNo,
      statusCode: result.statusCode,
      errorClass: result.errorClass,
      latencyMs: result.latencyMs,
    };
    if (update.state === 'exhausted') {
      logger.warn(
        { ...fields, eventId: delivery.eventId, url: urlForLog(delivery.url) },
        'delivery exhausted after the last scheduled attempt',
      );
    } else if (update.state === 'pending')
      logger.info({ ...fields, nextAttemptAt: update.nextAttemptAt }, 'attempt failed');
    // A success is recorded in the store and counted in the metrics; a line per callback at info
    // cost ~45 µs of a callback's CPU (the redaction walk above all). LOG_LEVEL=debug shows them.
    else logger.debug(fields, 'delivered');
  }
}
