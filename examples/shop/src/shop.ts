// The shop's HTTP surface: create an order, show it, receive MixPay callbacks. All payment
// safety comes from the merchant kit; the shop only stores orders and reacts to hooks.
import { randomUUID } from 'node:crypto';
import {
  createCallbackHandler,
  MixPayApiError,
  MixPayClient,
  MixPayError,
  type Order,
  type OrderHooks,
  RateLimitedError,
  Reconciler,
  type WritableOrderStore,
} from '@payhook/merchant';
import { fastifyCallbackPlugin } from '@payhook/merchant/fastify';
import { decimalEquals, isDecimalString, isPositiveDecimal } from '@payhook/protocol';
import Fastify, { type FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ShopConfig } from './config.js';
import type { Notes } from './notes.js';

const newOrder = z.object({
  amount: z.string().refine(isPositiveDecimal, 'amount must be a positive decimal string'),
  currency: z.string().min(1).max(64).default('usd'),
  checkout: z.enum(['one_time', 'paylink']).default('one_time'),
  /** Sent again after a 503: the same order, and the same payment at MixPay (created or refreshed). */
  orderId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{6,36}$/, 'orderId must be 6 to 36 letters, digits, - or _')
    .optional(),
});

/** How long a client is told to wait before sending a creation again that could not reach MixPay. */
const CREATE_RETRY_AFTER_S = 2;

export interface Shop {
  app: FastifyInstance;
  reconciler: Reconciler;
}

export function buildShop(config: ShopConfig, store: WritableOrderStore, notes: Notes): Shop {
  const client = new MixPayClient({
    baseUrl: config.apiBase,
    requestsPerMinute: config.requestsPerMinute,
    reserved: { create: config.reservedForCreation, callback: config.reservedForCallbacks },
  });
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
    ...(config.signingSecrets.length > 0 ? { signingSecret: config.signingSecrets } : {}),
    lookupWindowMs: config.lookupWindowMs,
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
    let order: Order | undefined = parsed.data.orderId ? await store.findByOrderId(parsed.data.orderId) : undefined;
    const resent = order !== undefined;
    if (order) {
      // A client sending its order again (after a 503, or not knowing whether it got through).
      const sameDeal = order.amount === amount && order.assetId === currency;
      const sameCheckout = (order.traceId === null) === (checkout === 'paylink');
      if (!sameDeal || !sameCheckout || order.payeeId !== config.payeeId) {
        return reply
          .status(409)
          .send({ error: 'an order with this orderId exists with another deal', orderId: order.orderId });
      }
      if (order.paymentUrl !== null || order.status !== 'waiting') return present(order);
    } else {
      order = {
        orderId: parsed.data.orderId ?? `shop-${randomUUID().slice(0, 18)}`,
        // The traceId is chosen and stored before MixPay is asked: a retry sends the very same
        // request, which MixPay answers with the same payment (refreshed), never a second one.
        traceId: checkout === 'paylink' ? null : randomUUID(),
        payeeId: config.payeeId,
        amount,
        assetId: currency,
        status: 'waiting',
        paymentUrl: null,
        settledAt: null,
        createdAt: now,
        updatedAt: now,
      };
      // The order exists before its payment, so a fast callback always finds it.
      await store.insert(order);
    }
    const common = {
      payeeId: config.payeeId,
      orderId: order.orderId,
      quoteAmount: amount,
      quoteAssetId: currency,
      settlementAssetId: config.settlementAssetId,
      callbackUrl,
      callbackEvent: 'paid_less|settle',
    };
    if (order.traceId === null) {
      // A paylink is only a URL; its payment comes into being when the payer opens it.
      const paymentUrl = `${config.checkoutBase}/pay?${new URLSearchParams(common)}`;
      await store.attachPayment(order.orderId, null, paymentUrl, now);
      return present({ ...order, paymentUrl });
    }
    const traceId = order.traceId;
    let failure: unknown;
    try {
      const payment = await client.createOneTimePayment({ ...common, traceId });
      await store.attachPayment(order.orderId, traceId, payment.paymentUrl, Date.now());
      return present({ ...order, paymentUrl: payment.paymentUrl });
    } catch (error) {
      failure = error;
    }
    if (resent && failure instanceof MixPayApiError && !failure.retryable) {
      // The first request may have reached an API that refuses a repeat (payhook's gateway before
      // it refreshed repeats): the payment is there, under our traceId. Take it if it is ours.
      try {
        const paymentUrl = await existingPaymentUrl(order);
        if (paymentUrl) {
          await store.attachPayment(order.orderId, traceId, paymentUrl, Date.now());
          return present({ ...order, paymentUrl });
        }
      } catch (error) {
        failure = error;
      }
    }
    request.log.error({ err: failure, orderId: order.orderId }, 'could not create the payment');
    const message = `could not create the payment: ${(failure as Error).message}`;
    if (failure instanceof MixPayError && failure.retryable) {
      // MixPay was not reached, or could not answer (network, 5xx, rate limit): nothing is
      // decided. The order keeps waiting; the same request again creates or refreshes its payment.
      const seconds =
        failure instanceof RateLimitedError
          ? Math.max(1, Math.ceil(failure.retryAfterMs / 1000))
          : CREATE_RETRY_AFTER_S;
      return reply
        .status(503)
        .header('retry-after', String(seconds))
        .send({ error: message, orderId: order.orderId, retryAfterSeconds: seconds });
    }
    // MixPay refused this very deal (a parameter error): no retry can help.
    await store.transition(order.orderId, 'failed', Date.now());
    return reply.status(502).send({ error: message, orderId: order.orderId });
  });

  /** The checkout link of the payment already created under the order's traceId, if it is this order's deal. */
  async function existingPaymentUrl(order: Order): Promise<string | undefined> {
    if (order.traceId === null) return undefined;
    const info = (await client.getPaymentsInfo(order.traceId, { budget: 'create' })) as Record<string, unknown>;
    const quote = typeof info.quoteAmount === 'string' ? info.quoteAmount : '';
    const ours =
      info.payeeId === order.payeeId &&
      info.orderId === order.orderId &&
      typeof info.quoteAssetId === 'string' &&
      info.quoteAssetId.toLowerCase() === order.assetId.toLowerCase() &&
      isDecimalString(quote) &&
      isDecimalString(order.amount) &&
      decimalEquals(quote, order.amount);
    if (!ours) return undefined;
    // A one-time payment's code is its traceId when the shop chose one (MixPay); payhook says which.
    const code = typeof info.code === 'string' && info.code !== '' ? info.code : order.traceId;
    return `${config.checkoutBase}/code/${encodeURIComponent(code)}`;
  }

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

  function present(order: Order) {
    return { orderId: order.orderId, traceId: order.traceId, paymentUrl: order.paymentUrl, status: order.status };
  }
  return { app, reconciler };
}
