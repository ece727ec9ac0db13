// The kit's typed errors, built in one place. Each says what happened and whether
// trying again later can help.

export abstract class MixPayError extends Error {
  /** Whether the same request may succeed later (network trouble, rate limit, server error). */
  abstract readonly retryable: boolean;
}

/** MixPay answered with `success: false`. */
export class MixPayApiError extends MixPayError {
  override readonly name = 'MixPayApiError';
  readonly retryable: boolean;
  constructor(
    readonly code: number,
    message: string,
    readonly httpStatus: number,
  ) {
    super(`MixPay error ${code}: ${message}`);
    this.retryable = code === -1 || httpStatus >= 500;
  }
}

/** MixPay (or the local limiter) says: too many requests. */
export class RateLimitedError extends MixPayError {
  override readonly name = 'RateLimitedError';
  readonly retryable = true;
  constructor(
    readonly retryAfterMs: number,
    readonly source: 'server' | 'local',
  ) {
    super(`rate limited (${source}); retry in ${Math.ceil(retryAfterMs / 1000)} s`);
  }
}

/** No usable answer: DNS, refused, reset, TLS, timeout. */
export class MixPayNetworkError extends MixPayError {
  override readonly name = 'MixPayNetworkError';
  readonly retryable = true;
}

/** An answer that is not what MixPay's API promises: never trusted, never a crash. */
export class MixPayResponseError extends MixPayError {
  override readonly name = 'MixPayResponseError';
  readonly retryable = true;
  constructor(
    message: string,
    readonly httpStatus: number,
    readonly excerpt: string,
  ) {
    super(message);
  }
}
