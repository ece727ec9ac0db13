// The admin read API (payments, their events, deliveries and attempts), redelivery and retry-now
// of one delivery (selections of them: recoveries.ts).
import {
  type AttemptPage,
  type AttemptTimeline,
  type Delivery,
  type DeliveryDetail,
  type DeliveryStats,
  okEnvelope,
  type PaymentDetail,
  type PaymentPage,
  type RedeliveredDeliveries,
  traceIdSchema,
} from '@payhook/protocol';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { NotFoundError } from '../../errors.js';
import { apiRoute } from '../api-route.js';
import type { HttpContext } from '../context.js';
import { idParams, traceParams } from '../params.js';
import { loadPaymentDetail } from '../payment-detail.js';
import { requesterOf } from './recoveries.js';

/** A delivery's state as people read it: `retrying` is pending after at least one failed attempt. */
const shownDeliveryState = z.enum(['pending', 'retrying', 'delivered', 'exhausted']);
const limit = z.coerce.number().int().min(1).max(500).default(50);

/** Query of `GET /admin/payments`, also read by the dashboard's payment list. */
export const paymentsQuery = z.object({
  status: z.enum(['unpaid', 'pending', 'failed', 'auditing', 'success']).optional(),
  search: z.string().min(1).max(64).optional(),
  deliveryState: shownDeliveryState.optional(),
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

const deliveriesQuery = z.object({
  state: shownDeliveryState.optional(),
  traceId: traceIdSchema.optional(),
  limit,
});

const feedQuery = z.object({
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

const timelineQuery = z.object({
  minutes: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .default(60),
  bucketSeconds: z.coerce.number().int().min(1).max(86_400).default(60),
});

const redeliverByUrl = z.object({ url: z.string().min(1).max(2048) });

export async function adminRoutes(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const { store, payments, recoveries, clock } = ctx;

  apiRoute(
    app,
    {
      method: 'GET',
      url: '/admin/payments',
      tag: 'admin',
      summary: 'Payments, newest first, with filters and a paging cursor',
      query: paymentsQuery,
    },
    async ({ query: q }) => {
      const list = await store.admin.listPayments(q);
      const last = list.at(-1);
      const next = list.length === q.limit && last ? `${last.createdAt}:${last.traceId}` : null;
      return okEnvelope<PaymentPage>({ payments: list, next }, clock.now());
    },
  );

  apiRoute(
    app,
    {
      method: 'GET',
      url: '/admin/payments/:traceId',
      tag: 'admin',
      summary: 'One payment with its transfers, events, deliveries and attempts',
      params: traceParams,
      notFound: true,
    },
    async ({ params: { traceId } }) =>
      okEnvelope<PaymentDetail>(await loadPaymentDetail(payments, store, traceId), clock.now()),
  );

  apiRoute(
    app,
    {
      method: 'GET',
      url: '/admin/deliveries',
      tag: 'admin',
      summary: 'Deliveries, newest first',
      query: deliveriesQuery,
    },
    async ({ query }) => okEnvelope<Delivery[]>(await store.admin.listDeliveries(query), clock.now()),
  );

  apiRoute(
    app,
    {
      method: 'GET',
      url: '/admin/deliveries/:id',
      tag: 'admin',
      summary: 'One delivery with its attempts',
      params: idParams,
      notFound: true,
    },
    async ({ params: { id } }) => {
      const delivery = await store.admin.getDelivery(id);
      if (!delivery) throw new NotFoundError(`delivery ${id} does not exist`);
      return okEnvelope<DeliveryDetail>({ delivery, attempts: await store.admin.listAttempts(id) }, clock.now());
    },
  );

  apiRoute(
    app,
    {
      method: 'POST',
      url: '/admin/deliveries/:id/redeliver',
      tag: 'admin',
      summary: 'Send a delivered or exhausted event again, on a fresh schedule',
      params: idParams,
      notFound: true,
    },
    async ({ params: { id } }) => okEnvelope<Delivery>(await payments.redeliver(id), clock.now()),
  );

  apiRoute(
    app,
    {
      method: 'POST',
      url: '/admin/deliveries/:id/retry-now',
      tag: 'admin',
      summary: "Make a pending delivery's next attempt due now, its attempt count and later gaps unchanged",
      params: idParams,
      notFound: true,
    },
    async ({ params: { id } }) => okEnvelope<Delivery>(await recoveries.retryNow(id), clock.now()),
  );

  apiRoute(
    app,
    {
      method: 'POST',
      url: '/admin/deliveries/redeliver-exhausted',
      tag: 'admin',
      summary: 'Redeliver every exhausted delivery to one URL not redelivered yet (a recovery, run before answering)',
      body: redeliverByUrl,
      example: { url: 'https://shop.example/mixpay/callback' },
    },
    async ({ body: { url } }, request) =>
      okEnvelope<RedeliveredDeliveries>(
        await recoveries.redeliverExhausted(url, requesterOf(request, ctx)),
        clock.now(),
      ),
  );

  /** Attempts as they end, for `payhook tail` and the dashboard's live view. */
  apiRoute(
    app,
    {
      method: 'GET',
      url: '/admin/attempts',
      tag: 'admin',
      summary: 'Attempts in the order they ended (a live feed with a cursor)',
      query: feedQuery,
    },
    async ({ query: q }, request) => {
      const attempts = await store.admin.attemptFeed(q.after, q.limit);
      const last = attempts.at(-1);
      const next = last
        ? `${last.endedAt}:${last.deliveryId}:${last.attemptNo}`
        : ((request.query as { after?: string }).after ?? null);
      return okEnvelope<AttemptPage>({ attempts, next }, clock.now());
    },
  );

  apiRoute(
    app,
    {
      method: 'GET',
      url: '/admin/stats/timeline',
      tag: 'admin',
      summary: 'Attempt outcomes per time bucket',
      query: timelineQuery,
    },
    async ({ query: q }) => {
      const bucketMs = q.bucketSeconds * 1000;
      const from = Math.floor((clock.now() - q.minutes * 60_000) / bucketMs) * bucketMs;
      return okEnvelope<AttemptTimeline>(
        { from, bucketMs, buckets: await store.admin.attemptOutcomes(from, bucketMs) },
        clock.now(),
      );
    },
  );

  apiRoute(
    app,
    { method: 'GET', url: '/admin/stats', tag: 'admin', summary: 'Delivery counts, retrying, lateness' },
    async () =>
      okEnvelope<DeliveryStats>(
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
