// The one spawner of the tests' real OS processes (the gateway, the example shop, the `payhook`
// binary): node with the given arguments from the repository root, its output captured, and a
// way to wait for a line, signal it and wait for the exit. Every child is tracked, so that
// `killAllProcesses` in an afterEach leaves none behind whatever a test did.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The monorepo root: children run from here so `tsx` and the workspace packages resolve. */
export const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));

/** Runs TypeScript sources as an operator would with tsx, on the packages' sources. */
export const TSX_SOURCES = ['--import', 'tsx', '--conditions=@payhook/source'] as const;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface NodeProcess {
  child: ChildProcess;
  pid: number;
  stdout(): string;
  stderr(): string;
  /** Everything the process wrote so far, both streams as they came, for failure messages. */
  output(): string;
  /** Resolves when the process has exited and its output is complete, whatever the reason. */
  exited: Promise<Exit>;
  /** The first line of `stream` that matches `pattern`; rejects on exit or timeout. */
  waitForLine(
    pattern: RegExp,
    options?: { stream?: 'stdout' | 'stderr'; timeoutMs?: number },
  ): Promise<RegExpExecArray>;
  /** Sends a signal and waits for the exit; rejects if it does not come within `timeoutMs`. */
  signal(signal: NodeJS.Signals, timeoutMs?: number): Promise<Exit>;
}

const live = new Set<ChildProcess>();

/**
 * Spawns `node …args` named `name` (for messages) with `env` on top of the parent's environment
 * minus NODE_OPTIONS (vitest's loaders have no place in the child) and minus `unset`.
 */
export function spawnNode(
  name: string,
  args: readonly string[],
  env: Record<string, string>,
  unset: readonly string[] = [],
): NodeProcess {
  const inherited = { ...process.env };
  for (const key of ['NODE_OPTIONS', ...unset]) delete inherited[key];
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...inherited, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  const text = { stdout: '', stderr: '', both: '' };
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const listener of listeners) listener();
  };
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream]?.setEncoding('utf8').on('data', (chunk: string) => {
      text[stream] += chunk;
      text.both += chunk;
      changed();
    });
  }
  let done = false;
  const exited = new Promise<Exit>((resolve) => {
    child.once('close', (code, signal) => {
      live.delete(child);
      done = true;
      changed();
      resolve({ code, signal });
    });
  });
  const report = () => `\nstdout:\n${text.stdout}\nstderr:\n${text.stderr}`;

  return {
    child,
    pid: child.pid as number,
    stdout: () => text.stdout,
    stderr: () => text.stderr,
    output: () => text.both,
    exited,
    waitForLine: (pattern, { stream = 'stdout', timeoutMs = 15_000 } = {}) =>
      new Promise((resolve, reject) => {
        const check = () => {
          for (const line of text[stream].split('\n')) {
            const match = pattern.exec(line);
            if (match) {
              stop();
              resolve(match);
              return;
            }
          }
          if (done) {
            stop();
            reject(new Error(`${name} exited before printing ${pattern}:${report()}`));
          }
        };
        const timer = setTimeout(() => {
          stop();
          reject(new Error(`${name} did not print ${pattern} within ${timeoutMs} ms:${report()}`));
        }, timeoutMs);
        const stop = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      }),
    async signal(signal, timeoutMs = 10_000) {
      child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${name} ${child.pid} did not exit within ${timeoutMs} ms of ${signal}:${report()}`)),
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

/**
 * Spawns a server and waits for the line that says it is up (`ready`, its first group the URL,
 * if any); SIGKILLs it if that line does not come within `startTimeoutMs`.
 */
export async function spawnServer(
  name: string,
  args: readonly string[],
  env: Record<string, string>,
  ready: RegExp,
  startTimeoutMs: number,
): Promise<NodeProcess & { url: string }> {
  const proc = spawnNode(name, args, env);
  try {
    const match = await proc.waitForLine(ready, { timeoutMs: startTimeoutMs });
    return Object.assign(proc, { url: match[1] ?? '' });
  } catch (error) {
    proc.child.kill('SIGKILL');
    throw error;
  }
}

/** SIGKILLs every process a test left running and waits for them: call it in afterEach. */
export async function killAllProcesses(): Promise<void> {
  await Promise.all(
    [...live].map(async (child) => {
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise<void>((resolve) => child.once('close', () => resolve()));
        child.kill('SIGKILL');
        await gone;
      }
      live.delete(child);
    }),
  );
}
