// Signed callbacks, a payhook opt-in beyond MixPay: Standard Webhooks headers over the exact body.
// Signed here once, for the gateway that sends them and for the kit's test helpers that forge
// them; a receiver verifies with the same library (the merchant kit's signature.ts).
import { Webhook } from 'standardwebhooks';
import { SIGNATURE_HEADERS } from './callback.js';

/**
 * The headers of one callback signed with `secret` (`whsec_…`): `id` becomes `webhook-id`, and
 * the signature covers `id`, the timestamp (`atMs` in whole seconds, as the header carries it) and
 * `body` byte for byte.
 */
export function signatureHeaders(secret: string, id: string, atMs: number, body: string): Record<string, string> {
  const seconds = Math.floor(atMs / 1000);
  return {
    [SIGNATURE_HEADERS.id]: id,
    [SIGNATURE_HEADERS.timestamp]: String(seconds),
    [SIGNATURE_HEADERS.signature]: new Webhook(secret).sign(id, new Date(seconds * 1000), body),
  };
}
