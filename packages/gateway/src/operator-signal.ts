// Tells an operator what needs a person: a delivery exhausted, an endpoint failing, recovered or
// paused, as JSON POSTs to PAYHOOK_OPERATOR_WEBHOOK_URL signed with Standard Webhooks
// (PAYHOOK_OPERATOR_WEBHOOK_SECRET). Off the dispatcher's path: `notify` queues and returns at
// once; a few senders work the queue, retrying a notice on its short schedule (same webhook-id,
// a fresh timestamp and signature each time). Memory is bounded: past `maxQueued` notices a new
// one is dropped and logged. What happened is recorded elsewhere (the admin API, logs, metrics);
// this only makes sure a person hears of it.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleepFor } from 'node:timers/promises';
import { OPERATOR_SIGNAL_HEADER, type OperatorNotice, signatureHeaders } from '@payhook/protocol';
import { systemClock } from './clock.js';
import { type CallbackSender, UndiciSender } from './delivery/sender.js';
import type { Attempt, Clock, Delivery } from './interfaces.js';
import type { Logger } from './logger.js';
import type { DeliveryUpdate } from './storage/store.js';

export type { DeliveryExhaustedNotice, EndpointNotice, OperatorNotice } from '@payhook/protocol';

/** Short: a notice is worth little if it holds a slot at shutdown for long. */
export const OPERATOR_WEBHOOK_TIMEOUT_MS = 5_000;

/** Delays before each retry of a notice (PAYHOOK_OPERATOR_WEBHOOK_RETRIES' default). */
export const OPERATOR_WEBHOOK_RETRIES_MS: readonly number[] = [1_000, 10_000, 60_000];

/** Notices queued, waiting for a retry or in flight, at most: beyond, new ones are dropped. */
export const OPERATOR_WEBHOOK_MAX_QUEUED = 1_000;

/** Notices POSTed at once: a burst of exhaustions must not flood the operator's endpoint. */
export const OPERATOR_WEBHOOK_CONCURRENCY = 4;

