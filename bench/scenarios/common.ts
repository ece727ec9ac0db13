// What every comparison scenario shares: the parameters, the context it runs in, its result,
// the summary of attempt times, running a peer's worker process, and timing the claim.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Store } from '@payhook/gateway';
import type { AttemptRow } from '../lib/databases.js';
import { Child, type CpuSplit, cpuWindow, splitCpu, vm } from '../lib/processes.js';
import type { Receiver } from '../lib/receiver.js';
import { type AttemptTimes, type FromWorker, median, type PeerConfig, percentile } from '../lib/shared.js';

export const LEASE_MS = 40_000;
export const DB_PREFIX = 'payhook_cmp';

export interface Params {
  callbacks: number;
  concurrency: number;
  backlog: number;
  backlogDue: number;
  backlogHours: number;
  claimReps: number;
  maxSeconds: number;
  logLevel: string;
  cpuProf: string | undefined;
  ceilingRequests: number;
}

export interface Ctx {
  params: Params;
  receiver: Receiver;
  /** Scratch directory: SQLite files and gateway logs. */
  dir: string;
  log: (msg: string) => void;
  /** Claim timings and peak RSS without a backlog, which the backlog table compares against. */
  baselineClaims: Map<'sqlite' | 'pg', ClaimTiming>;
  baselineRss: Map<string, number[]>;
}

export interface Result {
  scenario: string;
  label: string;
  procs: number;
  total: number;
  done: number;
  timedOut: boolean;
  rate: number;
  latenessP50: number;
  latenessP99: number;
  latencyP50: number;
  latencyP99: number;
  rssMb: number[];
  cpu: CpuSplit;
  checks: string;
  notes: string[];
  /** POSTs the CPU figures were spent on when not `done` (the ceiling's warm-up runs inside its phase). */
  posts?: number;
}

export type Summary = Pick<Result, 'rate' | 'latenessP50' | 'latenessP99' | 'latencyP50' | 'latencyP99'>;

/**
 * callbacks/s = delivered ÷ (last attempt end − first attempt start); lateness = start − due, due
 * clamped to the first attempt's start; latency = end − start.
 */
export function summarise(times: AttemptTimes, successes: number): Summary {
  const firstStart = Math.min(...times.start);
  const lastEnd = Math.max(...times.end);
  const lateness = times.start.map((s, i) => s - Math.max(times.due[i] ?? s, firstStart)).sort((a, b) => a - b);
  const latency = times.end.map((e, i) => e - (times.start[i] ?? e)).sort((a, b) => a - b);
  return {
    rate: times.start.length === 0 ? 0 : (successes / Math.max(1, lastEnd - firstStart)) * 1000,
    latenessP50: percentile(lateness, 0.5),
    latenessP99: percentile(lateness, 0.99),
    latencyP50: percentile(latency, 0.5),
    latencyP99: percentile(latency, 0.99),
  };
}

export function toTimes(rows: readonly AttemptRow[]): AttemptTimes {
  return { start: rows.map((r) => r.start), end: rows.map((r) => r.end), due: rows.map((r) => r.due) };
}

/** Runs one peer (or the raw loop) in a worker process until it has delivered `config.total`. */
export async function runPeer(
  ctx: Ctx,
  config: PeerConfig,
  dbNames: string[],
): Promise<{ result: Extract<FromWorker, { type: 'result' }>; rssMb: number; cpu: CpuSplit; timedOut: boolean }> {
  const child = new Child([config.kind, JSON.stringify(config)], ctx.log);
  try {
    await child.next('ready', 60_000);
    const start = cpuWindow();
    child.send({ type: 'start' });
    let timedOut = false;
    try {
      await child.next('finished', ctx.params.maxSeconds * 1000);
    } catch (error) {
      if (child.proc.exitCode !== null) throw error;
      timedOut = true;
    }
    const end = cpuWindow();
    const rssMb = vm(child.pid, 'VmHWM');
    const cpu = splitCpu(start, end, { system: [child.pid], receiver: ctx.receiver.pid, dbNames });
    child.send({ type: 'stop' });
    const result = await child.next('result', 60_000);
    await child.exited;
    return { result, rssMb, cpu, timedOut };
  } finally {
    await child.kill();
  }
}

export interface ClaimTiming {
  medianMs: number;
  minMs: number;
  maxMs: number;
  perClaim: number;
  reps: number;
}

/** Claims the next due batch `reps` times (no release in between: each takes the next batch), then releases all. */
export async function timeClaims(store: Store, reps: number, limit: number): Promise<ClaimTiming> {
  const token = randomUUID();
  const ms: number[] = [];
  const ids: string[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const claimed = await store.queue.claim({ now: Date.now(), limit, leaseMs: LEASE_MS, token });
    ms.push(performance.now() - t0);
    ids.push(...claimed.map((d) => d.id));
  }
  for (let i = 0; i < ids.length; i += 500) await store.queue.release(ids.slice(i, i + 500), token);
  return {
    medianMs: median(ms),
    minMs: Math.min(...ms),
    maxMs: Math.max(...ms),
    perClaim: ids.length / reps,
    reps,
  };
}

/** With nothing due: the claim a polling dispatcher makes, and its next-due look-up. */
export async function timeIdleLook(store: Store, reps: number, limit: number) {
  const token = randomUUID();
  const claim: number[] = [];
  const next: number[] = [];
  let claimed = 0;
  for (let i = 0; i < reps; i++) {
    let t0 = performance.now();
    claimed += (await store.queue.claim({ now: Date.now(), limit, leaseMs: LEASE_MS, token })).length;
    claim.push(performance.now() - t0);
    t0 = performance.now();
    await store.queue.nextDueAt(Date.now());
    next.push(performance.now() - t0);
  }
  return { claimMs: median(claim), nextMs: median(next), claimed };
}
