// The path parameters several routes share, declared once: the routes parse them and the API
// document (openapi.ts) shows them from the same declaration (api-route.ts).
import { payeeIdSchema, traceIdSchema } from '@payhook/protocol';
import { z } from 'zod';

/** `:traceId`: a payment. */
export const traceParams = z.object({ traceId: traceIdSchema });

/** `:id`: a delivery. */
export const idParams = z.object({ id: z.string().min(1).max(64) });

/** `:payeeId`: a payee (its signing secret). */
export const payeeParams = z.object({ payeeId: payeeIdSchema });

/** `:txid`: a transfer. */
export const txidParams = z.object({ txid: z.string().min(1).max(128) });

/** `:mixinId`: a Mixin number. */
export const mixinParams = z.object({
  mixinId: z.string().regex(/^\d{1,20}$/, 'must be a Mixin number (digits only)'),
});
