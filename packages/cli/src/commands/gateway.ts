// `payhook gateway`: runs the gateway in this process with serveUntilSignal, as main.ts does.
import { UsageError } from '../errors.js';
import type { Output } from '../output.js';

/** Resolves once the gateway has stopped after a signal. */
export async function runGateway(overrides: Record<string, string>, out: Output): Promise<void> {
  // Loaded on demand: the client commands never pay for Fastify and SQLite.
  const { ConfigError, createGateway, loadConfig, serveUntilSignal } = await import('@payhook/gateway');
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig({ ...process.env, ...overrides });
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
  await serveUntilSignal(await createGateway(config), (text) => out.line(text));
}
