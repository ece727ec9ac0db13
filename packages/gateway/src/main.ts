#!/usr/bin/env node
// Runs the gateway from the environment until SIGTERM or SIGINT, then shuts down gracefully.
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config.js';
import { createGateway } from './gateway.js';
import { serveUntilSignal } from './serve.js';

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
  // A failure to start or to stop reaches main()'s catch below: message on stderr, exit 1.
  await serveUntilSignal(await createGateway(config), (text) => process.stdout.write(`${text}\n`));
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`payhook: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
