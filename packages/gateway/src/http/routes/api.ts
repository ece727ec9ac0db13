// MixPay's public API: create payments (a re-sent request refreshes its payment), one-time
// payments, read results and info, and the asset and user look-ups MixPay's clients make.
import {
  createOneTimePaymentRequest,
  createPaymentRequest,
  okEnvelope,
  type PaymentsResultQuery,
  paymentsResultQuery,
  refreshPaymentRequest,
  traceIdSchema,
} from '@payhook/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { USDT_ID } from '../../domain/assets.js';
import type { PaymentState } from '../../domain/lifecycle.js';
import { NotFoundError } from '../../errors.js';
import { apiRoute } from '../api-route.js';
import type { HttpContext } from '../context.js';
import { installMixPayJson, requestInput } from '../mixpay-input.js';
import { type PresentContext, presentInfo, presentResult } from '../present.js';
import { settingRoutes } from './settings.js';

const paymentsInfoQuery = z
  .object({
    traceId: traceIdSchema.optional(),
    /** payhook extension: a one-time code (which is the traceId for every payment made since codes are). */
    code: z.string().min(1).max(64).optional(),
    clientId: z.string().optional(),
  })
  .refine((q) => q.traceId !== undefined || q.code !== undefined, {
    message: 'traceId is required',
    path: ['traceId'],
  });

/** A dashed lower-case UUID: what traceIdSchema leaves exactly as it is (normalizeId is a no-op). */
const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The common read, `?traceId=<canonical UUID>` with no other parameter and no body, whose parse
 * can only give `{ traceId }` and the schema's defaults: it is taken as it is. Anything else, bad
 * input included, goes through the schema, so every error is the schema's own.
 */
function plainTraceId<D extends object>(defaults: D) {
  return (request: FastifyRequest) => {
    if (request.body !== undefined) return undefined;
    const query = request.query as Record<string, unknown>;
    for (const name in query) if (name !== 'traceId') return undefined;
    const traceId = query.traceId;
    if (typeof traceId !== 'string' || !CANONICAL_UUID.test(traceId)) return undefined;
    return { query: { traceId, ...defaults }, params: undefined, body: undefined };
  };
}

/** `with` absent: neither the payment nor its transactions. */
const NO_INCLUDES: PaymentsResultQuery['with'] = [];

const EXAMPLE_PAYMENT = {
  payeeId: 'my-payee',
  orderId: 'order-1001',
  quoteAmount: '10',
  quoteAssetId: 'usd',
  paymentAssetId: USDT_ID,
  settlementAssetId: USDT_ID,
  callbackUrl: 'https://shop.example/mixpay/callback',
  callbackEvent: 'pending|settle',
};

export async function apiRoutes(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const { payments, clock } = ctx;
  const present: PresentContext = ctx;
  installMixPayJson(app);
  const info = (state: PaymentState) => okEnvelope(presentInfo(state, clock.now(), present), clock.now());

  apiRoute(
    app,
    {
      method: 'POST',
      url: '/v1/payments',
      tag: 'payments',
      summary: 'Create a payment',
      description:
        "A traceId is generated when none is given. Re-sending the same request (same traceId, or same payeeId and orderId) refreshes the payment: a new quote window. paymentAmount, when given, wins over quoteAmount. isChain answers a sandbox deposit destination (and tag). callbackUrl must be https:// in production; callbackEvent is a |-separated subset of settle, pending, paid_less (success and fail are always sent). Answers MixPay's payment (docs/compatibility.md).",
      body: createPaymentRequest,
      input: requestInput,
      form: true,
      example: EXAMPLE_PAYMENT,
    },
    async ({ body }) => info(await payments.create({ kind: 'payment', request: body })),
  );

  /** A new quote window for an unpaid payment; its traceId may be a one-time payment's code. */
  apiRoute(
    app,
    {
      method: 'POST',
      url: '/v1/payments/refresh',
      tag: 'payments',
      summary: 'A new quote window for a payment (traceId, or a one-time code)',
      body: refreshPaymentRequest,
      input: requestInput,
      form: true,
      notFound: true,
    },
    async ({ body: { traceId } }) => {
      const { payment } = await payments.find({ traceId }).catch(async (error: unknown) => {
        // Codes made before a code was its payment's traceId.
        if (error instanceof NotFoundError) return payments.find({ code: traceId });
        throw error;
      });
      return info(await payments.refresh(payment.traceId));
    },
  );

  apiRoute(
    app,
    {
      method: 'POST',
      url: '/v1/one_time_payment',
      tag: 'payments',
      summary: 'Create a one-time payment (answers code and paymentUrl)',
      description:
        "The code is the payment's traceId (a given traceId becomes the code); paymentAssetId may be left to the payer. Re-sending refreshes, as /v1/payments does.",
      body: createOneTimePaymentRequest,
      input: requestInput,
      form: true,
      example: { ...EXAMPLE_PAYMENT, orderId: 'order-1002', paymentAssetId: undefined },
    },
    async ({ body }) => {
      const state = await payments.create({ kind: 'one_time', request: body });
      const code = state.payment.code ?? state.payment.traceId;
      return okEnvelope({ code, paymentUrl: `${ctx.publicUrl}/code/${code}` }, clock.now());
    },
  );

  apiRoute(
    app,
    {
      method: 'GET',
      url: '/v1/payments_result',
      tag: 'payments',
      summary: "A payment's result: the only place a merchant may learn it",
      description:
        'traceId, or orderId with payeeId, is required. with: payment, transactions or both, comma-separated.',
      query: paymentsResultQuery,
      input: requestInput,
      knownInput: plainTraceId({ with: NO_INCLUDES }),
      notFound: true,
    },
    async ({ query }) => {
      const key =
        query.traceId !== undefined
          ? { traceId: query.traceId }
          : { orderId: query.orderId as string, payeeId: query.payeeId as string };
      return okEnvelope(presentResult(await payments.find(key), query.with, present), clock.now());
    },
  );

  apiRoute(
    app,
    {
      method: 'GET',
      url: '/v1/payments_info',
      tag: 'payments',
      summary: 'What the payer owes, where to and for how long (traceId)',
      query: paymentsInfoQuery,
      input: requestInput,
      knownInput: plainTraceId({}),
      notFound: true,
    },
    async ({ query }) =>
      info(
        await payments.find(query.traceId !== undefined ? { traceId: query.traceId } : { code: query.code as string }),
      ),
  );

  await settingRoutes(app, ctx);
}
