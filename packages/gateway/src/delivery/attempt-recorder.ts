// Group commit for attempts: outcomes that end close together are written in one transaction.
//
// One transaction per attempt costs a commit (an fsync) per callback; here an outcome waits for
// the others of its event-loop turn (or `windowMs`), and while one batch is being written the next
// gathers, so the batch size follows the load with no timer to tune: one outcome when idle, up to
// `maxBatch` when busy. An attempt counts as recorded only once its batch is committed: a crash
// before that loses the record, never the delivery — its lease expires and it is sent again.
import type { AttemptOutcome } from '../storage/store.js';

export interface AttemptRecorderOptions {
  /** Writes outcomes in one transaction; resolves, per outcome in order, whether its lease still held. */
  write: (outcomes: readonly AttemptOutcome[]) => Promise<boolean[]>;
  /** Most outcomes in one transaction. */
  maxBatch: number;
  /** Longest the first outcome of a batch waits for others; 0: until the end of this event-loop turn. */
  windowMs: number;
}

interface Queued {
  outcome: AttemptOutcome;
  resolve: (held: boolean) => void;
  reject: (error: unknown) => void;
}

export class AttemptRecorder {
  private queue: Queued[] = [];
  private writing = false;
  private writingCount = 0;
  private scheduled = false;

  constructor(private readonly options: AttemptRecorderOptions) {}

  /** Resolves once the outcome is committed: true, or false if its lease was lost meanwhile. */
  record(outcome: AttemptOutcome): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.queue.push({ outcome, resolve, reject });
      this.schedule();
    });
  }

  /** Outcomes not committed yet: waiting for their batch, or in the batch being written. */
  get pending(): number {
    return this.queue.length + this.writingCount;
  }

  private schedule(): void {
    if (this.writing || this.scheduled) return;
    if (this.queue.length >= this.options.maxBatch) {
      void this.write();
      return;
    }
    this.scheduled = true;
    const flush = () => {
      this.scheduled = false;
      if (!this.writing) void this.write();
    };
    if (this.options.windowMs > 0) setTimeout(flush, this.options.windowMs);
    else setImmediate(flush);
  }

  private async write(): Promise<void> {
    const batch = this.queue.splice(0, this.options.maxBatch);
    if (batch.length === 0) return;
    this.writing = true;
    this.writingCount = batch.length;
    try {
      const held = await this.options.write(batch.map((q) => q.outcome));
      batch.forEach((q, i) => {
        q.resolve(held[i] === true);
      });
    } catch (error) {
      for (const q of batch) q.reject(error);
    } finally {
      this.writing = false;
      this.writingCount = 0;
    }
    // What gathered meanwhile has waited long enough: write it now.
    if (this.queue.length > 0) void this.write();
  }
}
