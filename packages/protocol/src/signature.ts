// Signed callbacks, a payhook opt-in beyond MixPay: Standard Webhooks headers over the exact body.
// Signed here once, for the gateway that sends them (callbacks and operator notices) and for the
// kit's test helpers that forge them; a receiver verifies with the same library (the merchant
// kit's signature.ts).
import { Webhook } from 'standardwebhooks';
import { SIGNATURE_HEADERS } from './callback.js';

/**
 * The headers of one callback signed with `secrets` (`whsec_…`, one, or several while a secret is
 * rotated): `id` becomes `webhook-id`, and each signature covers `id`, the timestamp (`atMs` in
 * whole seconds, as the header carries it) and `body` byte for byte. Several secrets give one
 * `webhook-signature` header listing a `v1,…` signature per secret, in order, space-separated, as
 * Standard Webhooks allows: a receiver that knows any one of them accepts the callback.
 *
 * @example
 * signatureHeaders([newSecret, oldSecret], eventId, Date.now(), body)['webhook-signature'] // 'v1,… v1,…'
 */
export function signatureHeaders(
  secrets: string | readonly string[],
  id: string,
  atMs: number,
  body: string,
): Record<string, string> {
  const seconds = Math.floor(atMs / 1000);
  const at = new Date(seconds * 1000);
  const list = typeof secrets === 'string' ? [secrets] : secrets;
  if (list.length === 0) throw new TypeError('signatureHeaders: give at least one secret');
  return {
    [SIGNATURE_HEADERS.id]: id,
    [SIGNATURE_HEADERS.timestamp]: String(seconds),
    [SIGNATURE_HEADERS.signature]: list.map((secret) => new Webhook(secret).sign(id, at, body)).join(' '),
  };
}
