// `payhook gateway`: runs the gateway in this process, as packages/gateway's main.ts does,
// until SIGTERM or SIGINT, then stops gracefully (attempts in flight finish or are released).
import { UsageError } from '../errors.js';
import type { Output } from '../output.js';

/** Resolves once the gateway has stopped after a signal. */
export async function runGateway(overrides: Record<string, string>, out: Output): Promise<void> {
  // Loaded on demand: the client commands never pay for Fastify and SQLite.
  const { ConfigError, createGateway, loadConfig } = await import('@payhook/gateway');
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig({ ...process.env, ...overrides });
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
  const gateway = await createGateway(config);
  const url = await gateway.start();
  const log = gateway.app.log;
  log.info(
    {
      url,
      mode: config.mode,
      database: gateway.store.capabilities.dialect,
      schedule: config.schedule.map((ms) => ms / 1000),
    },
    `payhook gateway listening on ${url}`,
  );
  if (config.mode === 'sandbox') {
    log.info('sandbox mode: http:// callbacks to loopback are allowed and /v1/sandbox/* drives payments');
  }
  out.line(
    url === ''
      ? `payhook dispatcher (${config.mode}, ${gateway.store.capabilities.dialect}) running`
      : `payhook gateway (${config.mode}, role ${config.role}) listening on ${url}`,
  );

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log.info({ signal }, 'shutting down: finishing attempts in flight');
  // A second signal while stopping means "now".
  const force = () => process.exit(1);
  process.once('SIGTERM', force);
  process.once('SIGINT', force);
  await gateway.stop();
}
