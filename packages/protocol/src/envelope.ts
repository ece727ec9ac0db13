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

// ---------------------------------------------------------------------------------------------
// Reading an answer: one decoder for every client (the merchant kit, the CLI)

/** An envelope as received: `code` an integer and `success` a boolean (§1.1); `data` as sent. */
export interface ReceivedEnvelope {
  code: number;
  success: boolean;
  /** `""` when absent or not a string. */
  message: string;
  data?: unknown;
}

/** An answer's body, read as MixPay's envelope before any rule about success is applied. */
export type ParsedEnvelope =
  | { kind: 'envelope'; envelope: ReceivedEnvelope }
  | { kind: 'not_json' }
  /** JSON, but not an envelope (a proxy's error object, an array). */
  | { kind: 'not_envelope' };

/** `code` (an integer) and `success` (a boolean) make an envelope; MixPay always sends both (§1.1). */
export function parseEnvelope(body: string): ParsedEnvelope {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { kind: 'not_json' };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { kind: 'not_envelope' };
  const { code, success, message } = json as Record<string, unknown>;
  if (typeof code !== 'number' || !Number.isInteger(code) || typeof success !== 'boolean') {
    return { kind: 'not_envelope' };
  }
  return {
    kind: 'envelope',
    envelope: { ...(json as object), code, success, message: typeof message === 'string' ? message : '' },
  };
}

/** What an answer means, before its `data` is looked at. */
export type EnvelopeVerdict =
  /** 2xx, `success: true`, `code: 0`: `data` is the payload. */
  | { kind: 'ok'; data: unknown }
  /** A business or transport error: MixPay's code, or the HTTP status when there is no envelope. */
  | { kind: 'error'; code: number; message: string }
  /** A 2xx answer that is no MixPay envelope at all (a captive portal, a proxy's page). */
  | { kind: 'malformed'; reason: string };

/**
 * MixPay's success rule, whatever the HTTP status (§1.2): MixPay may answer a business error
 * with 200 and `success: false`, or with a 4xx/5xx and the envelope. Failure is `success !== true`,
 * `code != 0` or a non-2xx status. A non-2xx answer without an envelope (a 502 page) is an error
 * whose code is the HTTP status, as pandodao/mixpay-go does. `data` is not read on errors (it is `[]`).
 */
export function judgeEnvelope(httpStatus: number, parsed: ParsedEnvelope): EnvelopeVerdict {
  const ok = httpStatus >= 200 && httpStatus < 300;
  if (parsed.kind !== 'envelope') {
    if (!ok) return { kind: 'error', code: httpStatus, message: `HTTP ${httpStatus} without a MixPay envelope` };
    return {
      kind: 'malformed',
      reason:
        parsed.kind === 'not_json' ? `answer is not JSON (HTTP ${httpStatus})` : 'answer is not a MixPay envelope',
    };
  }
  const { envelope } = parsed;
  if (ok && envelope.success && envelope.code === 0) {
    return 'data' in envelope
      ? { kind: 'ok', data: envelope.data }
      : { kind: 'malformed', reason: 'envelope without data' };
  }
  // A contradictory envelope (code 0 with success false, or code 0 under a 5xx) still failed:
  // it keeps the HTTP status as its code, or -1 ("server error, retry later") under a 2xx.
  const code = envelope.code !== 0 ? envelope.code : ok ? -1 : httpStatus;
  const message =
    envelope.message || (!envelope.success ? 'success is false' : ok ? `code ${code}` : `HTTP ${httpStatus}`);
  return { kind: 'error', code, message };
}

/** An answer's body and status, decoded in one step: `judgeEnvelope(status, parseEnvelope(body))`. */
export function decodeEnvelope(httpStatus: number, body: string): EnvelopeVerdict {
  return judgeEnvelope(httpStatus, parseEnvelope(body));
}