export function exhaustionNotice(attempt: Attempt, delivery: Delivery): OperatorNotice {
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

/** Waits `ms`, or less when `signal` aborts (shutdown: retries go out at once). */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

const sleep: Sleep = (ms, signal) => sleepFor(ms, undefined, { signal }).catch(() => undefined);

export interface OperatorSignalOptions {
  /** Where notices go. */
  url: string;
  /** `whsec_…`: signs every notice (Standard Webhooks). */
  secret: string;
  logger: Logger;
  /** The time each send is signed with (`webhook-timestamp`). */
  clock?: Clock;
  /**
   * Default: an UndiciSender of its own with a short timeout and no SSRF guard (the operator
   * chose this address, which may well be on a private network).
   */
  sender?: CallbackSender;
  /** Delays before each retry; its length is the number of retries. */
  retriesMs?: readonly number[];
  /** How a retry waits (tests answer at once and note the delay). */
  sleep?: Sleep;
  maxQueued?: number;
  concurrency?: number;
  /** The `webhook-id` of a new notice. */
  newId?: () => string;
}

/** One notice on its way: its id (the same on every try) and what it is about, for log lines. */
interface Pending {
  notice: OperatorNotice;
  id: string;
}

export class OperatorSignal {
  private readonly sender: CallbackSender;
  private readonly clock: Clock;
  /** Each notice's whole life: its tries and the waits between them. */
  private readonly lives = new Set<Promise<void>>();
  /** Tries waiting for a free sender. */
  private readonly slots: (() => void)[] = [];
  private sending = 0;
  private closing = false;
  /** Aborted at close: waits for a retry end at once, so every notice gets its last try. */
  private readonly hurry = new AbortController();
  /** Aborts the tries still in flight when shutdown's grace is over. */
  private readonly shutdown = new AbortController();

  constructor(private readonly options: OperatorSignalOptions) {
    this.clock = options.clock ?? systemClock;
    this.sender =
      options.sender ??
      new UndiciSender({ timeoutMs: OPERATOR_WEBHOOK_TIMEOUT_MS, maxAnswerBytes: 16 * 1024, userAgent: 'payhook/0.1' });
  }

  /** For the dispatcher's onAttempt hook: tells of an exhaustion, and returns at once. */
  onAttempt(attempt: Attempt, delivery: Delivery, update: DeliveryUpdate): void {
    if (update.state === 'exhausted') this.notify(exhaustionNotice(attempt, delivery));
  }

  /**
   * Queues `notice` for the operator's webhook and returns at once; any producer may call it
   * (the dispatcher's exhaustions, endpoint health). Dropped, with a log line, when the queue is
   * full or the gateway is shutting down.
   */
  notify(notice: OperatorNotice): void {
    if (this.closing || this.lives.size >= (this.options.maxQueued ?? OPERATOR_WEBHOOK_MAX_QUEUED)) {
      this.log({ notice, id: null }).warn(
        { queued: this.lives.size, closing: this.closing },
        'operator notice dropped: too many notices queued or shutting down',
      );
      return;
    }
    const pending = { notice, id: this.options.newId?.() ?? `ntc_${randomUUID()}` };
    const life: Promise<void> = this.deliver(pending).finally(() => this.lives.delete(life));
    this.lives.add(life);
  }

  /** Notices queued, waiting for a retry or being sent. */
  get pending(): number {
    return this.lives.size;
  }

  /**
   * Shutdown: takes no more notices, sends those waiting for a retry at once (their last try),
   * waits up to `graceMs` for all of them, then aborts the rest and closes the sender.
   */
  async close(graceMs: number): Promise<void> {
    this.closing = true;
    this.hurry.abort();
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([Promise.all([...this.lives]), grace]);
    clearTimeout(timer);
    this.shutdown.abort();
    await Promise.all([...this.lives]);
    await this.sender.close();
  }

  private async deliver(pending: Pending): Promise<void> {
    const retries = this.options.retriesMs ?? OPERATOR_WEBHOOK_RETRIES_MS;
    const log = this.log(pending);
    for (let tryNo = 1; ; tryNo++) {
      const failure = await this.withSlot(() => this.sendOnce(pending));
      if (failure === undefined) {
        log.info({ tryNo }, 'operator webhook told');
        return;
      }
      const delay = retries[tryNo - 1];
      if (delay === undefined || this.closing) {
        log.error({ ...failure, tryNo }, 'operator webhook failed; given up (what it was about is in the admin API)');
        return;
      }
      log.warn({ ...failure, tryNo, retryInMs: delay }, 'operator webhook failed; will retry');
      await (this.options.sleep ?? sleep)(delay, this.hurry.signal);
    }
  }

  /** One signed POST; undefined when a 2xx answered it, else what went wrong. */
  private async sendOnce({ notice, id }: Pending): Promise<Record<string, unknown> | undefined> {
    if (this.shutdown.signal.aborted) return { error: 'aborted by shutdown' };
    const body = JSON.stringify(notice);
    try {
      const result = await this.sender.send(
        {
          url: this.options.url,
          body,
          headers: {
            [OPERATOR_SIGNAL_HEADER]: notice.type,
            ...signatureHeaders(this.options.secret, id, this.clock.now(), body),
          },
        },
        this.shutdown.signal,
      );
      // Any 2xx will do: this is the operator's endpoint, not a MixPay receiver.
      if (result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300) return undefined;
      return { statusCode: result.statusCode, errorClass: result.errorClass, error: result.errorMessage };
    } catch (error) {
      return { err: error };
    }
  }

  /** Runs `send` once one of `concurrency` senders is free. */
  private async withSlot<T>(send: () => Promise<T>): Promise<T> {
    if (this.sending >= (this.options.concurrency ?? OPERATOR_WEBHOOK_CONCURRENCY)) {
      await new Promise<void>((resolve) => this.slots.push(resolve));
    } else {
      this.sending++;
    }
    try {
      return await send();
    } finally {
      // The slot passes straight to the next waiting try, or is freed.
      const next = this.slots.shift();
      if (next) next();
      else this.sending--;
    }
  }

  /** Log lines name the notice and what it is about, and the webhook by its origin only. */
  private log({ notice, id }: { notice: OperatorNotice; id: string | null }): Logger {
    const about =
      notice.type === 'delivery.exhausted'
        ? { deliveryId: notice.deliveryId, traceId: notice.traceId, event: notice.event }
        : { host: notice.host, url: webhookOrigin(notice.url) };
    return this.options.logger.child({
      signal: notice.type,
      ...(id === null ? {} : { noticeId: id }),
      ...about,
      webhook: webhookOrigin(this.options.url),
    });
  }
}
