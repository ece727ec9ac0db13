// MixPay's API as a typed client. Every answer is validated at the boundary: a malformed
// or hostile answer is a MixPayResponseError, never a crash and never a wrong "paid".
import {
  type CreateOneTimePaymentRequest,
  type CreatePaymentRequest,
  type createOneTimePaymentRequest,
  type createPaymentRequest,
  decodeEnvelope,
  ErrorCode,
  oneTimePaymentAnswer,
  type PaymentInfo,
  type PaymentResult,
  paymentInfoAnswer,
  paymentResultAnswer,
  type ResultInclude,
} from '@payhook/protocol';
import { fetch as undiciFetch } from 'undici';
import type { z } from 'zod';
import { MixPayApiError, MixPayNetworkError, MixPayResponseError, RateLimitedError } from './errors.js';
import { type Budget, type BudgetReserves, type LimiterClock, RateLimiter, realLimiterClock } from './rate-limiter.js';
import type { Lookup } from './verify.js';

export const MIXPAY_API_BASE = 'https://api.mixpay.me/v1';

type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface MixPayClientOptions {
  /** `https://api.mixpay.me/v1` by default; a payhook gateway's `…/v1` works the same. */
  baseUrl?: string;
  /** Total deadline of one request. Default 10 s. */
  timeoutMs?: number;
  /** MixPay's limit per client. Default 60. */
  requestsPerMinute?: number;
  /**
   * How much of that limit callbacks and the reconciler must leave to the higher priorities
   * (creation, then callbacks). Default: 10 and 10 of 60.
   */
  reserved?: BudgetReserves;
  /** Longest wait for the local limiter before failing fast with RateLimitedError. Default 5 s. */
  maxRateLimitWaitMs?: number;
  /** Extra tries of idempotent reads after a network error. Default 2. */
  readRetries?: number;
  /** Answers larger than this are refused. Default 1 MiB. */
  maxAnswerBytes?: number;
  /** Where one-time payment codes are paid, when the API does not say. Default `https://mixpay.me/code/`. */
  checkoutBaseUrl?: string;
  /** Any fetch: undici's by default; a runtime's own on Next.js, Workers, Deno. */
  fetch?: FetchLike;
  clock?: LimiterClock;
}

export type { PaymentInfo };

export interface OneTimePayment {
  code: string;
  /** The checkout link to send the payer to (and back to, after an underpayment). */
  paymentUrl: string;
  /** The payment's traceId: at MixPay the code itself (§3.3). Store it on the order. */
  traceId: string;
}

/** Parameters as the caller writes them; amounts are decimal strings. */
export type CreatePaymentParams = z.input<typeof createPaymentRequest>;
export type CreateOneTimePaymentParams = z.input<typeof createOneTimePaymentRequest>;

/** How a read is made: which share of the request budget it spends (default `callback`). */
export interface ReadOptions {
  budget?: Budget;
}

export class MixPayClient {
  readonly baseUrl: string;
  private readonly limiter: RateLimiter;
  private readonly fetch: FetchLike;

  constructor(private readonly options: MixPayClientOptions = {}) {
    this.baseUrl = (options.baseUrl ?? MIXPAY_API_BASE).replace(/\/+$/, '');
    this.limiter = new RateLimiter(
      options.requestsPerMinute ?? 60,
      options.clock ?? realLimiterClock,
      options.reserved,
    );
    this.fetch = options.fetch ?? (undiciFetch as unknown as FetchLike);
  }

  /** `POST /payments`. Not retried: a retry could create a second payment. */
  async createPayment(params: CreatePaymentParams | CreatePaymentRequest): Promise<PaymentInfo> {
    return this.call('POST', '/payments', paymentInfoAnswer, formBody(params), 'create');
  }

  /** `POST /one_time_payment`: a code and the link the payer opens. */
  async createOneTimePayment(
    params: CreateOneTimePaymentParams | CreateOneTimePaymentRequest,
  ): Promise<OneTimePayment> {
    const data = await this.call(
      'POST',
      '/one_time_payment',
      oneTimePaymentAnswer,
      formBody({ isTemp: 1, ...params }),
      'create',
    );
    const base = this.options.checkoutBaseUrl ?? 'https://mixpay.me/code/';
    return {
      code: data.code,
      // MixPay answers only `{code}`, and the code is the traceId (the one sent, or a new one).
      traceId: data.traceId ?? data.code,
      paymentUrl: data.paymentUrl ?? `${base}${data.code}`,
    };
  }

