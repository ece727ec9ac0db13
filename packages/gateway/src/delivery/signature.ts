// Signed callbacks, beyond MixPay: a payee that has a signing secret gets every callback with
// Standard Webhooks headers, so its receiver can tell our POSTs from anybody else's before it
// spends a payments_result lookup. The body is unchanged; signing never replaces that lookup.
import { randomBytes } from 'node:crypto';
import { SIGNATURE_HEADERS } from '@payhook/protocol';
import { Webhook } from 'standardwebhooks';

/** A fresh secret in Standard Webhooks' form: `whsec_` and 32 random bytes in base64. */
export function generateSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * The headers of one signed attempt. `id` is the event id, so every retry and redelivery of an
 * event carries the same `webhook-id` (the receiver's idempotency key); the timestamp is the
 * attempt's own, so a retry hours later is not refused as stale.
 */
export function signatureHeaders(secret: string, id: string, atMs: number, body: string): Record<string, string> {
  const seconds = Math.floor(atMs / 1000);
  return {
    [SIGNATURE_HEADERS.id]: id,
    [SIGNATURE_HEADERS.timestamp]: String(seconds),
    [SIGNATURE_HEADERS.signature]: new Webhook(secret).sign(id, new Date(seconds * 1000), body),
  };
}
