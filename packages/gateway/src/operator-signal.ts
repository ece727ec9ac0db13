// Tells an operator that a delivery is exhausted: a JSON POST to PAYHOOK_OPERATOR_WEBHOOK_URL.
// Best effort and off the dispatcher's path: the delivery is already recorded as exhausted (and
// counted, and logged); this only makes sure a person hears of it. A notice that cannot be sent
// is logged, never retried, and never holds up a callback.
import { OPERATOR_SIGNAL_HEADER } from '@payhook/protocol';
import { type CallbackSender, UndiciSender } from './delivery/sender.js';
import type { Attempt, AttemptErrorClass, Delivery } from './interfaces.js';
import type { Logger } from './logger.js';
import type { DeliveryUpdate } from './storage/store.js';

/** Short: a notice is worth little if it holds a slot at shutdown for long. */
export const OPERATOR_WEBHOOK_TIMEOUT_MS = 5_000;

/** The body POSTed to the operator webhook. Times are epoch milliseconds, as in the admin API. */
export interface ExhaustionNotice {
  type: 'delivery.exhausted';
  deliveryId: string;
  eventId: string;
  traceId: string;
  event: string;
  /** The merchant's callbackUrl that kept failing. */
  url: string;
  attempts: number;
  lastError: { errorClass: AttemptErrorClass | null; statusCode: number | null; message: string | null };
  /** When the last attempt ended. */
  at: number;
}

export function exhaustionNotice(attempt: Attempt, delivery: Delivery): ExhaustionNotice {
  return {
    type: 'delivery.exhausted',
    deliveryId: delivery.id,
    eventId: delivery.eventId,
    traceId: delivery.traceId,
    event: delivery.eventType,
    url: delivery.url,
    attempts: attempt.attemptNo,
    lastError: { errorClass: attempt.errorClass, statusCode: attempt.statusCode, message: attempt.errorMessage },
    at: attempt.endedAt,
  };
}

/** The webhook's origin only: its path or query may hold a secret (a chat service's hook token). */
export function webhookOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid url)';
  }
}

export interface OperatorSignalOptions {
  /** Where notices go. */
  url: string;
  logger: Logger;
  /**
   * Default: an UndiciSender of its own with a short timeout and no SSRF guard (the operator
   * chose this address, which may well be on a private network).
   */
  sender?: CallbackSender;
}

export class OperatorSignal {
  private readonly inflight = new Set<Promise<void>>();
  private readonly sender: CallbackSender;
  /** Aborts notices still in flight when shutdown's grace is over. */
  private readonly shutdown = new AbortController();

  constructor(private readonly options: OperatorSignalOptions) {
    this.sender =
      options.sender ??
      new UndiciSender({ timeoutMs: OPERATOR_WEBHOOK_TIMEOUT_MS, maxAnswerBytes: 16 * 1024, userAgent: 'payhook/0.1' });
  }

  /** For the dispatcher's onAttempt hook: acts on exhaustion only and returns at once. */
  onAttempt(attempt: Attempt, delivery: Delivery, update: DeliveryUpdate): void {
    if (update.state !== 'exhausted') return;
    const sending: Promise<void> = this.send(exhaustionNotice(attempt, delivery)).finally(() =>
      this.inflight.delete(sending),
    );
    this.inflight.add(sending);
  }

  /** Notices still being sent. */
  get pending(): number {
    return this.inflight.size;
  }

  /** Waits up to `graceMs` for notices in flight, aborts the rest and closes the sender (shutdown). */
  async close(graceMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([Promise.all([...this.inflight]), grace]);
    clearTimeout(timer);
    this.shutdown.abort();
    await Promise.all([...this.inflight]);
    await this.sender.close();
  }

  private async send(notice: ExhaustionNotice): Promise<void> {
    const log = this.options.logger.child({
      deliveryId: notice.deliveryId,
      traceId: notice.traceId,
      event: notice.event,
      webhook: webhookOrigin(this.options.url),
    });
    try {
      const result = await this.sender.send(
        {
          url: this.options.url,
          body: JSON.stringify(notice),
          headers: { [OPERATOR_SIGNAL_HEADER]: notice.type },
        },
        this.shutdown.signal,
      );
      // Any 2xx will do: this is the operator's endpoint, not a MixPay receiver.
      if (result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300) {
        log.info({ statusCode: result.statusCode }, 'operator webhook told of the exhausted delivery');
        return;
      }
      log.error(
        { statusCode: result.statusCode, errorClass: result.errorClass, error: result.errorMessage },
        'operator webhook failed; the exhausted delivery is still listed in the admin API',
      );
    } catch (error) {
      log.error({ err: error }, 'operator webhook failed; the exhausted delivery is still listed in the admin API');
    }
  }
}
