// Signed callbacks, beyond MixPay: a payee that has a signing secret gets every callback with
// Standard Webhooks headers, so its receiver can tell our POSTs from anybody else's before it
// spends a payments_result lookup. The body is unchanged; signing never replaces that lookup.
// The dispatcher signs each attempt with protocol's signatureHeaders (shared with the kit's test
// helpers): the event id as `webhook-id`, the same for every retry and redelivery of an event (the
// receiver's idempotency key), and the attempt's own time, so a retry hours later is not stale.
import { randomBytes } from 'node:crypto';

/** A fresh secret in Standard Webhooks' form: `whsec_` and 32 random bytes in base64. */
export function generateSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}
