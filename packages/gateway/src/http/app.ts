// Builds the gateway's HTTP server. Routes only translate HTTP to the payment service
// and back; they hold no logic of their own.
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { declareAccess, recordRoutes } from './access.js';
import { refuseCrossSite, refuseForeignHost, requireToken } from './auth.js';
import type { HttpContext } from './context.js';
import { answerRouterErrors, installErrorHandling } from './error-handler.js';
import { installOverloadShedding } from './overload.js';
import { installRateLimits } from './rate-limit.js';
import { RequestLogController } from './request-log.js';
import { adminRoutes } from './routes/admin.js';
import { apiRoutes } from './routes/api.js';
import { assetRoutes } from './routes/assets.js';
import { checkoutActions, checkoutRoutes } from './routes/checkout.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { endpointRoutes } from './routes/endpoints.js';
import { installRequestMetrics, metricsRoutes } from './routes/metrics.js';
import { operationsRoutes } from './routes/operations.js';
import { payeeSecretRoutes } from './routes/payee-secrets.js';
import { recoveryRoutes } from './routes/recoveries.js';
import { retentionRoutes } from './routes/retention.js';
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
    // Request lines at info, but the hot reads' at debug (request-log.ts).
    logController: new RequestLogController(),
    frameworkErrors: answerRouterErrors(ctx.clock),
  }) as unknown as FastifyInstance;
  recordRoutes(app);
  installErrorHandling(app, ctx.clock);
  // First of all hooks: a request shed for overload must cost as little as possible.
  await installOverloadShedding(app, { maxEventLoopDelayMs: ctx.maxEventLoopDelayMs });
  // With a token, a rebound name gains nothing (no session cookie, no token); without one, the
  // sandbox and dashboard trust this machine, so a foreign name in Host is refused outright.
  if (ctx.adminToken === undefined) app.addHook('onRequest', refuseForeignHost(ctx.publicUrl));
  if (ctx.metrics) installRequestMetrics(app, ctx.metrics);
  // MixPay takes JSON or form bodies only; Fastify's default text/plain parser would hand the
  // routes a string and answer a confusing "expected object" instead of 415.
  app.removeContentTypeParser('text/plain');
  await app.register(formbody, { bodyLimit: BODY_LIMIT });
  // Counted before anything else runs, so refused tokens and bad input spend the budget too.
  const limits = await installRateLimits(app, {
    store: ctx.store,
    clock: ctx.clock,
    perMinute: ctx.rateLimitPerMinute,
    onError: (error) => app.log.warn({ err: error }, 'rate limit: could not expire old windows'),
  });
  const limit = (scope: FastifyInstance, hook: typeof limits.api) => hook && scope.addHook('onRequest', hook);

  // Every route is registered below inside a scope that declares who may call it (access.ts);
  // the operator's scopes get their door here, in one place.
  const open = (scope: FastifyInstance, hook?: typeof limits.api) => {
    declareAccess(scope, 'public');
    limit(scope, hook);
  };
  const guarded = (scope: FastifyInstance) => {
    declareAccess(scope, 'operator');
    limit(scope, limits.control);
    scope.addHook('onRequest', refuseCrossSite(ctx.publicUrl));
    if (ctx.adminToken !== undefined) {
      scope.addHook('onRequest', requireToken(ctx.adminToken, ctx.clock, ctx.publicUrl));
    }
  };

  await app.register(async (scope) => {
    open(scope, limits.api);
    await apiRoutes(scope, ctx);
  });
  await app.register(async (scope) => {
    open(scope, limits.api);
    await checkoutRoutes(scope, ctx);
  });
  await app.register(async (scope) => {
    open(scope);
    await assetRoutes(scope);
  });
  await app.register(async (scope) => {
    // Declares its own scopes: sign-in is public, the pages need a session (or this machine).
    limit(scope, limits.control);
    await dashboardRoutes(scope, ctx);
  });

  if (ctx.sandboxEnabled) {
    await app.register(async (scope) => {
      guarded(scope);
      await sandboxRoutes(scope, ctx);
    });
    // The checkout page's forms move sandbox money exactly as /v1/sandbox/* does.
    await app.register(async (scope) => {
      guarded(scope);
      await checkoutActions(scope, ctx);
    });
  }
  await app.register(async (scope) => {
    guarded(scope);
    await adminRoutes(scope, ctx);
    await payeeSecretRoutes(scope, ctx);
    await retentionRoutes(scope, ctx);
    await recoveryRoutes(scope, ctx);
    await endpointRoutes(scope, ctx);
  });

  // /healthz, /openapi.json, /docs; /metrics is guarded like the admin API.
  await app.register(async (scope) => {
    open(scope);
    await operationsRoutes(scope, ctx);
  });
  const { metrics } = ctx;
  if (metrics) {
    await app.register(async (scope) => {
      guarded(scope);
      await metricsRoutes(scope, metrics);
    });
  }
  return app;
}
