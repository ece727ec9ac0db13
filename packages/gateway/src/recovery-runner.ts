// Runs recoveries in bounded batches, one transaction each, under a lease on the recovery row.
// Every gateway process runs one, whatever its role: it takes a recovery requested here or on
// another gateway, and one left running by a crashed process (its lease expired, or its owner's
// liveness lock is free), and goes on from the stored cursor. A batch is fenced on the lease, so
// two gateways on one database never run the same recovery, and none is taken twice.
import { randomUUID } from 'node:crypto';
import type { Recovery, RetrySchedule } from '@payhook/protocol';
import { newLeaseOwnerId } from './delivery/lease-owner.js';
import { redelivery } from './domain/outbox.js';
import { scopeSelection } from './domain/recovery.js';
import type { Clock, Delivery } from './interfaces.js';
import type { Logger } from './logger.js';
import type { LeaseOwnerHold, RecoveryPlan, Store } from './storage/store.js';
import { Wakeable } from './wakeable.js';

export interface RecoveryRunnerOptions {
  store: Store;
  clock: Clock;
  schedule: RetrySchedule;
  /** Deliveries per batch (one transaction). */
  batchSize: number;
  pollIntervalMs: number;
  /** How long a batch's lease holds the recovery; a crashed runner's is taken after this at the latest. */
  leaseMs?: number;
  /** How often to look for recoveries held by runners that are gone (also on start). Default 5 s. */
  reclaimIntervalMs?: number;
  /** Called after a batch made deliveries due now, to wake this process's dispatcher. */
  onDue?: () => void;
  logger: Logger;
  newId?: () => string;
}

/** Batches of one recovery that may fail in a row before it is marked failed. */
const FAILURES_BEFORE_GIVING_UP = 3;

export class RecoveryRunner {
  /** This runner's lease owner id, vouched for by a liveness lock while it holds a recovery. */
  readonly owner = newLeaseOwnerId();
  private readonly wakeable = new Wakeable();
  private readonly leaseMs: number;
  private readonly newId: () => string;
  private running = false;
  private stopping = false;
  private loopDone: Promise<void> | null = null;
  private hold: Promise<LeaseOwnerHold> | undefined;
  private lastReclaimAt = Number.NEGATIVE_INFINITY;
  private readonly inline = new Set<Promise<unknown>>();

