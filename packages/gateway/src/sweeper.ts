// The sweeper runs the payments' own timers: deadlines (40000 overtime) and settlement.
// The due times live in the store, so a restart picks up exactly where the last run stopped.
import type { Clock } from './interfaces.js';
import type { Logger } from './logger.js';
import type { PaymentService } from './payments.js';
import type { Store } from './storage/store.js';
import { Wakeable } from './wakeable.js';

export interface SweeperOptions {
  store: Store;
  payments: PaymentService;
  clock: Clock;
  pollIntervalMs: number;
  logger: Logger;
  batchSize?: number;
}

export class Sweeper {
  private readonly wakeable = new Wakeable();
  private running = false;
  /** When the sleeping loop will look again (clock time); null while it is working. */
  private wakeAt: number | null = null;
  private loopDone: Promise<void> | null = null;

  constructor(private readonly options: SweeperOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  /**
   * Tells the sweeper a timer is due at `dueAt`. It wakes only when that is earlier than it
   * would look anyway: every payment with a deadline calls this, and at a steady API load a
   * wake per payment cost two queries per create for nothing.
   */
  notify(dueAt: number): void {
    if (this.wakeAt !== null && dueAt >= this.wakeAt) return;
    this.wakeable.notify();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wakeable.notify();
    await this.loopDone;
  }

  /** Applies every timer due now; returns how many payments it moved. */
  async runDue(): Promise<number> {
    const { store, payments, clock, logger } = this.options;
    const limit = this.options.batchSize ?? 100;
    let total = 0;
    // A timer that changes nothing would be found due again; never take one twice in a pass.
    const seen = new Set<string>();
    for (;;) {
      const due = (await store.payments.dueWork(clock.now(), limit)).filter(
        (w) => !seen.has(`${w.reason}:${w.traceId}`),
      );
      if (due.length === 0) return total;
      for (const work of due) {
        seen.add(`${work.reason}:${work.traceId}`);
        try {
          await payments.runTimer(work.traceId, work.reason);
          total++;
        } catch (error) {
          logger.error({ err: error, traceId: work.traceId, reason: work.reason }, 'payment timer failed');
          return total;
        }
      }
    }
  }

  private async loop(): Promise<void> {
    const { store, clock, pollIntervalMs, logger } = this.options;
    while (this.running) {
      try {
        await this.runDue();
        const now = clock.now();
        const next = await store.payments.nextWorkAt(now);
        const ms = next === null ? pollIntervalMs : Math.min(pollIntervalMs, Math.max(0, next - now));
        this.wakeAt = now + ms;
        await this.wakeable.sleep(ms);
        this.wakeAt = null;
      } catch (error) {
        logger.error({ err: error }, 'sweeper loop failed; retrying after the poll interval');
        await this.wakeable.sleep(pollIntervalMs);
      }
    }
  }
}
