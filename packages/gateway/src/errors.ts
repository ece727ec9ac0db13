// The gateway's typed errors. Each carries MixPay's error code and an HTTP status;
// the HTTP layer maps them to the envelope in exactly one place (http/error-handler.ts).
import { ErrorCode } from '@payhook/protocol';

export abstract class PayhookError extends Error {
  abstract readonly code: number;
  abstract readonly httpStatus: number;
}

/** Bad input: a field is missing, malformed or out of bounds. Nothing was changed. */
export class ParameterError extends PayhookError {
  override readonly name = 'ParameterError';
  readonly httpStatus = 400;
  constructor(
    message: string,
    readonly code: number = ErrorCode.parameterError,
  ) {
    super(message);
  }
}

export class NotFoundError extends PayhookError {
  override readonly name = 'NotFoundError';
  readonly code = ErrorCode.notFound;
  readonly httpStatus = 404;
}

/** The request is well formed but conflicts with stored state (duplicate orderId, txid…). */
export class ConflictError extends PayhookError {
  override readonly name = 'ConflictError';
  readonly code = ErrorCode.parameterError;
  readonly httpStatus = 409;
}

/** No credentials, or wrong ones: the admin token (bearer) or the dashboard's session cookie. */
export class UnauthorizedError extends PayhookError {
  override readonly name = 'UnauthorizedError';
  readonly code = ErrorCode.insufficientPermissions;
  readonly httpStatus = 401;
}

/** Refused whatever the credentials: from another site, or to a host name this gateway does not answer to. */
export class ForbiddenError extends PayhookError {
  override readonly name = 'ForbiddenError';
  readonly code = ErrorCode.insufficientPermissions;
  readonly httpStatus = 403;
}

/** The client spent its request budget for this window (MixPay's 1429). */
export class RateLimitedError extends PayhookError {
  override readonly name = 'RateLimitedError';
  readonly code = ErrorCode.rateLimited;
  readonly httpStatus = 429;
}

/**
 * The process is past what it can serve (its event loop lags): refused before any work, so the
 * client may simply retry. Same envelope code as a spent budget, with HTTP 503.
 */
export class OverloadedError extends PayhookError {
  override readonly name = 'OverloadedError';
  readonly code = ErrorCode.rateLimited;
  readonly httpStatus = 503;
}

/** A unique key was taken; the store raises it, the service turns it into a ConflictError. */
export class UniqueViolation extends Error {
  override readonly name = 'UniqueViolation';
  constructor(readonly constraint: 'order' | 'trace' | 'code' | 'txid') {
    super(`unique constraint on ${constraint} violated`);
  }
}
