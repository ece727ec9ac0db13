// The attempt pruner (issue 13, retention): in the dispatcher role, every interval, it deletes the
// attempts that ended longer ago than the retention — each delivery's last attempt kept, deliveries
// untouched (domain/retention.ts) — in bounded batches, one transaction each, yielding between them
// so the SQLite writer is never held for long; then SQLite gives the freed pages back to the file
// system, a bounded incremental vacuum at a time. The cursor and the counts live in the database
// (storage/sql/retention.ts), so a restart continues where the last pass stopped, and several
// gateways on one PostgreSQL database take batches in turn instead of repeating each other's.
import type { RetentionPass } from '@payhook/protocol';
import { retentionCutoff } from './domain/retention.js';
import type { Clock } from './interfaces.js';
import type { Logger } from './logger.js';
import type { Store } from './storage/store.js';
import { Wakeable } from './wakeable.js';

export interface RetentionOptions {
  store: Pick<Store, 'retention'>;
  clock: Clock;
  /** Attempts that ended longer ago than this are pruned; 0 keeps every attempt. */
  retentionMs: number;
  /** From the start of one pass to the next. */
  intervalMs: number;
  /** Attempts looked at per transaction. */
  batchSize: number;
  /** Most pages one incremental vacuum gives back (SQLite). Default 1024: 4 MiB at 4 KiB pages. */
  vacuumPages?: number;
  logger: Logger;
  /** Told how many attempts each batch pruned (metrics). */
  onPruned?: (count: number) => void;
}

/** Lets the event loop run what waited (requests, the group commit) between two batches. */
const yieldTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export class AttemptPruner {
  private readonly wakeable = new Wakeable();
  private running = false;
  private stopping = false;
  private loopDone: Promise<void> | null = null;

  constructor(private readonly options: RetentionOptions) {}

  /** Whether passes run at all (a retention of 0 keeps everything). */
  get enabled(): boolean {
    return this.options.retentionMs > 0;
  }

  start(): void {
    if (this.running || !this.enabled) return;
    this.running = true;
    this.stopping = false;
    this.loopDone = this.loop();
  }

  /** Stops after the batch in progress, if any. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.running = false;
    this.wakeable.notify();
    await this.loopDone;
  }

  /**
   * Prunes everything older than the retention now, batch after batch; resolves to the pass, or
   * null when retention is off or another gateway was pruning and this one found nothing to do.
   */
  async runPass(): Promise<RetentionPass | null> {
    const { store, clock, batchSize, logger } = this.options;
    const vacuumPages = this.options.vacuumPages ?? 1024;
    const startedAt = clock.now();
    const cutoff = retentionCutoff(startedAt, this.options.retentionMs);
    if (cutoff === null) return null;
    let pruned = 0;
    let reclaimedPages = 0;
    let batches = 0;
    let busy = false;
    for (;;) {
      const batch = await store.retention.pruneBatch(cutoff, batchSize);
      if (!batch) {
        busy = true;
        break;
      }
      batches++;
      if (batch.pruned > 0) {
        pruned += batch.pruned;
        this.options.onPruned?.(batch.pruned);
        reclaimedPages += (await store.retention.reclaimSpace(vacuumPages)).reclaimed;
      }
      if (!batch.more || this.stopping) break;
      await yieldTurn();
    }
    // What the batches left free, a bounded vacuum at a time.
    while (!this.stopping) {
      const space = await store.retention.reclaimSpace(vacuumPages);
      reclaimedPages += space.reclaimed;
      if (space.free === 0 || space.reclaimed === 0) break;
      await yieldTurn();
    }
    const pass: RetentionPass = { startedAt, endedAt: clock.now(), cutoff, pruned, reclaimedPages };
    if (busy && pruned === 0) {
      logger.debug({ cutoff }, 'attempt retention: another gateway is pruning');
      return null;
    }
    await store.retention.recordPass(pass);
    logger.info({ ...pass, batches }, 'attempt retention pass');
    return pass;
  }

  private async loop(): Promise<void> {
    const { intervalMs, logger } = this.options;
    while (this.running) {
      try {
        await this.runPass();
      } catch (error) {
        logger.error({ err: error }, 'attempt retention pass failed; trying again after the interval');
      }
      if (this.running) await this.wakeable.sleep(intervalMs);
    }
  }
}
