// The callback itself: its exact body and the rule that decides whether a receiver accepted it.

/** The body MixPay POSTs: identifiers only, no status and no amount, on purpose. */
export interface CallbackBody {
  orderId: string;
  traceId: string;
  payeeId: string;
}

/** Serialises the body with MixPay's key order; nothing else may be added. */
export function serializeCallbackBody(body: CallbackBody): string {
  return JSON.stringify({ orderId: body.orderId, traceId: body.traceId, payeeId: body.payeeId });
}

/** What a receiver answers to accept a callback. */
export const CALLBACK_ACK = { code: 'SUCCESS' } as const;

export type CallbackVerdict =
  | { accepted: true }
  | { accepted: false; reason: 'bad_status' | 'not_json' | 'wrong_code' };

/**
 * The success rule: HTTP 200 and a JSON object whose `code` is exactly `"SUCCESS"`.
 * Anything else (`"success"`, a 201, a redirect, HTML) is a failure to retry.
 */
export function judgeCallbackAnswer(statusCode: number, bodyText: string): CallbackVerdict {
  if (statusCode !== 200) return { accepted: false, reason: 'bad_status' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText);
  } catch {
    return { accepted: false, reason: 'not_json' };
  }
  if (typeof parsed === 'object' && parsed !== null && (parsed as { code?: unknown }).code === 'SUCCESS') {
    return { accepted: true };
  }
  return { accepted: false, reason: 'wrong_code' };
}
