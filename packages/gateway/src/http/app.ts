// Builds the gateway's HTTP server. Routes only translate HTTP to the payment service
// and back; they hold no logic of their own.
import formbody from '@fastify/formbody';
import { ErrorCode, errorEnvelope, okEnvelope } from '@payhook/protocol';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import { refuseCrossSite, requireToken } from './auth.js';
import type { HttpContext } from './context.js';
import { installErrorHandling } from './error-handler.js';
import { adminRoutes } from './routes/admin.js';
import { apiRoutes } from './routes/api.js';
import { assetRoutes } from './routes/assets.js';
import { checkoutRoutes } from './routes/checkout.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { sandboxRoutes } from './routes/sandbox.js';

/** MixPay's parameters are small; a larger body is refused before it is parsed. */
const BODY_LIMIT = 64 * 1024;

export async function buildApp(
  ctx: HttpContext,
  logger: FastifyServerOptions['loggerInstance'],
): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: BODY_LIMIT,
    // Not behind a proxy by default; X-Forwarded-* is ignored unless configured.
    trustProxy: false,
    // A malformed or overlong URL is refused by the router before any handler runs; without
    // this it would answer Fastify's own JSON instead of MixPay's envelope.
    frameworkErrors: (error, _request, reply: FastifyReply) => {
      const status = error.statusCode !== undefined && error.statusCode >= 400 ? error.statusCode : 400;
      reply.status(status).send(errorEnvelope(ErrorCode.parameterError, error.message, ctx.clock.now()));
    },
  }) as unknown as FastifyInstance;
  installErrorHandling(app, ctx.clock);
  // MixPay takes JSON or form bodies only; Fastify's default text/plain parser would hand the
  // routes a string and answer a confusing "expected object" instead of 415.
  app.removeContentTypeParser('text/plain');
  await app.register(formbody, { bodyLimit: BODY_LIMIT });

  await app.register(async (scope) => apiRoutes(scope, ctx));
  await app.register(async (scope) => checkoutRoutes(scope, ctx));
  await app.register(async (scope) => assetRoutes(scope));
  await app.register(async (scope) => dashboardRoutes(scope, ctx));

  const guarded = async (scope: FastifyInstance) => {
    scope.addHook('onRequest', refuseCrossSite(ctx.clock, ctx.publicUrl));
    if (ctx.adminToken !== undefined) {
      scope.addHook('onRequest', requireToken(ctx.adminToken, ctx.clock, ctx.publicUrl));
    }
  };
  if (ctx.sandboxEnabled) {
    await app.register(async (scope) => {
      await guarded(scope);
      await sandboxRoutes(scope, ctx);
    });
  }
  await app.register(async (scope) => {
    await guarded(scope);
    await adminRoutes(scope, ctx);
  });

  app.get('/healthz', async (_request, reply) => {
    try {
      await ctx.store.ping();
      return okEnvelope({ status: 'ok', mode: ctx.mode, database: ctx.store.capabilities.dialect }, ctx.clock.now());
    } catch (error) {
      app.log.error({ err: error }, 'health check: database unreachable');
      return reply
        .status(503)
        .send({ ...okEnvelope({ status: 'database unreachable' }, ctx.clock.now()), success: false, code: -1 });
    }
  });
  return app;
}
