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

/**
 * The headers a payhook gateway adds to every callback. MixPay sends none of them, so a receiver
 * must never need them; `eventId` is the same for every attempt and redelivery of one event.
 */
export const CALLBACK_HEADERS = {
  event: 'x-payhook-event',
  eventId: 'x-payhook-event-id',
  delivery: 'x-payhook-delivery',
  attempt: 'x-payhook-attempt',
} as const;

/** Standard Webhooks' headers, on the callbacks of a payee with a signing secret. */
export const SIGNATURE_HEADERS = {
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
} as const;

/** Names the signal (`delivery.exhausted`) on a POST to the operator's webhook. */
export const OPERATOR_SIGNAL_HEADER = 'x-payhook-signal';

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
