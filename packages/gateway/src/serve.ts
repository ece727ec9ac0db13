// Runs a gateway as a program: start, announce, and stop gracefully on SIGTERM or SIGINT
// (attempts in flight finish or are released). Shared by main.ts and `payhook gateway`.
import type { Gateway } from './gateway.js';

/**
 * Starts `gateway`, writes its one-line announcement with `line`, and resolves once a signal
 * has stopped it. A second signal while stopping means "now": the process exits with 1.
 */
export async function serveUntilSignal(gateway: Gateway, line: (text: string) => void): Promise<void> {
  const { config } = gateway;
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
    log.info(
      'sandbox mode: the SSRF guard is off, http:// callbacks to loopback are allowed and /v1/sandbox/* drives payments',
    );
  }
  // One line for people and scripts, whatever the log level.
  line(
    url === ''
      ? `payhook dispatcher (${config.mode}, ${gateway.store.capabilities.dialect}) running`
      : `payhook gateway (${config.mode}, role ${config.role}) listening on ${url}`,
  );

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log.info({ signal }, 'shutting down: finishing attempts in flight');
  const force = () => process.exit(1);
  process.once('SIGTERM', force);
  process.once('SIGINT', force);
  await gateway.stop();
}
