// Runs the real `payhook` binary (bin/payhook.js → dist/, built by global-setup.ts) as a child
// process, the way a person or a script runs it, and captures what it prints.
import { fileURLToPath } from 'node:url';
import { type Exit, type NodeProcess, spawnNode } from '../../../../test-support/process.js';

export { killAllProcesses as killAllClis } from '../../../../test-support/process.js';

export const BIN = fileURLToPath(new URL('../../bin/payhook.js', import.meta.url));

export interface CliResult extends Exit {
  stdout: string;
  stderr: string;
}

export interface CliProcess {
  child: NodeProcess['child'];
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout line matching `pattern`; rejects on exit or timeout. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Sends `signal` and resolves with the result once the process has exited. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<CliResult>;
  exited: Promise<CliResult>;
}

/** Starts `payhook …args`, without anything in the parent's environment that would point it elsewhere. */
export function startCli(args: readonly string[], env: Record<string, string> = {}): CliProcess {
  const cli = spawnNode('payhook', [BIN, ...args], { NO_COLOR: '1', ...env }, ['PAYHOOK_URL', 'PAYHOOK_ADMIN_TOKEN']);
  const result = (exit: Exit): CliResult => ({ ...exit, stdout: cli.stdout(), stderr: cli.stderr() });
  const line = (stream: 'stdout' | 'stderr') => async (pattern: RegExp, timeoutMs?: number) =>
    (await cli.waitForLine(pattern, { stream, ...(timeoutMs === undefined ? {} : { timeoutMs }) })).input;
  return {
    child: cli.child,
    stdout: cli.stdout,
    stderr: cli.stderr,
    exited: cli.exited.then(result),
    waitForLine: line('stdout'),
    waitForStderr: line('stderr'),
    stop: async (signal = 'SIGINT', timeoutMs = 10_000) => result(await cli.signal(signal, timeoutMs)),
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
