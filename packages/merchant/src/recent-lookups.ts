// What keeps a flood of callbacks from spending the request budget. Anyone can POST a callback
// naming a real order, and each used to cost one payments_result lookup. Two rules bound that
// cost to one lookup per order and window, whatever the number of callbacks:
// - concurrent lookups of the same payment share one request (single flight);
// - an order seen still waiting is not looked up again for `windowMs`: the callback is told
//   "not final, come back", as it would be after a lookup.
// The window is safe because a callback's body is never evidence: the sender retries (MixPay
// after 15 s), and by then the window, counted from when the remembered lookup *started*, has
// passed, so the retry looks again or finds the order already moved by another lookup.
import type { Clock, PaymentResult } from '@payhook/protocol';
import type { Lookup } from './verify.js';

/** Default window: well inside MixPay's 15 s between a callback's first and second attempt. */
export const DEFAULT_LOOKUP_WINDOW_MS = 5_000;

export interface RecentLookupsOptions {
  /** How long "still waiting" is remembered; 0 remembers nothing (lookups are still shared). Default 5 s. */
  windowMs?: number;
  /** At most this many orders are remembered; the oldest are forgotten first. Default 10,000. */
  maxEntries?: number;
  now?: Clock['now'];
}

/** The identity of a lookup: MixPay treats trace ids case-insensitively. */
export function lookupKey(lookup: Lookup): string {
  return 'traceId' in lookup ? `t:${lookup.traceId.toLowerCase()}` : `o:${lookup.payeeId}:${lookup.orderId}`;
}

interface Flight {
  startedAt: number;
  result: Promise<PaymentResult>;
}

export class RecentLookups {
  private readonly inFlight = new Map<string, Flight>();
  /** Key → when the lookup that saw the order still waiting started. Insertion order = age. */
  private readonly waiting = new Map<string, number>();
  private readonly windowMs: number;
  private readonly maxEntries: number;
  private readonly now: Clock['now'];

  constructor(options: RecentLookupsOptions = {}) {
    this.windowMs = options.windowMs ?? DEFAULT_LOOKUP_WINDOW_MS;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.now = options.now ?? Date.now;
    if (!(this.windowMs >= 0)) throw new RangeError(`windowMs must be ≥ 0, not ${this.windowMs}`);
  }

  /**
   * The result of `lookup`, from the request already under way for it (unless `join` is false),
   * or from `request`. Also says when the request started: a "still waiting" sighting is dated by it.
   */
  async get(
    lookup: Lookup,
    request: () => Promise<PaymentResult>,
    { join = true }: { join?: boolean } = {},
  ): Promise<{ result: PaymentResult; startedAt: number }> {
    if (!join) {
      // A callback proven to come from the sender may be about a payment that succeeded after the
      // request under way started: it asks again rather than share an answer that may predate it.
      const startedAt = this.now();
      return { result: await request(), startedAt };
    }
    const key = lookupKey(lookup);
    let flight = this.inFlight.get(key);
    if (!flight) {
      const started: Flight = { startedAt: this.now(), result: request() };
      flight = started;
      this.inFlight.set(key, started);
      // Removed when it ends, either way: a failed lookup is not remembered, the next one tries again.
      started.result.then(
        () => this.inFlight.delete(key),
        () => this.inFlight.delete(key),
      );
    }
    return { result: await flight.result, startedAt: flight.startedAt };
  }

  /** Whether the order was seen still waiting less than `windowMs` ago. */
  seenWaiting(lookup: Lookup): boolean {
    const key = lookupKey(lookup);
    const at = this.waiting.get(key);
    if (at === undefined) return false;
    if (this.now() - at < this.windowMs) return true;
    this.waiting.delete(key);
    return false;
  }

  /** A lookup that started at `startedAt` found the order still waiting. */
  noteWaiting(lookup: Lookup, startedAt: number): void {
    if (this.windowMs === 0) return;
    const key = lookupKey(lookup);
    const previous = this.waiting.get(key);
    if (previous !== undefined && previous >= startedAt) return;
    this.waiting.delete(key);
    this.waiting.set(key, startedAt);
    while (this.waiting.size > this.maxEntries) {
      const oldest = this.waiting.keys().next();
      if (oldest.done) break;
      this.waiting.delete(oldest.value);
    }
  }

  /** The order moved (paid, failed, settled…): nothing about it is remembered any more. */
  forget(lookup: Lookup): void {
    this.waiting.delete(lookupKey(lookup));
  }
}
