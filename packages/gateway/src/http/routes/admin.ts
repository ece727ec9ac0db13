// The admin read API (payments, their events, deliveries and attempts) and redelivery.
import { okEnvelope, traceIdSchema } from '@payhook/protocol';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { NotFoundError } from '../../errors.js';
import type { HttpContext } from '../context.js';
import { parseInput } from '../validate.js';

const deliveryState = z.enum(['pending', 'delivered', 'exhausted']);
const limit = z.coerce.number().int().min(1).max(500).default(50);

const paymentsQuery = z.object({
  status: z.enum(['unpaid', 'pending', 'failed', 'auditing', 'success']).optional(),
  search: z.string().min(1).max(64).optional(),
  deliveryState: deliveryState.optional(),
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
  state: deliveryState.optional(),
  traceId: traceIdSchema.optional(),
  limit,
});

const idParams = z.object({ id: z.string().min(1).max(64) });
const traceParams = z.object({ traceId: traceIdSchema });

export async function adminRoutes(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const { store, payments, clock } = ctx;

  app.get('/admin/payments', async (request) => {
    const q = parseInput(paymentsQuery, request.query);
    const list = await store.listPayments(q);
    const last = list.at(-1);
    const next = list.length === q.limit && last ? `${last.createdAt}:${last.traceId}` : null;
    return okEnvelope({ payments: list, next }, clock.now());
  });

  app.get('/admin/payments/:traceId', async (request) => {
    const { traceId } = parseInput(traceParams, request.params);
    const state = await payments.find({ traceId });
    const [events, deliveries] = await Promise.all([
      store.listEvents(state.payment.traceId),
      store.listDeliveries({ traceId: state.payment.traceId, limit: 500 }),
    ]);
    const withAttempts = await Promise.all(
      deliveries.map(async (d) => ({ ...d, attemptList: await store.listAttempts(d.id) })),
    );
    return okEnvelope(
      {
        payment: state.payment,
        transfers: state.transfers,
        events: events.map((e) => ({ ...e, deliveries: withAttempts.filter((d) => d.eventId === e.id) })),
      },
      clock.now(),
    );
  });

  app.get('/admin/deliveries', async (request) => {
    const q = parseInput(deliveriesQuery, request.query);
    return okEnvelope(await store.listDeliveries(q), clock.now());
  });

  app.get('/admin/deliveries/:id', async (request) => {
    const { id } = parseInput(idParams, request.params);
    const delivery = await store.getDelivery(id);
    if (!delivery) throw new NotFoundError(`delivery ${id} does not exist`);
    return okEnvelope({ delivery, attempts: await store.listAttempts(id) }, clock.now());
  });

  app.post('/admin/deliveries/:id/redeliver', async (request) => {
    const { id } = parseInput(idParams, request.params);
    return okEnvelope(await payments.redeliver(id), clock.now());
  });

  app.get('/admin/stats', async () =>
    okEnvelope({ deliveries: await store.countDeliveries(), lateness: await store.lateness(1000) }, clock.now()),
  );
}
