// Rate limits per client IP. @fastify/rate-limit does the HTTP part (the x-ratelimit-* and
// retry-after headers, refusing over the limit); the counting is ours, in the Store, so every
// gateway process on one database spends one shared budget. Windows are fixed and aligned on the
// clock (a new one starts every minute), which makes them identical in every process.
import rateLimit, { type FastifyRateLimitStore, normalizeIP } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify';
import { RateLimitedError } from '../errors.js';
import type { Clock } from '../interfaces.js';
import type { Store } from '../storage/store.js';

export const RATE_WINDOW_MS = 60_000;
/** Control routes (admin, sandbox, dashboard) get this many times the public budget. */
export const CONTROL_FACTOR = 10;

export interface RateLimitOptions {
  store: Store;
  clock: Clock;
  /** Requests per client and minute on the public API; 0 turns limiting off. */
  perMinute: number;
  onError?: (error: unknown) => void;
}

/** One onRequest hook per budget; absent when limiting is off. */
export interface RateLimitHooks {
  /** The public MixPay API and the checkout pages. */
  api?: onRequestHookHandler;
  /** Admin, sandbox-control and dashboard routes: their own, larger budget. */
  control?: onRequestHookHandler;
}

/**
 * The plugin's store contract, over our Store: count the request in the current fixed window
 * (one atomic upsert) and say how long the window has left. Past windows are deleted once per
 * window by each process, in the background.
 */
export function storeCounter({ store, clock, onError }: RateLimitOptions): new () => FastifyRateLimitStore {
  let expiredBefore = 0;
  return class StoreCounter implements FastifyRateLimitStore {
    incr(
      key: string,
      callback: (error: Error | null, result?: { current: number; ttl: number }) => void,
      timeWindow: number,
    ) {
      const now = clock.now();
      const windowStart = Math.floor(now / timeWindow) * timeWindow;
      if (windowStart > expiredBefore) {
        expiredBefore = windowStart;
        // The previous window is kept: a process whose clock lags a little still counts in it.
        store.requestCounts.expire(windowStart - timeWindow).catch((error: unknown) => onError?.(error));
      }
      store.requestCounts.count(key, windowStart).then(
        (current) => callback(null, { current, ttl: windowStart + timeWindow - now }),
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
      );
    }
    child(): FastifyRateLimitStore {
      return this;
    }
  };
}

export async function installRateLimits(app: FastifyInstance, options: RateLimitOptions): Promise<RateLimitHooks> {
  if (options.perMinute === 0) return {};
  await app.register(rateLimit, {
    // Only the scopes given a hook below are limited (health checks and assets are not).
    global: false,
    timeWindow: RATE_WINDOW_MS,
    store: storeCounter(options),
    // A database hiccup must not turn every request away: count nothing and let it through.
    skipOnError: true,
    errorResponseBuilder: (_request, context) =>
      new RateLimitedError(
        `Too many requests: at most ${context.max} a minute per client; retry in ${Math.ceil(context.ttl / 1000)} s`,
      ),
  });
  // IPv6 clients are counted per /64, as the plugin does: one host usually holds a whole /64.
  const hook = (budget: string, max: number) =>
    app.rateLimit({
      max,
      keyGenerator: (request: FastifyRequest) => `${budget}:${normalizeIP(request.ip)}`,
    }) as unknown as onRequestHookHandler;
  return {
    api: hook('api', options.perMinute),
    control: hook('control', options.perMinute * CONTROL_FACTOR),
  };
}
