// Sandbox controls: feed the ingestion path with transfers and confirmations, as a chain
// watcher would in production, and pull a payment's timers forward.
import { okEnvelope, positiveAmount, traceIdSchema } from '@payhook/protocol';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { HttpContext } from '../context.js';
import { presentResult } from '../present.js';
import { parseInput } from '../validate.js';

const confirmationsField = z.number().int().min(0).max(1_000_000);

export const transferBody = z
  .object({
    traceId: traceIdSchema.optional(),
    code: z.string().min(1).max(64).optional(),
    /** An on-chain payment's deposit address (`destination` of its info), and its `tag` if it has one. */
    destination: z.string().min(1).max(128).optional(),
    tag: z.string().max(32).optional(),
    txid: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[A-Za-z0-9_.:-]+$/, 'must be letters, digits and _.:-')
      .optional(),
    amount: positiveAmount.optional(),
    assetId: z.string().min(1).max(64).optional(),
    confirmations: confirmationsField.optional(),
  })
  .refine((b) => b.traceId !== undefined || b.code !== undefined || b.destination !== undefined, {
    message: 'traceId, code or destination is required',
    path: ['traceId'],
  });

export const confirmationsBody = z.object({ confirmations: confirmationsField });
export const txidParams = z.object({ txid: z.string().min(1).max(128) });
export const traceParams = z.object({ traceId: traceIdSchema });

export async function sandboxRoutes(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const { payments, catalog, clock } = ctx;
  const all = ['payment', 'transactions'] as const;

  app.post('/v1/sandbox/transfers', async (request) => {
    const body = parseInput(transferBody, request.body);
    const { transfer, state } = await payments.receiveTransfer(body);
    return okEnvelope({ transfer, result: presentResult(state, all, ctx) }, clock.now());
  });

  app.post('/v1/sandbox/transfers/:txid/confirmations', async (request) => {
    const { txid } = parseInput(txidParams, request.params);
    const { confirmations } = parseInput(confirmationsBody, request.body);
    const state = await payments.addConfirmations(txid, confirmations);
    return okEnvelope(presentResult(state, all, ctx), clock.now());
  });

  /** "Let it expire": the deadline is now, whatever expiredTimestamp said. */
  app.post('/v1/sandbox/payments/:traceId/expire', async (request) => {
    const { traceId } = parseInput(traceParams, request.params);
    const change = await payments.forceTimer(traceId, 'expire');
    return okEnvelope(presentResult(change.next, all, ctx), clock.now());
  });

  /** Settle now instead of after the settlement delay. */
  app.post('/v1/sandbox/payments/:traceId/settle', async (request) => {
    const { traceId } = parseInput(traceParams, request.params);
    const change = await payments.forceTimer(traceId, 'settle');
    return okEnvelope(presentResult(change.next, all, ctx), clock.now());
  });

  app.get('/v1/sandbox/assets', async () => okEnvelope(catalog.list(), clock.now()));
}
