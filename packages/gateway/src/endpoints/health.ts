// Endpoint health, kept off the dispatcher's path: the dispatcher's onAttempt hook hands each
// recorded attempt here and returns at once; attempts gather for up to `windowMs` (and while the
// previous batch is written) and are folded into their endpoints' rows in one store call per
// batch, one batch at a time.
// What changed (failing, recovered, paused) goes to the transition listeners (operator notices).

import type { EndpointAttempt, EndpointTransition, HealthThresholds } from '../domain/endpoint-health.js';
import type { Attempt, Clock, Delivery } from '../interfaces.js';
import { type Logger, urlForLog } from '../logger.js';
import type { DeliveryUpdate, EndpointStore } from '../storage/store.js';

export type { EndpointTransition } from '../domain/endpoint-health.js';
export type TransitionListener = (transition: EndpointTransition) => void;

export interface EndpointHealthOptions {
  store: EndpointStore;
  clock: Clock;
  thresholds: HealthThresholds;
  logger: Logger;
  /** Most attempts in one store call (default 500). */
  maxBatch?: number;
  /**
   * How long the first attempt of a batch waits for others (default 100 ms): health is read by
   * people, so a tenth of a second costs nothing, and a batch of hundreds costs a few µs an
   * attempt where one of a few costs a transaction each (bench figures in the notes).
   */
  windowMs?: number;
}

export class EndpointHealth {
  private queue: EndpointAttempt[] = [];
  private writing: Promise<void> | undefined;
  private scheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<TransitionListener>();

  constructor(private readonly options: EndpointHealthOptions) {}

  /** For the dispatcher's onAttempt hook: queues the attempt and returns at once. */
  onAttempt(attempt: Attempt, delivery: Delivery & { host?: string }, _update?: DeliveryUpdate): void {
    this.queue.push({
      url: delivery.url,
      host: delivery.host ?? new URL(delivery.url).host,
      success: attempt.success,
      endedAt: attempt.endedAt,
      errorClass: attempt.errorClass,
      statusCode: attempt.statusCode,
      errorMessage: attempt.errorMessage,
    });
    this.schedule();
  }

  /** Writes the queue after the window, unless a write is due or running (it takes what gathered). */
  private schedule(): void {
    if (this.scheduled || this.writing) return;
    this.scheduled = true;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.scheduled = false;
      void this.drain();
    }, this.options.windowMs ?? 100);
    // A timer that is the only thing left must not keep a stopping process alive; stop() flushes.
    this.timer.unref();
  }

  /** Told of every transition, after its batch is committed; returns an unsubscribe function. */
  onTransition(listener: TransitionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Attempts not written yet. */
  get pending(): number {
    return this.queue.length;
  }

  /** Resolves once every attempt queued so far is written, without waiting for the window (shutdown, tests). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.scheduled = false;
    while (this.writing || this.queue.length > 0) await (this.writing ?? this.drain());
  }

  private drain(): Promise<void> {
    this.writing ??= this.write().finally(() => {
      this.writing = undefined;
      // What gathered during the write is written after the window.
      if (this.queue.length > 0) this.schedule();
    });
    return this.writing;
  }

  /**
   * Writes one batch, and more only while full batches wait: what gathers meanwhile waits for the
   * window again, so a busy gateway writes a few large batches rather than many small ones.
   */
  private async write(): Promise<void> {
    const { store, clock, thresholds, logger } = this.options;
    const maxBatch = this.options.maxBatch ?? 500;
    for (let first = true; this.queue.length > 0 && (first || this.queue.length >= maxBatch); first = false) {
      const batch = this.queue.splice(0, maxBatch);
      let transitions: EndpointTransition[];
      try {
        transitions = await store.recordAttempts(batch, clock.now(), thresholds);
      } catch (error) {
        // Health is a view of the attempts, which are recorded already: the next attempts correct it.
        logger.warn({ err: error, attempts: batch.length }, 'endpoint health not recorded for a batch of attempts');
        continue;
      }
      for (const transition of transitions) {
        logger.info(
          { url: urlForLog(transition.url), consecutiveFailures: transition.consecutiveFailures },
          transition.type,
        );
        for (const listener of this.listeners) {
          try {
            listener(transition);
          } catch (error) {
            logger.error({ err: error }, 'endpoint transition listener failed');
          }
        }
      }
    }
  }
}
