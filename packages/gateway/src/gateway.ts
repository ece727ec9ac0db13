// Wires a gateway together: store, clock, payment service, dispatcher, sweeper, pruner, HTTP.
// Everything time- or I/O-shaped can be passed in, so tests run the real thing fast.
import type { FastifyInstance } from 'fastify';
import type pino from 'pino';
import { systemClock } from './clock.js';
import { ConfigError, type GatewayConfig } from './config.js';
import { type AttemptObserver, Dispatcher } from './delivery/dispatcher.js';
import { type CallbackSender, UndiciSender } from './delivery/sender.js';
import { AddressPolicy, type Resolver } from './delivery/ssrf.js';
import { AssetCatalog } from './domain/assets.js';
import { EndpointHealth } from './endpoints/health.js';
import { EndpointService } from './endpoints/service.js';
import { buildApp } from './http/app.js';
import { LISTEN_BACKLOG } from './http/overload.js';
import type { Clock } from './interfaces.js';
import { createLogger, type Logger } from './logger.js';
import { GatewayMetrics } from './metrics.js';
import { OperatorSignal } from './operator-signal.js';
import { PaymentService } from './payments.js';
import { RecoveryService } from './recoveries.js';
import { RecoveryRunner } from './recovery-runner.js';
import { AttemptPruner } from './retention.js';
import { openStore } from './storage/open.js';
import type { Store } from './storage/store.js';
import { Sweeper } from './sweeper.js';

export interface GatewayDeps {
  clock?: Clock;
  store?: Store;
  sender?: CallbackSender;
  catalog?: AssetCatalog;
  logger?: pino.Logger;
  /** Name resolution for the SSRF guard (tests point names at internal addresses). */
  resolver?: Resolver;
  /**
   * Told about every recorded attempt, after the gateway's own observers (metrics, the operator
   * signal): what an embedding application or a test waits on instead of polling the store.
   */
  onAttempt?: AttemptObserver;
}

export interface Gateway {
  config: GatewayConfig;
  app: FastifyInstance;
  store: Store;
  payments: PaymentService;
  dispatcher: Dispatcher;
  sweeper: Sweeper;
  /** Prunes attempts older than the retention (runs with the dispatcher). */
  pruner: AttemptPruner;
  /** Tells the operator's webhook (PAYHOOK_OPERATOR_WEBHOOK_URL); absent without one. Any producer may `notify`. */
  operatorSignal: OperatorSignal | undefined;
  /** Recoveries (selections of deliveries redelivered or made due now) and the runner of their batches. */
  recoveries: RecoveryService;
  recoveryRunner: RecoveryRunner;
  /** Callback URLs' health and pauses (the admin API's, the dashboard's, the CLI's). */
  endpoints: EndpointService;
  /**
   * Endpoint health as attempts end, written in batches off the dispatcher's path;
   * `onTransition` tells of URLs turning failing, recovering, or pausing themselves.
   */
  endpointHealth: EndpointHealth;
  /**
   * Starts what the role asks for: HTTP (`all`, `api`) and the dispatcher, sweeper and pruner loops
   * (`all`, `dispatcher`). Resolves to the URL it listens on, or '' without HTTP.
   */
  start(): Promise<string>;
  /** Stops taking requests, lets attempts in flight finish (or releases them), closes the store. */
  stop(graceMs?: number): Promise<void>;
}

