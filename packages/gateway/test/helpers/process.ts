// Runs the gateway as a real OS process (node + tsx on the TypeScript sources), exactly as
// an operator would with `main.ts`, so tests can SIGKILL or SIGTERM it and restart it.
import { type JsonAnswer, jsonClient } from '../../../../test-support/http.js';
import { type NodeProcess, spawnServer, TSX_SOURCES } from '../../../../test-support/process.js';

export type { Json } from '../../../../test-support/http.js';
export { type Exit, REPO_ROOT } from '../../../../test-support/process.js';

const MAIN = 'packages/gateway/src/main.ts';

export interface GatewayProcess extends NodeProcess {
  url: string;
  get(path: string): Promise<JsonAnswer>;
  post(path: string, body: unknown): Promise<JsonAnswer>;
}

/**
 * Spawns `node --import tsx --conditions=@payhook/source packages/gateway/src/main.ts` with
 * `env` on top of the parent's environment, and waits for its "listening on" line.
 * PORT defaults to 0: the OS picks a free port, which the line reports. With `main`, runs that
 * module instead (the built `dist/main.js`, see built.ts), without tsx.
 */
export async function spawnGateway(
  env: Record<string, string>,
  startTimeoutMs = 20_000,
  args: readonly string[] = [],
  main?: string,
): Promise<GatewayProcess> {
  const command = main === undefined ? [...TSX_SOURCES, MAIN] : [main];
  const gateway = await spawnServer(
    'gateway',
    [...command, ...args],
    {
      // Load tests send far more than 60 requests a minute from loopback: no rate limit unless asked;
      // and a loaded CI machine can lag past any threshold: no overload shedding either.
      PORT: '0',
      LOG_LEVEL: 'warn',
      PAYHOOK_RATE_LIMIT: '0',
      PAYHOOK_MAX_EVENT_LOOP_DELAY: '0',
      ...env,
    },
    // An API process reports its URL; a dispatcher-only process (role dispatcher) has none.
    /listening on (http:\/\/\S+)|payhook dispatcher \(.*\) running/,
    startTimeoutMs,
  );
  return Object.assign(gateway, jsonClient(gateway.url));
}
