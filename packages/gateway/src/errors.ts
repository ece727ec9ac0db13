// The gateway's typed errors. Each says what went wrong as a kind, the caller's next step, and
// nothing of HTTP: the HTTP layer answers each kind one way, from one table (http/error-answers.ts).

/** What went wrong, as the caller acts on it. */
export type ErrorKind =
  | 'parameter'
  | 'notFound'
  | 'conflict'
  | 'unauthorized'
  | 'forbidden'
  | 'rateLimited'
  | 'overloaded'
  | 'unavailable';

export abstract class PayhookError extends Error {
  abstract readonly kind: ErrorKind;
  /** MixPay's code, where it says more than its kind's (an unsupported asset is a 10002 parameter error). */
  readonly code?: number;

  constructor(message: string) {
    super(message);
    // The subclass's own name, in logs and stack traces.
    this.name = new.target.name;
  }
}

/** The base of one kind's errors: each kind below is a class, to throw and catch by name. */
function ofKind<K extends ErrorKind>(kind: K) {
  abstract class OfKind extends PayhookError {
    readonly kind = kind;
  }
  return OfKind;
}

/** Bad input: a field is missing, malformed or out of bounds. Nothing was changed. */
export class ParameterError extends ofKind('parameter') {
  constructor(
    message: string,
    override readonly code?: number,
  ) {
    super(message);
  }
}

/** What was asked for does not exist: a payment, a delivery, a route. */
export class NotFoundError extends ofKind('notFound') {}

/** The request is well formed but conflicts with stored state (duplicate orderId, txid…). */
export class ConflictError extends ofKind('conflict') {}

/** No credentials, or wrong ones: the admin token (bearer) or the dashboard's session cookie. */
export class UnauthorizedError extends ofKind('unauthorized') {}

/** Refused whatever the credentials: from another site, or to a host name this gateway does not answer to. */
export class ForbiddenError extends ofKind('forbidden') {}

/** The client spent its request budget for this window (MixPay's 1429). */
export class RateLimitedError extends ofKind('rateLimited') {}

/**
 * The process is past what it can serve (its event loop lags): refused before any work, so the
 * client may simply retry.
 */
export class OverloadedError extends ofKind('overloaded') {}

/** The gateway cannot take a payment now: its database does not answer, or does not commit. */
export class UnavailableError extends ofKind('unavailable') {}

/** A unique key was taken; the store raises it, the service turns it into a ConflictError. */
export class UniqueViolation extends Error {
  override readonly name = 'UniqueViolation';
  constructor(readonly constraint: 'order' | 'trace' | 'code' | 'txid') {
    super(`unique constraint on ${constraint} violated`);
  }
}
