// Callbacks stop after 10 attempts, and some never arrive. The reconciler polls
// payments_result for orders still waiting after a threshold, inside the API's rate
// limit, and settles them through the same checkOrder the callback handler uses.
import type { Clock } from '@payhook/protocol';
import { type CheckOutcome, checkOrder, type OrderHooks, type ResultSource } from './check-order.js';
import type { WaitingCursor, WritableOrderStore } from './store.js';

export interface ReconcilerOptions {
  store: WritableOrderStore;
  source: ResultSource;
  hooks?: OrderHooks;
  /** Only orders older than this are polled: younger ones still expect their callback. Default 5 min. */
  olderThanMs?: number;
  /** Orders checked per pass. Keep it under the API limit share you give the reconciler. Default 30. */
  batchSize?: number;
  /** Pause between passes when running continuously. Default 60 s. */
  intervalMs?: number;
  now?: Clock['now'];
  onError?: (error: unknown, orderId: string) => unknown;
}

export interface ReconcilePass {
  checked: number;
  /** The reconciler always looks: it never sees `recent`. */
  outcomes: Record<Exclude<CheckOutcome['kind'], 'recent'> | 'error', number>;
}

export class Reconciler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<ReconcilePass> | undefined;
  /** Where the next pass goes on: after the last order checked, so never-ending waits cannot starve the rest. */
  private cursor: WaitingCursor | undefined;

  constructor(private readonly options: ReconcilerOptions) {}

  /** One pass over the oldest waiting orders. Stops early when rate limited. */
  async runOnce(): Promise<ReconcilePass> {
    const { store, source, hooks = {}, olderThanMs = 5 * 60_000, batchSize = 30 } = this.options;
    const now = this.options.now ?? Date.now;
    const outcomes: ReconcilePass['outcomes'] = {
      paid: 0,
      failed: 0,
      suspicious: 0,
      settled: 0,
      paid_less: 0,
      waiting: 0,
      final: 0,
      error: 0,
    };
    const orders = await store.listWaiting(now() - olderThanMs, batchSize, this.cursor);
    let checked = 0;
    let cursor = this.cursor;
    for (const order of orders) {
      try {
        // The reconciler spends only what callbacks and creation leave (see RateLimiter).
        const outcome = await checkOrder(order, { source, store, hooks, now, budget: 'reconcile' });
        if (outcome.kind !== 'recent') outcomes[outcome.kind]++;
      } catch (error) {
        outcomes.error++;
        this.options.onError?.(error, order.orderId);
        if ((error as { name?: string }).name === 'RateLimitedError') break;
      }
      checked++;
      cursor = { createdAt: order.createdAt, orderId: order.orderId };
    }
    // Orders that stay waiting for good (abandoned carts, paylinks never opened) would fill every
    // batch if each pass started from the oldest: the next pass goes on after the last order
    // checked, and starts over from the oldest once a pass reached the end of the list.
    this.cursor = orders.length < batchSize && checked === orders.length ? undefined : cursor;
    return { checked, outcomes };
  }

  /** Runs a pass now and then every `intervalMs`, until stop(). */
  start(): void {
    const tick = () => {
      this.running = this.runOnce().finally(() => {
        this.timer = setTimeout(tick, this.options.intervalMs ?? 60_000);
        this.timer.unref?.();
      });
    };
    tick();
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
    clearTimeout(this.timer);
  }
}