export async function createGateway(config: GatewayConfig, deps: GatewayDeps = {}): Promise<Gateway> {
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? createLogger(config.logLevel);
  /** Each part logs under its own `component`. */
  const logFor = (component: string) => (logger as unknown as Logger).child({ component });
  const store =
    deps.store ??
    (await openStore(config.databaseUrl, {
      poolSize: config.poolSize,
      onListenerError: (error) => logger.warn({ err: error }, 'database listener lost; reconnecting'),
      onOwnerLockError: (error) => logger.warn({ err: error }, 'lease owner lock lost; taking it again'),
      onVacuum: (event) => {
        const { phase, ...rest } = event;
        if (phase === 'start')
          logger.warn(
            rest,
            'converting the SQLite file to incremental auto-vacuum: one VACUUM, which may take a while',
          );
        else if (phase === 'done') logger.info(rest, 'SQLite file converted to incremental auto-vacuum');
        else logger.warn(rest, 'SQLite file busy: its conversion to incremental auto-vacuum waits for the next start');
      },
    }));
  const catalog = deps.catalog ?? new AssetCatalog();
  // Production sends only to public addresses; the sandbox exists to call back to loopback.
  const addressPolicy = config.mode === 'production' ? new AddressPolicy(config.callbackAllowedSubnets) : undefined;
  const sender =
    deps.sender ??
    new UndiciSender({
      timeoutMs: config.attemptTimeoutMs,
      maxAnswerBytes: config.maxAnswerBytes,
      userAgent: 'payhook/0.1',
      ...(addressPolicy ? { guard: { policy: addressPolicy, resolver: deps.resolver } } : {}),
    });

  // Operations: metrics on a registry of this gateway's own; exhausted deliveries told to the operator.
  const metrics = new GatewayMetrics({
    store: store.admin,
    unrecordedAttempts: () => dispatcher?.unrecordedAttempts ?? 0,
    logger: logFor('metrics'),
  });
  const operatorSignal = config.operatorWebhookUrl
    ? new OperatorSignal({
        url: config.operatorWebhookUrl,
        secret: requireOperatorSecret(config.operatorWebhookSecret),
        clock,
        retriesMs: config.operatorWebhookRetriesMs,
        logger: logFor('operator-signal'),
      })
    : undefined;

  const endpointHealth = new EndpointHealth({
    store: store.endpoints,
    clock,
    thresholds: { failingAfter: config.endpointFailingAfter, autoPauseAfter: config.endpointAutoPauseAfter },
    logger: logFor('endpoint-health'),
  });
  // A URL turning failing, recovering or pausing itself is an operator notice as it stands.
  if (operatorSignal) endpointHealth.onTransition((transition) => operatorSignal.notify(transition));

  let dispatcher: Dispatcher | undefined;
  let sweeper: Sweeper | undefined;
  const endpoints = new EndpointService({
    store: store.endpoints,
    clock,
    schedule: config.schedule,
    attemptTimeoutMs: config.attemptTimeoutMs,
    onResume: () => dispatcher?.notify(),
    logger: logFor('endpoints'),
  });
  const payments = new PaymentService({
    store,
    clock,
    catalog,
    mode: config.mode,
    addressPolicy,
    schedule: config.schedule,
    settleDelayMs: config.settleDelayMs,
    onDeliveries: () => dispatcher?.notify(),
    onTimers: (dueAt) => sweeper?.notify(dueAt),
  });
  dispatcher = new Dispatcher({
    queue: store.queue,
    sender,
    clock,
    schedule: config.schedule,
    concurrency: config.concurrency,
    hostConcurrency: config.hostConcurrency,
    leaseMs: config.leaseMs,
    pollIntervalMs: config.pollIntervalMs,
    recordWindowMs: config.recordWindowMs,
    logger: logFor('dispatcher'),
    onAttempt: (attempt, delivery, update) => {
      metrics.recordAttempt(attempt, delivery, update);
      operatorSignal?.onAttempt(attempt, delivery, update);
      endpointHealth.onAttempt(attempt, delivery, update);
      deps.onAttempt?.(attempt, delivery, update);
    },
  });
  sweeper = new Sweeper({
    store,
    payments,
    clock,
    pollIntervalMs: config.pollIntervalMs,
    logger: logFor('sweeper'),
  });
  const pruner = new AttemptPruner({
    store,
    clock,
    retentionMs: config.attemptRetentionMs,
    intervalMs: config.retentionIntervalMs,
    batchSize: config.retentionBatch,
    logger: logFor('retention'),
    onPruned: (count) => metrics.recordPruned(count),
  });

  // Every role runs recoveries: one requested here starts at once, and one a crashed gateway
  // left running is taken back from wherever its cursor stands.
  const recoveryRunner = new RecoveryRunner({
    store,
    clock,
    schedule: config.schedule,
    batchSize: config.recoveryBatch,
    pollIntervalMs: config.pollIntervalMs,
    onDue: () => dispatcher?.notify(),
    logger: logFor('recovery'),
  });
  const recoveries = new RecoveryService({
    store,
    clock,
    mode: config.mode,
    addressPolicy,
    runner: recoveryRunner,
    onDue: () => dispatcher?.notify(),
  });
  const app = await buildApp(
    {
      payments,
      recoveries,
      store,
      endpoints,
      catalog,
      clock,
      mode: config.mode,
      publicUrl: config.publicUrl,
      adminToken: config.adminToken,
      sandboxEnabled: config.sandboxEnabled,
      metrics,
      rateLimitPerMinute: config.rateLimitPerMinute,
      maxEventLoopDelayMs: config.maxEventLoopDelayMs,
      quoteWindowMs: config.quoteWindowMs,
      attemptRetentionMs: config.attemptRetentionMs,
      secretRotationOverlapMs: config.secretRotationOverlapMs,
      schedule: config.schedule,
    },
    logger,
  );

  const started = { dispatcher, sweeper };
  return {
    config,
    app,
    store,
    payments,
    dispatcher,
    sweeper,
    pruner,
    operatorSignal,
    recoveries,
    recoveryRunner,
    endpoints,
    endpointHealth,
    async start() {
      const url =
        config.role === 'dispatcher'
          ? ''
          : await app.listen({ port: config.port, host: config.host, backlog: LISTEN_BACKLOG });
      if (config.role !== 'api') {
        await started.dispatcher.start();
        started.sweeper.start();
        pruner.start();
      }
      recoveryRunner.start();
      return url;
    },
    async stop(graceMs = 5_000) {
      await app.close();
      await recoveryRunner.stop();
      await started.sweeper.stop();
      await pruner.stop();
      await started.dispatcher.stop(graceMs);
      // The last attempts' health is written before the store closes.
      await endpointHealth.flush();
      await sender.close();
      await operatorSignal?.close(graceMs);
      await store.close();
    },
  };
}

/** loadConfig refuses a webhook URL without its secret; a config built by hand must not get around it. */
function requireOperatorSecret(secret: string | undefined): string {
  if (secret === undefined) {
    throw new ConfigError('PAYHOOK_OPERATOR_WEBHOOK_SECRET is required with PAYHOOK_OPERATOR_WEBHOOK_URL');
  }
  return secret;
}
