// The shop's HTTP surface: create an order, show it, receive MixPay callbacks. All payment
// safety comes from the merchant kit; the shop only stores orders and reacts to hooks.
import { randomUUID } from 'node:crypto';
import {
  createCallbackHandler,
  MixPayClient,
  type OrderHooks,
  Reconciler,
  type WritableOrderStore,
} from '@payhook/merchant';
import { fastifyCallbackPlugin } from '@payhook/merchant/fastify';
import { isPositiveDecimal } from '@payhook/protocol';
import Fastify, { type FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ShopConfig } from './config.js';
import type { Notes } from './notes.js';

const newOrder = z.object({
  amount: z.string().refine(isPositiveDecimal, 'amount must be a positive decimal string'),
  currency: z.string().min(1).max(64).default('usd'),
  checkout: z.enum(['one_time', 'paylink']).default('one_time'),
});

export interface Shop {
  app: FastifyInstance;
  reconciler: Reconciler;
}

export function buildShop(config: ShopConfig, store: WritableOrderStore, notes: Notes): Shop {
  const client = new MixPayClient({ baseUrl: config.apiBase });
  const callbackUrl = `${config.publicUrl}/mixpay/callback`;
  const note = (kind: Parameters<Notes['add']>[1]) => (order: { orderId: string }, detail: Record<string, unknown>) =>
    notes.add(order.orderId, kind, detail);

  const hooks: OrderHooks = {
    onPaid: (order, result) => note('paid')(order, { traceId: result.traceId, paymentAmount: result.paymentAmount }),
    onFailed: (order, result) =>
      note('failed')(order, { failureCode: result.failureCode, reason: result.failureReason }),
    // A real shop would e-mail the payer the link; this one writes it down.
    onPaidLess: (order, _result, info) => note('paid_less')(order, { ...info }),
    onSettled: (order, result) =>
      note('settled')(order, { settleAmount: result.settleAmount, settleAsset: result.settleAsset }),
    onMismatch: (order, _result, mismatches) => note('mismatch')(order, { mismatches }),
  };

  const handler = createCallbackHandler({
    payeeId: config.payeeId,
    store,
    source: client,
    hooks,
    subscribedEvents: ['paid_less', 'settle'],
    allowedIps: config.allowedIps,
    trustedProxies: config.trustedProxies,
  });
  const reconciler = new Reconciler({
    store,
    source: client,
    hooks,
    olderThanMs: config.reconcileAfterMs,
    intervalMs: config.reconcileIntervalMs,
  });

  const app = Fastify({ logger: { level: process.env.LOG_LEVEL ?? 'info' } });

  app.post('/orders', async (request, reply) => {
    const parsed = newOrder.safeParse(request.body ?? {});
    if (!parsed.success) {
      return reply.status(400).send({ error: parsed.error.issues.map((i) => i.message).join('; ') });
    }
    const { amount, currency, checkout } = parsed.data;
    const now = Date.now();
    const orderId = `shop-${randomUUID().slice(0, 18)}`;
    // The order exists before its payment, so a fast callback always finds it.
    await store.insert({
      orderId,
      traceId: null,
      payeeId: config.payeeId,
      amount,
      assetId: currency,
      status: 'waiting',
      paymentUrl: null,
      settledAt: null,
      createdAt: now,
      updatedAt: now,
    });
    const common = {
      payeeId: config.payeeId,
      orderId,
      quoteAmount: amount,
      quoteAssetId: currency,
      settlementAssetId: config.settlementAssetId,
      callbackUrl,
      callbackEvent: 'paid_less|settle',
    };
    if (checkout === 'paylink') {
      // A paylink is only a URL; its payment comes into being when the payer opens it.
      const paymentUrl = `${config.checkoutBase}/pay?${new URLSearchParams(common)}`;
      await store.attachPayment(orderId, null, paymentUrl, now);
      return { orderId, traceId: null, paymentUrl, status: 'waiting' };
    }
    const traceId = randomUUID();
    try {
      const payment = await client.createOneTimePayment({ ...common, traceId });
      await store.attachPayment(orderId, traceId, payment.paymentUrl, Date.now());
      return { orderId, traceId, paymentUrl: payment.paymentUrl, status: 'waiting' };
    } catch (error) {
      await store.transition(orderId, 'failed', Date.now());
      request.log.error({ err: error, orderId }, 'could not create the payment');
      return reply.status(502).send({ error: `could not create the payment: ${(error as Error).message}`, orderId });
    }
  });

  app.get<{ Params: { orderId: string } }>('/orders/:orderId', async (request, reply) => {
    const order = await store.findByOrderId(request.params.orderId);
    if (!order) return reply.status(404).send({ error: 'no such order' });
    return {
      orderId: order.orderId,
      status: order.status,
      amount: order.amount,
      currency: order.assetId,
      traceId: order.traceId,
      paymentUrl: order.paymentUrl,
      settled: order.settledAt !== null,
      notes: await notes.list(order.orderId),
    };
  });

  app.register(fastifyCallbackPlugin, { handler, path: '/mixpay/callback' });
  return { app, reconciler };
}
