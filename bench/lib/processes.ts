// The processes a benchmark runs and what it reads about them from /proc: CPU ticks split by
// who used them, peak RSS (VmHWM), the worker children (bench/lib/worker.ts) it talks to over
// IPC, and real gateway processes started as a user's `npm start` would.
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { FromWorker, ToWorker } from './shared.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));
const GATEWAY_MAIN = 'packages/gateway/src/main.ts';
const GATEWAY_DIST_MAIN = 'packages/gateway/dist/main.js';
const TICK_MS = 10; // USER_HZ = 100 on Linux

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function logger(name: string): (msg: string) => void {
  return (msg) => process.stderr.write(`[${name} ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

export interface ProcInfo {
  ppid: number;
  ticks: number;
  startTime: number;
  comm: string;
  cmd: string;
}

export function readProc(pid: number): ProcInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const f = stat.slice(close + 2).split(' ');
    // Fields after the comm: state(3) ppid(4) … utime(14) stime(15) … starttime(22).
    const info: ProcInfo = {
      ppid: Number(f[1]),
      ticks: Number(f[11]) + Number(f[12]),
      startTime: Number(f[19]),
      comm,
      cmd: '',
    };
    if (comm === 'postgres') info.cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    return info;
  } catch {
    return undefined; // gone
  }
}

function snapshotProcs(): Map<number, ProcInfo> {
  const procs = new Map<number, ProcInfo>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const info = readProc(Number(name));
    if (info) procs.set(Number(name), info);
  }
  return procs;
}

/** Busy and total jiffies of the whole machine (/proc/stat's first line). */
function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: total - idle, total };
}

export function vm(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** CPU over a phase, in % of one core, by who used it; `wallMs` is the phase's length. */
export interface CpuSplit {
  system: number;
  receiver: number;
  db: number;
  bench: number;
  kernel: number;
  other: number;
  machine: number;
  wallMs: number;
}

export interface CpuWindow {
  procs: Map<number, ProcInfo>;
  machine: { busy: number; total: number };
  at: number;
}

export function cpuWindow(): CpuWindow {
  return { procs: snapshotProcs(), machine: machineTicks(), at: performance.now() };
}

/**
 * CPU µs per callback of the system under test: its sender processes plus its database server
 * (PostgreSQL backends and background processes, redis-server; SQLite runs inside the sender).
 */
export function cpuUsPerCallback(cpu: CpuSplit, callbacks: number): number {
  return (((cpu.system + cpu.db) / 100) * cpu.wallMs * 1000) / callbacks;
}

/**
 * Splits the CPU every process used between two snapshots. `system` is the processes under test
 * (and their children); for gateways it is given per process from their own ready time, so their
 * start-up (compiling the TypeScript sources) is not counted. PostgreSQL backends count as `db`
 * when connected to one of `dbNames` (the scenario's own databases), PostgreSQL's own background
 * processes and redis-server always do; backends of other databases are `other`.
 */
export function splitCpu(
  from: CpuWindow,
  to: CpuWindow,
  roles: { system: readonly number[]; systemTicks?: number; receiver: number; dbNames: readonly string[] },
): CpuSplit {
  const wallMs = to.at - from.at;
  const pct = (ticks: number) => (ticks / (wallMs / TICK_MS)) * 100;
  const ancestry = (pid: number, roots: ReadonlySet<number>) => {
    for (let p: number | undefined = pid, hops = 0; p !== undefined && p > 1 && hops < 64; hops++) {
      if (roots.has(p)) return true;
      p = to.procs.get(p)?.ppid ?? from.procs.get(p)?.ppid;
    }
    return false;
  };
  const system = new Set(roles.system);
  const receiver = new Set([roles.receiver]);
  const bench = new Set([process.pid, process.ppid]);
  const split = { system: 0, receiver: 0, db: 0, bench: 0, kernel: 0, other: 0 };
  for (const [pid, info] of to.procs) {
    const before = from.procs.get(pid);
    const used = info.ticks - (before && before.startTime === info.startTime ? before.ticks : 0);
    if (used <= 0) continue;
    if (ancestry(pid, system)) {
      if (roles.systemTicks === undefined) split.system += used;
    } else if (ancestry(pid, receiver)) split.receiver += used;
    else if (ancestry(pid, bench)) split.bench += used;
    else if (info.ppid === 2 || pid === 2) split.kernel += used;
    else if (info.comm === 'redis-server') split.db += used;
    else if (info.comm === 'postgres') {
      // "postgres: 15/main: USER DB HOST(PORT) STATE" for a backend, "postgres: 15/main: walwriter" otherwise.
      const backend = /^postgres: \S+: \S+ (\S+) (\S+\(\d+\)|\[local\])/.exec(info.cmd);
      if (!backend || roles.dbNames.includes(backend[1] ?? '')) split.db += used;
      else split.other += used;
    } else split.other += used;
  }
  if (roles.systemTicks !== undefined) split.system = roles.systemTicks;
  const cores = os.cpus().length;
  const machine =
    ((to.machine.busy - from.machine.busy) / Math.max(1, to.machine.total - from.machine.total)) * cores * 100;
  return {
    system: pct(split.system),
    receiver: pct(split.receiver),
    db: pct(split.db),
    bench: pct(split.bench),
    kernel: pct(split.kernel),
    other: pct(split.other),
    machine,
    wallMs,
  };
}

/**
 * How busy other processes keep the machine while this benchmark is idle: % of one core over
 * `ms`, without kernel threads, this benchmark's processes, and the database servers' own
 * background work (backends of other databases count: other people's tests).
 */
export async function othersBusyPct(ms: number, receiver: number): Promise<number> {
  const a = cpuWindow();
  await sleep(ms);
  return splitCpu(a, cpuWindow(), { system: [], receiver, dbNames: [] }).other;
}

/** A child running bench/lib/worker.ts in one role, talked to over the fork IPC channel. */
export class Child {
  readonly proc: ChildProcess;
  readonly errors: string[] = [];
  progress = 0;
  private readonly inbox: FromWorker[] = [];
  private readonly waiters = new Set<() => void>();
  readonly exited: Promise<number | null>;

  constructor(args: string[], log: (msg: string) => void) {
    this.proc = fork(WORKER, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.proc.on('message', (msg: FromWorker) => {
      if (msg.type === 'error') {
        this.errors.push(msg.message);
        log(`child ${args[0]}: ${msg.message}`);
      } else if (msg.type === 'progress') this.progress = msg.done;
      else this.inbox.push(msg);
      for (const w of this.waiters) w();
    });
    this.exited = new Promise((resolve) => this.proc.once('exit', (code) => resolve(code)));
    void this.exited.then(() => {
      for (const w of this.waiters) w();
    });
  }

  get pid(): number {
    return this.proc.pid as number;
  }

  send(msg: ToWorker): void {
    if (this.proc.connected) this.proc.send(msg);
  }

  /** The next message of this type (kept if it came early); rejects on timeout or exit. */
  async next<T extends FromWorker['type']>(type: T, timeoutMs: number): Promise<Extract<FromWorker, { type: T }>> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const i = this.inbox.findIndex((m) => m.type === type);
      if (i >= 0) return this.inbox.splice(i, 1)[0] as Extract<FromWorker, { type: T }>;
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) {
        throw new Error(
          `child exited (${this.proc.exitCode ?? this.proc.signalCode}) before "${type}": ${this.errors.join('; ')}`,
        );
      }
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`child did not send "${type}" within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, left);
        this.waiters.add(done);
      });
    }
  }

  async kill(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill('SIGKILL');
    await this.exited;
  }
}