  constructor(private readonly options: RecoveryRunnerOptions) {
    this.leaseMs = options.leaseMs ?? 30_000;
    this.newId = options.newId ?? randomUUID;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  /** A recovery was requested: look now instead of at the next poll. */
  notify(): void {
    this.wakeable.notify();
  }

  /** Lets the batch under way finish, gives the recovery back (still running) and lets the lock go. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.running = false;
    this.wakeable.notify();
    await this.loopDone;
    await Promise.allSettled([...this.inline]);
    const hold = this.hold;
    this.hold = undefined;
    await hold?.then((h) => h.release()).catch(() => {});
  }

  /**
   * Takes every recovery free to run now and runs each to its end (or until stopped). For tests
   * on a hand-moved clock, and for one-shot tools.
   */
  async runDue(): Promise<number> {
    let ran = 0;
    for (let r = await this.claimNext(); r !== undefined && !this.stopping; r = await this.claimNext()) {
      await this.run(r);
      ran++;
    }
    return ran;
  }

  /**
   * Records `recovery` already held by this runner and runs it to its end in the caller's time,
   * calling `onCreated` with each batch's redeliveries. Resolves to the recovery as it ended.
   */
  async runHere(recovery: Recovery, onCreated: (created: Delivery[]) => void): Promise<Recovery> {
    await this.ownerHold();
    const { store, clock } = this.options;
    const scope = scopeSelection(recovery.selection, recovery.action, recovery.requestedAt);
    const held = await store.recoveries.create(recovery, scope, {
      owner: this.owner,
      until: clock.now() + this.leaseMs,
    });
    const work = this.run(held, onCreated);
    this.inline.add(work);
    try {
      return await work;
    } finally {
      this.inline.delete(work);
    }
  }

  private ownerHold(): Promise<LeaseOwnerHold> {
    this.hold ??= this.options.store.queue.holdOwner(this.owner).catch((error: unknown) => {
      this.hold = undefined;
      throw error;
    });
    return this.hold;
  }

  private async claimNext(): Promise<Recovery | undefined> {
    const { store, clock, logger } = this.options;
    const now = clock.now();
    if (now - this.lastReclaimAt >= (this.options.reclaimIntervalMs ?? 5_000)) {
      this.lastReclaimAt = now;
      const released = await store.recoveries.releaseDeadOwners(this.owner, now);
      if (released > 0) logger.info({ recoveries: released }, 'took back recoveries of a gateway that is gone');
    }
    // The lock first: a lease must never name an owner nobody vouches for.
    await this.ownerHold();
    return store.recoveries.claim(clock.now(), this.owner, this.leaseMs);
  }

  /** Runs batches of a recovery this runner holds until it is done, the lease is lost, or the runner stops. */
  private async run(recovery: Recovery, onCreated?: (created: Delivery[]) => void): Promise<Recovery> {
    const { store, clock, schedule, batchSize, logger, onDue } = this.options;
    const about = { recoveryId: recovery.id, action: recovery.action };
    const selection = scopeSelection(recovery.selection, recovery.action, recovery.requestedAt);
    const plan: RecoveryPlan =
      recovery.action === 'retry_now'
        ? { action: 'retry_now' }
        : {
            action: 'redeliver',
            // Made at the request's instant or later: outside the snapshot, never taken again.
            redeliver: (original) =>
              redelivery(original, { now: clock.now(), schedule, newId: this.newId }, recovery.newUrl ?? original.url),
          };
    let current = recovery;
    let failures = 0;
    logger.info({ ...about, matched: recovery.matched, cursor: recovery.cursor }, 'recovery running');
    while (current.state === 'running') {
      if (this.stopping) {
        await store.recoveries.release(current.id, this.owner).catch(() => {});
        logger.info({ ...about, processed: current.processed }, 'recovery given back at shutdown');
        return current;
      }
      try {
        const now = clock.now();
        const result = await store.recoveries.runBatch(current.id, {
          limit: batchSize,
          selection,
          plan,
          now,
          owner: this.owner,
          leaseMs: this.leaseMs,
        });
        if (!result) {
          logger.warn(about, 'recovery lease lost; another gateway runs it now');
          return (await store.recoveries.get(current.id)) ?? current;
        }
        failures = 0;
        current = result.recovery;
        if (result.created.length > 0) onCreated?.(result.created);
        if (result.created.length > 0 || result.madeDue.length > 0) onDue?.();
      } catch (error) {
        failures++;
        logger.error({ ...about, err: error, failures }, 'recovery batch failed');
        if (failures >= FAILURES_BEFORE_GIVING_UP) {
          const message = error instanceof Error ? error.message : String(error);
          await store.recoveries.fail(current.id, this.owner, clock.now(), message).catch(() => {});
          return (await store.recoveries.get(current.id)) ?? current;
        }
        await this.wakeable.sleep(this.options.pollIntervalMs);
      }
    }
    logger.info(
      { ...about, processed: current.processed, skipped: current.skipped, matched: current.matched },
      'recovery done',
    );
    return current;
  }

  private async loop(): Promise<void> {
    const { pollIntervalMs, logger } = this.options;
    while (this.running) {
      try {
        if ((await this.runDue()) === 0) await this.wakeable.sleep(pollIntervalMs);
      } catch (error) {
        logger.error({ err: error }, 'recovery loop failed; retrying after the poll interval');
        await this.wakeable.sleep(pollIntervalMs);
      }
    }
  }
}
