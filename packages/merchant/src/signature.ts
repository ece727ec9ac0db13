// Verifies signed callbacks (Standard Webhooks: `webhook-id`, `webhook-timestamp`,
// `webhook-signature`), an opt-in of payhook gateways beyond MixPay. A valid signature only says
// the gateway sent these bytes recently; the handler still looks the payment up and checks it.
// The clock is a parameter, so the timestamp tolerance is testable.
import { SIGNATURE_HEADERS } from '@payhook/protocol';
import { Webhook } from 'standardwebhooks';

/** Standard Webhooks' default: a signature older or newer than this is refused (replay window). */
export const DEFAULT_SIGNATURE_TOLERANCE_MS = 5 * 60_000;

export type SignatureVerdict = { ok: true } | { ok: false; reason: string };

export type SignatureVerifier = (headers: Headers, body: string, nowMs: number) => SignatureVerdict;

/**
 * Builds a verifier for one or more secrets (`whsec_…`); several accept callbacks signed with
 * any of them, which is how a shop rotates without refusing anything.
 *
 * @example
 * const verify = createSignatureVerifier(process.env.PAYHOOK_SIGNING_SECRET!);
 * if (!verify(request.headers, rawBody, Date.now()).ok) return new Response(null, { status: 401 });
 */
export function createSignatureVerifier(
  secrets: string | readonly string[],
  toleranceMs = DEFAULT_SIGNATURE_TOLERANCE_MS,
): SignatureVerifier {
  const list = typeof secrets === 'string' ? [secrets] : [...secrets];
  if (list.length === 0) throw new TypeError('signingSecret: give at least one secret');
  const keys = list.map((secret, i) => {
    try {
      return new Webhook(secret);
    } catch {
      // Never echo the secret: this message may end up in a log.
      throw new TypeError(`signingSecret #${i + 1} is not a Standard Webhooks secret (whsec_ and base64)`);
    }
  });
  if (!Number.isFinite(toleranceMs) || toleranceMs < 0) throw new TypeError('signatureToleranceMs must be >= 0');

  return (headers, body, nowMs) => {
    const id = headers.get(SIGNATURE_HEADERS.id);
    const timestamp = headers.get(SIGNATURE_HEADERS.timestamp);
    const signature = headers.get(SIGNATURE_HEADERS.signature);
    if (!id || !timestamp || !signature) return { ok: false, reason: 'missing signature headers' };
    if (id.length > 256 || !/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'malformed signature headers' };
    const seconds = Number(timestamp);
    if (Math.abs(nowMs - seconds * 1000) > toleranceMs) {
      return { ok: false, reason: 'timestamp outside the tolerance (stale or replayed)' };
    }
    const presented = signature
      .split(' ')
      .filter((s) => s.startsWith('v1,'))
      .map((s) => s.slice(3));
    for (const key of keys) {
      const expected = key.sign(id, new Date(seconds * 1000), body).slice(3);
      if (presented.some((p) => constantTimeEqual(p, expected))) return { ok: true };
    }
    return { ok: false, reason: 'no matching signature' };
  };
}

/** Compares without stopping at the first difference (the lengths are not secret). */
function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
