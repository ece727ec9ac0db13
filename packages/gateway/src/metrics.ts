// Prometheus metrics of one gateway, on its own registry: several gateways in one process (the
// tests) never share or clash, and nothing else in the process writes into it. Attempts are
// counted as this process's dispatcher records them; the queue is read from the store at scrape
// time, so every process reports the database's truth rather than its own share of it.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Attempt, Delivery } from './interfaces.js';
import { type Logger, silentLogger } from './logger.js';
import type { AdminQueries, DeliveryUpdate, QueueDepth } from './storage/store.js';

/** The names operators alert on; README "Operations" lists them. */
export const METRIC = {
  attempts: 'payhook_delivery_attempts_total',
  exhausted: 'payhook_deliveries_exhausted_total',
  attemptDuration: 'payhook_delivery_attempt_duration_seconds',
  lateness: 'payhook_delivery_lateness_seconds',
  queueDepth: 'payhook_delivery_queue_depth',
  storeUp: 'payhook_store_up',
  attemptsUnrecorded: 'payhook_delivery_attempts_unrecorded',
  requestDuration: 'payhook_http_request_duration_seconds',
  attemptsPruned: 'payhook_attempts_pruned_total',
} as const;

/** The route label of a request no route matched: one series, whatever URLs scanners try. */
export const UNMATCHED_ROUTE = '(unmatched)';

export interface GatewayMetricsOptions {
  store: Pick<AdminQueries, 'queueDepth'>;
  /** Finished attempts of this process not committed yet (the dispatcher's group commit). */
  unrecordedAttempts?: () => number;
  logger?: Logger;
}

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly attempts: Counter<'outcome' | 'error_class'>;
  private readonly exhausted: Counter<'event'>;
  private readonly attemptDuration: Histogram<'outcome'>;
  private readonly lateness: Histogram;
  private readonly requestDuration: Histogram<'method' | 'route' | 'status_code'>;
  private readonly attemptsPruned: Counter;

  constructor(options: GatewayMetricsOptions) {
    const registers = [this.registry];
    const logger = options.logger ?? silentLogger;
    this.attempts = new Counter({
      name: METRIC.attempts,
      help: 'Callback attempts recorded by this process, by outcome (success, failure) and error class (none on success).',
      labelNames: ['outcome', 'error_class'],
      registers,
    });
    this.exhausted = new Counter({
      name: METRIC.exhausted,
      help: 'Deliveries that failed their last scheduled attempt in this process, by event.',
      labelNames: ['event'],
      registers,
    });
    this.attemptDuration = new Histogram({
      name: METRIC.attemptDuration,
      help: 'Duration of one callback attempt, connect to last byte, by outcome.',
      labelNames: ['outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.lateness = new Histogram({
      name: METRIC.lateness,
      help: 'How late an attempt started against its scheduled due time.',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900],
      registers,
    });
    this.requestDuration = new Histogram({
      name: METRIC.requestDuration,
      help: 'HTTP API answers, by method, route template and status code.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.attemptsPruned = new Counter({
      name: METRIC.attemptsPruned,
      help: "Attempts older than the retention pruned by this process (each delivery's last attempt is kept).",
      registers,
    });
    // One query per scrape, shared by the two gauges that report it (collected concurrently).
    let reading: Promise<QueueDepth | undefined> | undefined;
    const readQueue = () => {
      reading ??= options.store
        .queueDepth()
        .catch((error: unknown) => {
          logger.warn({ err: error }, 'metrics: could not read the delivery queue');
          return undefined;
        })
        .finally(() => {
          reading = undefined;
        });
      return reading;
    };
    const unrecorded = options.unrecordedAttempts ?? (() => 0);
    new Gauge({
      name: METRIC.attemptsUnrecorded,
      help: 'Finished attempts of this process waiting for the transaction that records them.',
      registers,
      collect() {
        this.set(unrecorded());
      },
    });
    new Gauge({
      name: METRIC.storeUp,
      help: '1 when this scrape could read the delivery queue from the database, else 0.',
      registers,
      async collect() {
        this.set((await readQueue()) ? 1 : 0);
      },
    });
    new Gauge({
      name: METRIC.queueDepth,
      help: 'Deliveries by queue state: due (pending, not attempted yet), retrying (pending after a failure), exhausted.',
      labelNames: ['state'],
      registers,
      // Without a database there is no depth to report: the series disappear and
      // payhook_store_up says why, rather than repeating the last values as if current.
      async collect() {
        const depth = await readQueue();
        if (depth === undefined) {
          this.reset();
          return;
        }
        this.set({ state: 'due' }, depth.notTriedYet);
        this.set({ state: 'retrying' }, depth.retrying);
        this.set({ state: 'exhausted' }, depth.exhausted);
      },
    });
  }

  /** Counts a recorded attempt (the dispatcher's onAttempt). */
  recordAttempt(attempt: Attempt, delivery: Pick<Delivery, 'eventType'>, update: DeliveryUpdate): void {
    const outcome = attempt.success ? 'success' : 'failure';
    this.attempts.inc({ outcome, error_class: attempt.errorClass ?? 'none' });
    this.attemptDuration.observe({ outcome }, attempt.latencyMs / 1000);
    // A claim never starts before the due time; clamp clock skew between processes to zero.
    this.lateness.observe(Math.max(0, attempt.startedAt - attempt.dueAt) / 1000);
    if (update.state === 'exhausted') this.exhausted.inc({ event: delivery.eventType });
  }

  /** Counts attempts the retention pruner deleted. */
  recordPruned(count: number): void {
    this.attemptsPruned.inc(count);
  }

  /** Times an HTTP answer; `route` is the route template (`/admin/deliveries/:id`), never the raw URL. */
  recordRequest(method: string, route: string, statusCode: number, seconds: number): void {
    this.requestDuration.observe({ method, route, status_code: String(statusCode) }, seconds);
  }

  /** The exposition text and its content type, for GET /metrics. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
