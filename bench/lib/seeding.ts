// The benchmarks' starting points, all through @payhook/gateway/seed (the gateway's own life
// cycle and row mappers): N paid payments with their first attempts due now, the same callbacks
// as jobs for the peers, and a backlog of retries scheduled over the coming hours.
import { paidPayments, type SeedResult, seedPaidPayments } from '@payhook/gateway/seed';
import { ATTEMPTS, type CallbackJob } from './shared.js';

const PAYEE = 'payee-bench';

/** N payments paid in full, each with one first attempt due now. */
export function seedDue(databaseUrl: string, n: number, callbackUrl: string): Promise<SeedResult> {
  return seedPaidPayments(databaseUrl, { payments: n, callbackUrl, payeeId: PAYEE });
}

/** The same callbacks as jobs for the peers: the ids, body and URL payhook would send. */
export function callbackJobs(n: number, callbackUrl: string): CallbackJob[] {
  const jobs: CallbackJob[] = [];
  for (let i = 0; i < n; i += 1000) {
    for (const paid of paidPayments(Math.min(1000, n - i), { callbackUrl, payeeId: PAYEE }, i)) {
      for (const d of paid.deliveries) {
        jobs.push({
          deliveryId: d.id,
          eventId: d.eventId,
          eventType: d.eventType,
          url: d.url,
          body: d.body,
          attemptNo: 1,
        });
      }
    }
  }
  return jobs;
}

export interface BacklogShape {
  /** Retries due over the next `hours`. */
  future: number;
  /** Due now, on top: half first attempts, half retries, due within the last minute. */
  due: number;
  hours: number;
}

/**
 * `future + due` deliveries over one payment per 100 of them: the first `due` due now (half first
 * attempts, half retries), the rest retries after 1..9 failed attempts, due from 10 minutes to
 * `hours` hours from now.
 */
export function seedBacklog(databaseUrl: string, shape: BacklogShape, callbackUrl: string): Promise<SeedResult> {
  const total = shape.future + shape.due;
  const now = Date.now();
  const spread = shape.hours * 3_600_000;
  return seedPaidPayments(databaseUrl, {
    payments: Math.max(1, Math.ceil(total / 100)),
    deliveries: total,
    callbackUrl,
    payeeId: PAYEE,
    now,
    schedule: (k) => {
      const dueNow = k < shape.due;
      return {
        attempts: dueNow && k % 2 === 0 ? 0 : 1 + (k % (ATTEMPTS - 1)),
        nextAttemptAt: dueNow
          ? now - Math.floor(Math.random() * 60_000)
          : now + 600_000 + Math.floor(Math.random() * spread),
      };
    },
  });
}
