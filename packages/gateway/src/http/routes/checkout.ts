// Where payers land: `GET /pay?payeeId=…&orderId=…&quoteAmount=…` (MixPay's paylink, whose
// parameters are whatever the payer's browser sends, which is exactly why a merchant must verify
// the result's amount; its payment comes into being when first opened), `GET /code/{code}`
// (a one-time payment) and `GET /checkout/{traceId}`. Browsers get a page, API clients the
// payment's info. With the sandbox on, the page's forms POST to /checkout/{traceId}/… and feed
// the same ingestion path as the sandbox API, then redirect back (POST-redirect-GET), or to the
// merchant's returnTo / failedReturnTo once the payment is final. The forms move money as
// /v1/sandbox/* does, so http/app.ts registers them with it, behind the admin token when one is
// set; the page stays public and, while its forms are locked, says where to sign in.
import { createOneTimePaymentRequest, okEnvelope, positiveAmount, withoutAbsent } from '@payhook/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { USDT_ID } from '../../domain/assets.js';
import type { PaymentState } from '../../domain/lifecycle.js';
import { NotFoundError, PayhookError } from '../../errors.js';
import type { Payment } from '../../interfaces.js';
import { authenticate, SIGN_IN_PATH } from '../auth.js';
import type { HttpContext } from '../context.js';
import { answerTo } from '../error-answers.js';
import { checkoutPage } from '../pages/checkout-page.js';
import { safeHref } from '../pages/html.js';
import { renderErrorsAsPages, sendPage, wantsHtml } from '../pages/respond.js';
import { traceParams, txidParams } from '../params.js';
import { presentInfo, remainingAmount } from '../present.js';
import { parseInput } from '../validate.js';

const codeParams = z.object({ code: z.string().min(1).max(64) });
const transferParams = traceParams.extend(txidParams.shape);

/** An empty form field means "use the default". */
const blank = (v: unknown) =>
  typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.trim() : v;
const confirmations = z.coerce.number().int().min(0).max(1_000_000);
const payForm = z.object({
  amount: z.preprocess(blank, positiveAmount.optional()),
  assetId: z.preprocess(blank, z.string().max(64).optional()),
  confirmations: z.preprocess(blank, confirmations.optional()),
});
const confirmForm = z.object({ confirmations: z.preprocess(blank, confirmations) });

/** Shows a payment's page; `signedOut` when its sandbox forms need a sign-in this visitor lacks. */
function checkoutRenderer(ctx: HttpContext) {
  const { catalog, clock } = ctx;
  return (reply: FastifyReply, state: PaymentState, options: { error?: PayhookError; signedOut?: boolean } = {}) => {
    const here = pagePath(state.payment);
    const page = checkoutPage({
      state,
      catalog,
      now: clock.now(),
      sandbox: ctx.sandboxEnabled,
      signInHref: options.signedOut ? `${SIGN_IN_PATH}?next=${encodeURIComponent(here)}` : undefined,
      error: options.error?.message,
      remainingAmount: remainingAmount(state.payment),
    });
    return sendPage(reply, page, { status: options.error ? answerTo(options.error).status : 200 });
  };
}

/** The payer's pages: public, as MixPay's checkout is. */
export async function checkoutRoutes(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const { payments, clock } = ctx;
  renderErrorsAsPages(app, { href: '/', label: 'Back' });
  const render = checkoutRenderer(ctx);
  const token = ctx.adminToken;

  const show = (request: FastifyRequest, reply: FastifyReply, state: PaymentState) => {
    if (!wantsHtml(request)) return okEnvelope(presentInfo(state, clock.now(), ctx), clock.now());
    const signedOut = token !== undefined && authenticate(request, token, clock.now()) === undefined;
    return render(reply, state, { signedOut });
  };

  app.get('/pay', async (request, reply) => {
    const query = { settlementAssetId: USDT_ID, ...withoutAbsent(request.query as Record<string, unknown>) };
    const body = parseInput(createOneTimePaymentRequest, query);
    return show(request, reply, await payments.openPaylink({ kind: 'paylink', request: body }));
  });

  app.get('/code/:code', async (request, reply) => {
    const { code } = parseInput(codeParams, request.params);
    return show(request, reply, await payments.find({ code }));
  });

  app.get('/checkout/:traceId', async (request, reply) => {
    const { traceId } = parseInput(traceParams, request.params);
    return show(request, reply, await payments.find({ traceId }));
  });
}

/**
 * The page's sandbox forms. Registered by http/app.ts in the sandbox's guarded scope: the same
 * credentials as /v1/sandbox/* when a token is set, and never from another site.
 */
export async function checkoutActions(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const { payments } = ctx;
  renderErrorsAsPages(app, { href: '/', label: 'Back' });
  const render = checkoutRenderer(ctx);

  /** Runs an action; a refused one shows the page again with the reason, a done one redirects. */
  const act = async (reply: FastifyReply, traceId: string, action: () => Promise<PaymentState>) => {
    let state: PaymentState;
    try {
      state = await action();
    } catch (error) {
      if (!(error instanceof PayhookError)) throw error;
      return render(reply, await payments.find({ traceId }), { error });
    }
    return reply.redirect(afterAction(state), 303);
  };

  app.post('/checkout/:traceId/pay', async (request, reply) => {
    const { traceId } = parseInput(traceParams, request.params);
    await payments.find({ traceId });
    return act(reply, traceId, async () => {
      const form = parseInput(payForm, request.body);
      return (await payments.receiveTransfer({ traceId, ...definedOnly(form) })).state;
    });
  });

  app.post('/checkout/:traceId/expire', async (request, reply) => {
    const { traceId } = parseInput(traceParams, request.params);
    await payments.find({ traceId });
    return act(reply, traceId, async () => (await payments.forceTimer(traceId, 'expire')).next);
  });

  app.post('/checkout/:traceId/transfers/:txid/confirmations', async (request, reply) => {
    const { traceId, txid } = parseInput(transferParams, request.params);
    const { payment } = await payments.find({ traceId });
    const owner = await payments.find({ txid }).catch(() => undefined);
    if (owner?.payment.traceId !== payment.traceId) {
      throw new NotFoundError(`transfer ${txid} does not belong to payment ${payment.traceId}`);
    }
    return act(reply, traceId, async () => {
      const form = parseInput(confirmForm, request.body);
      return payments.addConfirmations(txid, form.confirmations);
    });
  });
}

/** The payment's own checkout page. */
const pagePath = (p: Payment) => (p.code !== null ? `/code/${encodeURIComponent(p.code)}` : `/checkout/${p.traceId}`);

/** Back to the page the payer came from, or on to the merchant once the payment is final. */
function afterAction({ payment: p }: PaymentState): string {
  const back =
    p.status === 'success' ? safeHref(p.returnTo) : p.status === 'failed' ? safeHref(p.failedReturnTo) : null;
  return back ?? pagePath(p);
}

function definedOnly<T extends Record<string, unknown>>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}
