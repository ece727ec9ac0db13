// Where payers land: `GET /pay?payeeId=…&orderId=…&quoteAmount=…` (MixPay's paylink, whose
// parameters are whatever the payer's browser sends, which is exactly why a merchant must verify
// the result's amount; its payment comes into being when first opened) and `GET /code/{code}`
// (a one-time payment). Browsers get a page, API clients the payment's info.
import { createOneTimePaymentRequest, okEnvelope } from '@payhook/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { USDT_ID } from '../../assets.js';
import type { PaymentState } from '../../lifecycle.js';
import type { HttpContext } from '../context.js';
import { presentInfo } from '../present.js';
import { parseInput } from '../validate.js';

const codeParams = z.object({ code: z.string().min(1).max(64) });

export async function checkoutRoutes(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const show = (request: FastifyRequest, reply: FastifyReply, state: PaymentState) => {
    const info = presentInfo(state, ctx.catalog, ctx.clock.now());
    if (!(request.headers.accept ?? '').includes('text/html')) return okEnvelope(info, ctx.clock.now());
    return reply.type('text/html; charset=utf-8').send(checkoutPage(info));
  };

  app.get('/pay', async (request, reply) => {
    const query = { settlementAssetId: USDT_ID, ...(request.query as Record<string, unknown>) };
    const body = parseInput(createOneTimePaymentRequest, query);
    return show(request, reply, await ctx.payments.openPaylink({ kind: 'paylink', request: body }));
  });

  app.get('/code/:code', async (request, reply) => {
    const { code } = parseInput(codeParams, request.params);
    return show(request, reply, await ctx.payments.find({ code }));
  });
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

/** A plain page until the sandbox checkout pages arrive: what is owed, and the payment's id. */
function checkoutPage(info: ReturnType<typeof presentInfo>): string {
  return `<!doctype html><html lang="en"><meta charset="utf-8"><title>Pay ${escapeHtml(info.quoteAmount)} ${escapeHtml(info.quoteAssetSymbol)}</title>
<body><main><h1>Pay ${escapeHtml(info.quoteAmount)} ${escapeHtml(info.quoteAssetSymbol)}</h1>
<p>To payee <code>${escapeHtml(info.payeeId)}</code> for order <code>${escapeHtml(info.orderId)}</code>.</p>
<p>Status: <strong>${escapeHtml(info.status)}</strong>. Trace id: <code>${escapeHtml(info.traceId)}</code>.</p>
<p>In the sandbox, pay with <code>POST /v1/sandbox/transfers {"traceId": "${escapeHtml(info.traceId)}"}</code>.</p></main></body></html>`;
}
