// MixPay's public API: create payments, one-time payments, read results and info.
import { randomUUID } from 'node:crypto';
import {
  createOneTimePaymentRequest,
  createPaymentRequest,
  okEnvelope,
  paymentsResultQuery,
  traceIdSchema,
} from '@payhook/protocol';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { HttpContext } from '../context.js';
import { presentInfo, presentResult } from '../present.js';
import { parseInput } from '../validate.js';

export const paymentsInfoQuery = z
  .object({
    traceId: traceIdSchema.optional(),
    code: z.string().min(1).max(64).optional(),
    clientId: z.string().optional(),
  })
  .refine((q) => q.traceId !== undefined || q.code !== undefined, {
    message: 'traceId or code is required',
    path: ['traceId'],
  });

export async function apiRoutes(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const { payments, catalog, clock } = ctx;

  app.post('/v1/payments', async (request) => {
    const body = parseInput(createPaymentRequest, request.body);
    const state = await payments.create({ kind: 'payment', request: body });
    return okEnvelope(presentInfo(state, catalog, clock.now()), clock.now());
  });

  app.post('/v1/one_time_payment', async (request) => {
    const body = parseInput(createOneTimePaymentRequest, request.body);
    const code = randomUUID();
    const state = await payments.create({ kind: 'one_time', request: body, code });
    return okEnvelope(
      {
        code,
        traceId: state.payment.traceId,
        orderId: state.payment.orderId ?? '',
        payeeId: state.payment.payeeId,
        paymentUrl: `${ctx.publicUrl}/code/${code}`,
      },
      clock.now(),
    );
  });

  app.get('/v1/payments_result', async (request) => {
    const query = parseInput(paymentsResultQuery, request.query);
    const key =
      query.traceId !== undefined
        ? { traceId: query.traceId }
        : { orderId: query.orderId as string, payeeId: query.payeeId as string };
    const state = await payments.find(key);
    return okEnvelope(presentResult(state, catalog, query.with), clock.now());
  });

  app.get('/v1/payments_info', async (request) => {
    const query = parseInput(paymentsInfoQuery, request.query);
    const state = await payments.find(
      query.traceId !== undefined ? { traceId: query.traceId } : { code: query.code as string },
    );
    return okEnvelope(presentInfo(state, catalog, clock.now()), clock.now());
  });
}
