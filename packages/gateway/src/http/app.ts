// Builds the gateway's HTTP server. Routes only translate HTTP to the payment service
// and back; they hold no logic of their own.
import formbody from '@fastify/formbody';
import { okEnvelope } from '@payhook/protocol';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { requireToken } from './auth.js';
import type { HttpContext } from './context.js';
import { installErrorHandling } from './error-handler.js';
import { adminRoutes } from './routes/admin.js';
import { apiRoutes } from './routes/api.js';
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
  }) as unknown as FastifyInstance;
  installErrorHandling(app, ctx.clock);
  await app.register(formbody, { bodyLimit: BODY_LIMIT });

  await app.register(async (scope) => apiRoutes(scope, ctx));

  const guarded = async (scope: FastifyInstance) => {
    if (ctx.adminToken !== undefined) scope.addHook('onRequest', requireToken(ctx.adminToken, ctx.clock));
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