  /** `GET /payments_result`, the only place a result may be learnt from. Retried on network errors. */
  async getPaymentResult(
    lookup: Lookup,
    include: readonly ResultInclude[] = ['payment'],
    options: ReadOptions = {},
  ): Promise<PaymentResult> {
    const query = new URLSearchParams('traceId' in lookup ? { traceId: lookup.traceId } : lookup);
    if (include.length > 0) query.set('with', include.join(','));
    return this.read(`/payments_result?${query}`, paymentResultAnswer, options.budget);
  }

  /** `GET /payments_info`. */
  async getPaymentsInfo(traceId: string, options: ReadOptions = {}): Promise<PaymentInfo> {
    return this.read(`/payments_info?${new URLSearchParams({ traceId })}`, paymentInfoAnswer, options.budget);
  }

  private async read<T extends z.ZodType>(path: string, schema: T, budget: Budget = 'callback'): Promise<z.output<T>> {
    const retries = this.options.readRetries ?? 2;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.call('GET', path, schema, undefined, budget);
      } catch (error) {
        if (!(error instanceof MixPayNetworkError) || attempt >= retries) throw error;
      }
    }
  }

  private async call<T extends z.ZodType>(
    method: 'GET' | 'POST',
    path: string,
    schema: T,
    body: URLSearchParams | undefined,
    budget: Budget,
  ): Promise<z.output<T>> {
    if (!(await this.limiter.acquire(this.options.maxRateLimitWaitMs ?? 5_000, budget))) {
      throw new RateLimitedError(this.limiter.waitFor(budget), 'local');
    }
    let res: Response;
    let text: string;
    try {
      res = await this.fetch(`${this.baseUrl}${path}`, {
        method,
        headers: body
          ? { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }
          : { accept: 'application/json' },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
      text = await readCapped(res, this.options.maxAnswerBytes ?? 1024 * 1024);
    } catch (error) {
      if (error instanceof MixPayResponseError) throw error;
      throw new MixPayNetworkError(`${method} ${path}: ${(error as Error).message}`, { cause: error });
    }
    const excerpt = text.slice(0, 200);
    // HTTP 429 is a rate limit whatever the body says (a proxy in front may answer it in HTML).
    if (res.status === 429) throw this.rateLimited(res);
    if (res.status >= 300 && res.status < 400) {
      throw new MixPayResponseError(
        `${method} ${path}: redirect (HTTP ${res.status}) not followed`,
        res.status,
        excerpt,
      );
    }
    // The envelope is read whatever the status: MixPay may send a business error with a 200.
    const answer = decodeEnvelope(res.status, text);
    if (answer.kind === 'malformed') {
      throw new MixPayResponseError(`${method} ${path}: ${answer.reason}`, res.status, excerpt);
    }
    if (answer.kind === 'error') {
      if (answer.code === ErrorCode.rateLimited) throw this.rateLimited(res);
      throw new MixPayApiError(answer.code, answer.message, res.status);
    }
    const data = schema.safeParse(answer.data);
    if (!data.success) {
      const issues = data.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      throw new MixPayResponseError(`${method} ${path}: unexpected data (${issues})`, res.status, excerpt);
    }
    return data.data;
  }

  /** The server said 1429: nobody sends until its window has passed. */
  private rateLimited(res: Response): RateLimitedError {
    const retryAfter = retryAfterMs(res);
    this.limiter.pause(retryAfter);
    return new RateLimitedError(retryAfter, 'server');
  }
}

function formBody(params: object): URLSearchParams {
  const body = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null) body.set(key, String(value));
  }
  return body;
}

/** MixPay's window is a minute; Retry-After or the reset header narrow it when present. */
function retryAfterMs(res: Response): number {
  const retryAfter = Number(res.headers.get('retry-after'));
  if (Number.isFinite(retryAfter) && retryAfter > 0) return retryAfter * 1000;
  const reset = Number(res.headers.get('x-ratelimit-reset'));
  if (Number.isFinite(reset) && reset > 0 && reset < 3600) return reset * 1000;
  return 60_000;
}

async function readCapped(res: Response, cap: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > cap) {
      await reader.cancel();
      throw new MixPayResponseError(`answer larger than ${cap} bytes`, res.status, '');
    }
    chunks.push(value);
  }
  const decoder = new TextDecoder();
  return chunks.map((c) => decoder.decode(c, { stream: true })).join('') + decoder.decode();
}
