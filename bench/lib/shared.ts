// What the benchmarks and their child processes (bench/lib/worker.ts) share: the retry
// schedule, the callback POST every peer makes, the messages between the processes, and
// percentiles. Kept free of heavy imports (only undici), so a peer's worker process carries
// nothing but its own queue library, and its memory is its own.
import { Agent, request } from 'undici';

/**
 * MixPay's schedule in milliseconds: attempt k+1 is due SCHEDULE_MS[k] after attempt k ended;
 * 10 attempts. bench/compare.ts checks that it equals the gateway's DEFAULT_RETRY_SCHEDULE_SECONDS.
 */
export const SCHEDULE_MS: readonly number[] = [0, 15, 15, 30, 180, 1800, 1800, 1800, 1800, 3600].map((s) => s * 1000);
export const ATTEMPTS = SCHEDULE_MS.length;
export const ATTEMPT_TIMEOUT_MS = 10_000;
export const MAX_ANSWER_BYTES = 64 * 1024;

/** One callback as the peers carry it in their job data (the same fields payhook's delivery has). */
export interface CallbackJob {
  deliveryId: string;
  eventId: string;
  eventType: string;
  url: string;
  body: string;
  /** 1 for a first attempt (pg-boss peers carry the attempt number themselves). */
  attemptNo: number;
}

/** The same agent settings as the gateway's UndiciSender. */
export function callbackAgent(): Agent {
  return new Agent({
    keepAliveTimeout: 4_000,
    headersTimeout: ATTEMPT_TIMEOUT_MS + 1_000,
    bodyTimeout: ATTEMPT_TIMEOUT_MS + 1_000,
    connect: { timeout: ATTEMPT_TIMEOUT_MS },
  });
}

export interface PostOutcome {
  success: boolean;
  statusCode: number | null;
  error?: string;
}

/**
 * POSTs one callback with the gateway's headers and deadline, and applies MixPay's success rule:
 * HTTP 200 and a JSON body whose `code` is exactly "SUCCESS" (no redirects: undici's request()
 * never follows them; an answer over 64 KiB fails).
 */
export async function postCallback(agent: Agent, job: CallbackJob): Promise<PostOutcome> {
  try {
    const res = await request(job.url, {
      method: 'POST',
      body: job.body,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'payhook/0.1',
        'x-payhook-event': job.eventType,
        'x-payhook-event-id': job.eventId,
        'x-payhook-delivery': job.deliveryId,
        'x-payhook-attempt': String(job.attemptNo),
      },
      dispatcher: agent,
      signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
    });
    let size = 0;
    const chunks: Buffer[] = [];
    for await (const chunk of res.body) {
      size += chunk.length;
      if (size > MAX_ANSWER_BYTES) {
        res.body.destroy();
        return { success: false, statusCode: res.statusCode, error: 'too_large' };
      }
      chunks.push(chunk as Buffer);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    let code: unknown;
    try {
      code = (JSON.parse(text) as { code?: unknown } | null)?.code;
    } catch {
      code = undefined;
    }
    return { success: res.statusCode === 200 && code === 'SUCCESS', statusCode: res.statusCode };
  } catch (error) {
    return { success: false, statusCode: null, error: (error as Error).name };
  }
}

// ---------------------------------------------------------------------------------------------
// Messages between a benchmark and bench/lib/worker.ts (over the fork IPC channel).

export type PeerKind = 'raw' | 'bullmq' | 'pgboss' | 'pgboss-loop';

export interface ReceiverStats {
  requests: number;
  /** Distinct x-payhook-delivery ids seen (a delivery POSTed twice counts once). */
  distinctDeliveries: number;
}

export interface PeerConfig {
  kind: PeerKind;
  /** Successful callbacks after which the worker reports `finished`. */
  total: number;
  concurrency: number;
  /** raw: the URL and body it POSTs, and how many POSTs warm it up before it measures. */
  url?: string;
  body?: string;
  warmup?: number;
  /** bullmq: queue name and key prefix. */
  queue?: string;
  prefix?: string;
  /** pgboss: its database. */
  connectionString?: string;
}

/** Per attempt: its start, end and due time (ms since the epoch), as the worker saw them. */
export interface AttemptTimes {
  start: number[];
  end: number[];
  due: number[];
}

export type ToWorker = { type: 'start' } | { type: 'stop' } | { type: 'stats' } | { type: 'arrivals' };
export type FromWorker =
  | { type: 'ready'; port?: number }
  | { type: 'progress'; done: number }
  | { type: 'finished'; done: number }
  | ({ type: 'stats' } & ReceiverStats)
  /** The receiver's [traceId, epoch ms] of first arrivals since the last ask (with `timestamps`). */
  | { type: 'arrivals'; items: [string, number][] }
  | { type: 'result'; done: number; failedAttempts: number; retriesScheduled: number; times: AttemptTimes }
  | { type: 'error'; message: string };

// ---------------------------------------------------------------------------------------------

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] as number;
}

export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}
