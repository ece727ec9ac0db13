// The admin read API (payments, their events, deliveries and attempts) and redelivery.
import { okEnvelope, traceIdSchema } from '@payhook/protocol';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { NotFoundError } from '../../errors.js';
import type { HttpContext } from '../context.js';
import { loadPaymentDetail } from '../payment-detail.js';
import { parseInput } from '../validate.js';

const deliveryState = z.enum(['pending', 'delivered', 'exhausted']);
const limit = z.coerce.number().int().min(1).max(500).default(50);

/** Query of `GET /admin/payments`, also read by the dashboard's payment list. */
export const paymentsQuery = z.object({
  status: z.enum(['unpaid', 'pending', 'failed', 'auditing', 'success']).optional(),
  search: z.string().min(1).max(64).optional(),
  /** `retrying`: a pending delivery that has failed at least once. */
  deliveryState: z.enum(['pending', 'retrying', 'delivered', 'exhausted']).optional(),
  limit,
  /** Paging cursor: `<createdAt>:<traceId>` of the last payment seen. */
  before: z
    .string()
    .regex(/^\d+:[0-9a-fA-F-]{36}$/, 'must be <createdAt>:<traceId>')
    .transform((v) => {
      const [createdAt, traceId] = v.split(':') as [string, string];
      return { createdAt: Number(createdAt), traceId };
    })
    .optional(),
});

export const deliveriesQuery = z.object({
  state: deliveryState.optional(),
  traceId: traceIdSchema.optional(),
  limit,
});

export const idParams = z.object({ id: z.string().min(1).max(64) });

export const feedQuery = z.object({
  /** `<endedAt>:<deliveryId>:<attemptNo>` of the last attempt seen; absent: the latest ones. */
  after: z
    .string()
    .regex(/^\d+:[^:]{1,64}:\d+$/, 'must be <endedAt>:<deliveryId>:<attemptNo>')
    .transform((v) => {
      const [endedAt, deliveryId, attemptNo] = v.split(':') as [string, string, string];
      return { endedAt: Number(endedAt), deliveryId, attemptNo: Number(attemptNo) };
    })
    .optional(),
  limit,
});

export const timelineQuery = z.object({
  minutes: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .default(60),
  bucketSeconds: z.coerce.number().int().min(1).max(86_400).default(60),
});

export const redeliverByUrl = z.object({ url: z.string().min(1).max(2048) });
export const traceParams = z.object({ traceId: traceIdSchema });

export async function adminRoutes(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const { store, payments, clock } = ctx;

  app.get('/admin/payments', async (request) => {
    const q = parseInput(paymentsQuery, request.query);
    const list = await store.admin.listPayments(q);
    const last = list.at(-1);
    const next = list.length === q.limit && last ? `${last.createdAt}:${last.traceId}` : null;
    return okEnvelope({ payments: list, next }, clock.now());
  });

  app.get('/admin/payments/:traceId', async (request) => {
    const { traceId } = parseInput(traceParams, request.params);
    return okEnvelope(await loadPaymentDetail(payments, store, traceId), clock.now());
  });

  app.get('/admin/deliveries', async (request) => {
    const q = parseInput(deliveriesQuery, request.query);
    return okEnvelope(await store.admin.listDeliveries(q), clock.now());
  });

  app.get('/admin/deliveries/:id', async (request) => {
    const { id } = parseInput(idParams, request.params);
    const delivery = await store.admin.getDelivery(id);
    if (!delivery) throw new NotFoundError(`delivery ${id} does not exist`);
    return okEnvelope({ delivery, attempts: await store.admin.listAttempts(id) }, clock.now());
  });

  app.post('/admin/deliveries/:id/redeliver', async (request) => {
    const { id } = parseInput(idParams, request.params);
    return okEnvelope(await payments.redeliver(id), clock.now());
  });

  app.post('/admin/deliveries/redeliver-exhausted', async (request) => {
    const { url } = parseInput(redeliverByUrl, request.body);
    const deliveries = await payments.redeliverExhausted(url);
    return okEnvelope({ count: deliveries.length, deliveries }, clock.now());
  });

  /** Attempts as they end, for `payhook tail` and the dashboard's live view. */
  app.get('/admin/attempts', async (request) => {
    const q = parseInput(feedQuery, request.query);
    const attempts = await store.admin.attemptFeed(q.after, q.limit);
    const last = attempts.at(-1);
    const next = last
      ? `${last.endedAt}:${last.deliveryId}:${last.attemptNo}`
      : ((request.query as { after?: string }).after ?? null);
    return okEnvelope({ attempts, next }, clock.now());
  });

  app.get('/admin/stats/timeline', async (request) => {
    const q = parseInput(timelineQuery, request.query);
    const bucketMs = q.bucketSeconds * 1000;
    const from = Math.floor((clock.now() - q.minutes * 60_000) / bucketMs) * bucketMs;
    return okEnvelope({ from, bucketMs, buckets: await store.admin.attemptOutcomes(from, bucketMs) }, clock.now());
  });

  app.get('/admin/stats', async () =>
    okEnvelope(
      {
        deliveries: await store.admin.countDeliveries(),
        /** Of the pending deliveries, those waiting for a retry after a failed attempt. */
        retrying: (await store.admin.queueDepth()).retrying,
        lateness: await store.admin.lateness(1000),
      },
      clock.now(),
    ),
  );
}