/** A real gateway process: `node main.ts` on the TypeScript sources, its output in a log file. */
export interface GatewayProcess {
  proc: ChildProcess;
  pid: number;
  logPath: string;
  alive(): boolean;
  /** The last lines of its log, for an error message. */
  tail(): string;
  /** SIGTERM (a graceful shutdown), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface GatewayEnv {
  DATABASE_URL: string;
  [key: string]: string;
}

/**
 * Starts `node --import tsx packages/gateway/src/main.ts` (or, with `entry: 'dist'`, the built
 * `node packages/gateway/dist/main.js` that `npm start` runs) with `env` on top of this process's
 * environment without its PAYHOOK_*, DATABASE_URL, PORT, HOST, LOG_LEVEL and NODE_OPTIONS.
 */
export function spawnGateway(
  env: GatewayEnv,
  logPath: string,
  cpuProfDir?: string,
  entry: 'source' | 'dist' = 'source',
): GatewayProcess {
  const inherited: Record<string, string | undefined> = { ...process.env };
  for (const key of Object.keys(inherited)) {
    if (key.startsWith('PAYHOOK_') || ['NODE_OPTIONS', 'DATABASE_URL', 'PORT', 'HOST', 'LOG_LEVEL'].includes(key)) {
      delete inherited[key];
    }
  }
  const fd = openSync(logPath, 'a');
  const prof = cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : [];
  const main =
    entry === 'dist' ? [GATEWAY_DIST_MAIN] : ['--import', 'tsx', '--conditions=@payhook/source', GATEWAY_MAIN];
  const proc = spawn(process.execPath, [...prof, ...main], {
    cwd: REPO_ROOT,
    env: { ...inherited, ...env },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const alive = () => proc.exitCode === null && proc.signalCode === null;
  return {
    proc,
    pid: proc.pid as number,
    logPath,
    alive,
    tail: () => readFileSync(logPath, 'utf8').split('\n').slice(-15).join('\n'),
    async stop(graceMs = 20_000) {
      if (!alive()) return;
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Waits for a line matching `ready` in the gateway's log; returns the match. */
export async function waitForLog(gw: GatewayProcess, ready: RegExp, timeoutMs = 60_000): Promise<RegExpExecArray> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const m = ready.exec(readFileSync(gw.logPath, 'utf8'));
    if (m) return m;
    if (!gw.alive()) throw new Error(`gateway exited during start-up:\n${gw.tail()}`);
    if (performance.now() > deadline) throw new Error(`gateway did not start within ${timeoutMs / 1000} s`);
    await sleep(20);
  }
}
