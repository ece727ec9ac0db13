// Sandbox controls: feed the ingestion path with transfers and confirmations, as a chain
// watcher would in production, and pull a payment's timers forward.
import { okEnvelope, positiveAmount, type SandboxAsset, type TransferAnswer, traceIdSchema } from '@payhook/protocol';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { apiRoute } from '../api-route.js';
import type { HttpContext } from '../context.js';
import { traceParams, txidParams } from '../params.js';
import { presentResult } from '../present.js';

const confirmationsField = z.number().int().min(0).max(1_000_000);

const transferBody = z
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

const confirmationsBody = z.object({ confirmations: confirmationsField });

export async function sandboxRoutes(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const { payments, catalog, clock } = ctx;
  const all = ['payment', 'transactions'] as const;

  apiRoute(
    app,
    {
      method: 'POST',
      url: '/v1/sandbox/transfers',
      tag: 'sandbox',
      summary: 'Feed a transfer to a payment (default: the rest of what is owed, fully confirmed)',
      description: "traceId, code, or an on-chain payment's destination (and tag) is required.",
      body: transferBody,
      notFound: true,
    },
    async ({ body }) => {
      const { transfer, state } = await payments.receiveTransfer(body);
      return okEnvelope<TransferAnswer>({ transfer, result: presentResult(state, all, ctx) }, clock.now());
    },
  );

  apiRoute(
    app,
    {
      method: 'POST',
      url: '/v1/sandbox/transfers/:txid/confirmations',
      tag: 'sandbox',
      summary: "Set a transfer's confirmations",
      params: txidParams,
      body: confirmationsBody,
      example: { confirmations: 1 },
      notFound: true,
    },
    async ({ params: { txid }, body: { confirmations } }) => {
      const state = await payments.addConfirmations(txid, confirmations);
      return okEnvelope(presentResult(state, all, ctx), clock.now());
    },
  );

  /** Runs a payment's timer now instead of when it is due. */
  const runNow = (timer: 'expire' | 'settle', summary: string) =>
    apiRoute(
      app,
      {
        method: 'POST',
        url: `/v1/sandbox/payments/:traceId/${timer}`,
        tag: 'sandbox',
        summary,
        params: traceParams,
        notFound: true,
      },
      async ({ params: { traceId } }) => {
        const change = await payments.forceTimer(traceId, timer);
        return okEnvelope(presentResult(change.next, all, ctx), clock.now());
      },
    );
  /** "Let it expire": the deadline is now, whatever expiredTimestamp said. */
  runNow('expire', "Run a payment's deadline now");
  /** Settle now instead of after the settlement delay. */
  runNow('settle', 'Settle a successful payment now');

  apiRoute(app, { method: 'GET', url: '/v1/sandbox/assets', tag: 'sandbox', summary: 'The sandbox assets' }, async () =>
    okEnvelope<SandboxAsset[]>(catalog.list(), clock.now()),
  );
}
