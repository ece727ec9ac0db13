// Runs the real `payhook` binary (bin/payhook.js → dist/, built by global-setup.ts) as a child
// process, the way a person or a script runs it, and captures what it prints.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/payhook.js', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout line matching `pattern`; rejects on exit or timeout. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Sends `signal` and resolves with the result once the process has exited. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<CliResult>;
  exited: Promise<CliResult>;
}

const live = new Set<ChildProcess>();

/** The parent's environment without anything that would point the CLI elsewhere. */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _o, PAYHOOK_URL: _u, PAYHOOK_ADMIN_TOKEN: _t, ...inherited } = process.env;
  return { ...inherited, NO_COLOR: '1', ...env };
}

export function startCli(args: readonly string[], env: Record<string, string> = {}): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: REPO_ROOT,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const l of listeners) l();
  };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    changed();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
    changed();
  });
  const exited = new Promise<CliResult>((resolve) => {
    child.once('close', (code, signal) => {
      live.delete(child);
      changed();
      resolve({ code, signal, stdout: out, stderr: err });
    });
  });

  const waitIn = (read: () => string, pattern: RegExp, timeoutMs: number) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const line = read()
          .split('\n')
          .find((l) => pattern.test(l));
        if (line !== undefined) {
          done();
          resolve(line);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          done();
          reject(new Error(`payhook exited before printing ${pattern}:\nstdout:\n${out}\nstderr:\n${err}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${pattern}:\nstdout:\n${out}\nstderr:\n${err}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      check();
    });

  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForLine: (pattern, timeoutMs = 15_000) => waitIn(() => out, pattern, timeoutMs),
    waitForStderr: (pattern, timeoutMs = 15_000) => waitIn(() => err, pattern, timeoutMs),
    async stop(signal = 'SIGINT', timeoutMs = 10_000) {
      child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`payhook did not exit within ${timeoutMs} ms of ${signal}`)),
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

/** Runs `payhook …args` to completion. */
export async function runCli(args: readonly string[], env: Record<string, string> = {}, timeoutMs = 30_000) {
  const cli = startCli(args, env);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      cli.child.kill('SIGKILL');
      reject(
        new Error(`payhook ${args.join(' ')} did not finish within ${timeoutMs} ms:\n${cli.stdout()}\n${cli.stderr()}`),
      );
    }, timeoutMs);
  });
  try {
    return await Promise.race([cli.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs a command that must succeed with --json and returns its parsed stdout. */
export async function runJson(args: readonly string[], env: Record<string, string> = {}): Promise<any> {
  const result = await runCli([...args, '--json'], env);
  if (result.code !== 0) {
    throw new Error(`payhook ${args.join(' ')} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
  }
  return JSON.parse(result.stdout);
}

/** SIGKILLs every payhook process a test left running: call it in afterEach. */
export async function killAllClis(): Promise<void> {
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
