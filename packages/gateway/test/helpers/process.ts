// Runs the gateway as a real OS process (node + tsx on the TypeScript sources), exactly as
// an operator would with `main.ts`, so tests can SIGKILL or SIGTERM it and restart it.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The monorepo root: the child runs from here so `tsx` and the workspace packages resolve. */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const MAIN = 'packages/gateway/src/main.ts';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A parsed JSON answer; its shape is what the tests assert. */
export type Json = any;

export interface GatewayProcess {
  child: ChildProcess;
  pid: number;
  url: string;
  /** Everything the process wrote so far, for failure messages. */
  output(): string;
  /** Resolves when the process has exited, whatever the reason. */
  exited: Promise<Exit>;
  get(path: string): Promise<{ status: number; body: Json }>;
  post(path: string, body: unknown): Promise<{ status: number; body: Json }>;
  /** Sends a signal and waits for the exit; rejects if it does not come within `timeoutMs`. */
  signal(signal: NodeJS.Signals, timeoutMs?: number): Promise<Exit>;
}

const live = new Set<ChildProcess>();

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
  const { NODE_OPTIONS: _ignored, ...inherited } = process.env;
  const command = main === undefined ? ['--import', 'tsx', '--conditions=@payhook/source', MAIN] : [main];
  const child = spawn(process.execPath, [...command, ...args], {
    cwd: REPO_ROOT,
    // Load tests send far more than 60 requests a minute from loopback: no rate limit unless asked;
    // and a loaded CI machine can lag past any threshold: no overload shedding either.
    env: {
      ...inherited,
      PORT: '0',
      LOG_LEVEL: 'warn',
      PAYHOOK_RATE_LIMIT: '0',
      PAYHOOK_MAX_EVENT_LOOP_DELAY: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let out = '';
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
  });
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    out += chunk;
  });

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gateway did not start within ${startTimeoutMs} ms:\n${out}`));
    }, startTimeoutMs);
    child.stdout?.on('data', (chunk: string) => {
      out += chunk;
      // An API process reports its URL; a dispatcher-only process (role dispatcher) has none.
      const match = /listening on (http:\/\/\S+)|payhook dispatcher \(.*\) running/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] ?? '');
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited before listening (code ${code}, signal ${signal}):\n${out}`));
    });
  });

  const request = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    return { status: res.status, body: await res.json() };
  };

  return {
    child,
    pid: child.pid as number,
    url,
    output: () => out,
    exited,
    get: (path) => request('GET', path),
    post: (path, body) => request('POST', path, body),
    async signal(signal, timeoutMs = 10_000) {
      child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`gateway ${child.pid} did not exit within ${timeoutMs} ms of ${signal}:\n${out}`)),
          timeoutMs,
        );
      });
      try {
        return await Promise.race([exited, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** SIGKILLs every gateway process still running and waits for them: call it in afterEach. */
export async function killAllGateways(): Promise<void> {
  await Promise.all(
    [...live].map(async (child) => {
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await gone;
      }
      live.delete(child);
    }),
  );
}
