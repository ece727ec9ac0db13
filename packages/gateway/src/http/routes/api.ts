// MixPay's public API: create payments (a re-sent request refreshes its payment), one-time
// payments, read results and info, and the asset and user look-ups MixPay's clients make.
import {
  createOneTimePaymentRequest,
  createPaymentRequest,
  okEnvelope,
  paymentsResultQuery,
  refreshPaymentRequest,
  traceIdSchema,
} from '@payhook/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { NotFoundError } from '../../errors.js';
import type { PaymentState } from '../../lifecycle.js';
import type { HttpContext } from '../context.js';
import { installMixPayJson, requestInput } from '../mixpay-input.js';
import { type PresentContext, presentInfo, presentResult } from '../present.js';
import { parseInput } from '../validate.js';
import { settingRoutes } from './settings.js';

export const paymentsInfoQuery = z
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
 * can only give `{ traceId }`: it is taken as it is. Anything else, bad input included, goes
 * through the schema, so every error is the schema's own.
 */
function plainTraceId(request: FastifyRequest): string | undefined {
  if (request.body !== undefined) return undefined;
  const query = request.query as Record<string, unknown>;
  for (const name in query) if (name !== 'traceId') return undefined;
  const traceId = query.traceId;
  return typeof traceId === 'string' && CANONICAL_UUID.test(traceId) ? traceId : undefined;
}

const NO_INCLUDES: readonly [] = [];

export async function apiRoutes(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const { payments, clock } = ctx;
  const present: PresentContext = ctx;
  installMixPayJson(app);
  const info = (state: PaymentState) => okEnvelope(presentInfo(state, clock.now(), present), clock.now());

  app.post('/v1/payments', async (request) => {
    const body = parseInput(createPaymentRequest, requestInput(request));
    return info(await payments.create({ kind: 'payment', request: body }));
  });

  /** A new quote window for an unpaid payment; its traceId may be a one-time payment's code. */
  app.post('/v1/payments/refresh', async (request) => {
    const { traceId } = parseInput(refreshPaymentRequest, requestInput(request));
    const { payment } = await payments.find({ traceId }).catch(async (error: unknown) => {
      // Codes made before a code was its payment's traceId.
      if (error instanceof NotFoundError) return payments.find({ code: traceId });
      throw error;
    });
    return info(await payments.refresh(payment.traceId));
  });

  app.post('/v1/one_time_payment', async (request) => {
    const body = parseInput(createOneTimePaymentRequest, requestInput(request));
    const state = await payments.create({ kind: 'one_time', request: body });
    const code = state.payment.code ?? state.payment.traceId;
    return okEnvelope({ code, paymentUrl: `${ctx.publicUrl}/code/${code}` }, clock.now());
  });

  app.get('/v1/payments_result', async (request) => {
    const traceId = plainTraceId(request);
    if (traceId !== undefined) {
      return okEnvelope(presentResult(await payments.find({ traceId }), NO_INCLUDES, present), clock.now());
    }
    const query = parseInput(paymentsResultQuery, requestInput(request));
    const key =
      query.traceId !== undefined
        ? { traceId: query.traceId }
        : { orderId: query.orderId as string, payeeId: query.payeeId as string };
    const state = await payments.find(key);
    return okEnvelope(presentResult(state, query.with, present), clock.now());
  });

  app.get('/v1/payments_info', async (request) => {
    const traceId = plainTraceId(request);
    if (traceId !== undefined) return info(await payments.find({ traceId }));
    const query = parseInput(paymentsInfoQuery, requestInput(request));
    return info(
      await payments.find(query.traceId !== undefined ? { traceId: query.traceId } : { code: query.code as string }),
    );
  });

  await settingRoutes(app, ctx);
}
