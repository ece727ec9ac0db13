// MixPay's JSON envelope: every answer, success or error, has this shape.

/** Error codes MixPay documents, and the ones payhook uses. */
export const ErrorCode = {
  ok: 0,
  serverError: -1,
  notFound: 404,
  insufficientPermissions: 2000,
  parameterError: 10011,
  legacyParameterError: 1017,
  rateLimited: 1429,
  unsupportedAsset: 10002,
  unsupportedQuoteAsset: 10003,
  /** A multisig threshold larger than its number of members. */
  thresholdExceedsMembers: 10041,
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface Envelope<T> {
  code: number;
  success: boolean;
  message: string;
  data: T;
  timestampMs: number;
}

export function okEnvelope<T>(data: T, timestampMs: number): Envelope<T> {
  return { code: ErrorCode.ok, success: true, message: '', data, timestampMs };
}

/** MixPay answers errors with an empty array as `data`. */
export function errorEnvelope(code: number, message: string, timestampMs: number): Envelope<[]> {
  return { code, success: false, message, data: [], timestampMs };
}
