#!/usr/bin/env node
// Runs the gateway from the environment until SIGTERM or SIGINT, then shuts down gracefully.
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config.js';
import { createGateway } from './gateway.js';

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    // `--role api|dispatcher|all` mirrors PAYHOOK_ROLE, for process managers that prefer flags.
    const { values } = parseArgs({ options: { role: { type: 'string' } }, strict: true });
    config = loadConfig(values.role === undefined ? process.env : { ...process.env, PAYHOOK_ROLE: values.role });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`payhook: ${error.message}\n`);
      process.exit(2);
    }
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
    log.info(
      'sandbox mode: the SSRF guard is off, http:// callbacks to loopback are allowed and /v1/sandbox/* drives payments',
    );
  }
  // One line on stdout for people and scripts, whatever the log level.
  process.stdout.write(
    url === ''
      ? `payhook dispatcher (${config.mode}, ${gateway.store.capabilities.dialect}) running\n`
      : `payhook gateway (${config.mode}, role ${config.role}) listening on ${url}\n`,
  );

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: finishing attempts in flight');
    gateway.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`payhook: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
