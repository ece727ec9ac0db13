// Fault tests (SIGKILLed processes, cut database connections) share this: a seeded plan of
// events whose receivers fail at random, real receivers that answer by the plan, ingestion
// through the API that survives a dead or failing API process, and the final reconciliation
// of the receivers' logs with the deliveries and attempts tables.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { paymentBody } from '../../../../test-support/fixtures.js';
import type { TestDatabase } from './database.js';
import type { GatewayProcess } from './process.js';

/** Attempts per delivery before it is exhausted; the compressed schedule the fault tests run. */
export const MAX_ATTEMPTS = 10;
export const FAST_SCHEDULE = '0,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1';

/** A number in [0, 1) fixed by `key`: the seeded randomness every fault test draws from. */
export function unit(key: string): number {
  return createHash('sha256').update(key).digest().readUInt32BE(0) / 2 ** 32;
}

/** A PRNG for sequences (kill cadence): mulberry32 seeded with a number. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

export interface PlannedEvent {
  orderId: string;
  traceId: string;
  /** Which receiver its callbackUrl names. */
  receiver: number;
  /** The receiver's answer to attempt k (index k-1): true = 200 SUCCESS, false = 500. */
  answers: boolean[];
  expected: { state: 'delivered' | 'exhausted'; attempts: number };
}

export interface Plan {
  seed: string;
  events: PlannedEvent[];
  byOrder: Map<string, PlannedEvent>;
}

/**
 * `count` events spread round-robin over the receivers; receiver r fails each attempt with
 * probability `failRates[r]`. An answer depends only on (seed, orderId, attempt number), so a
 * resend of the same attempt after a crash gets the same answer, and each event's fate
 * (delivered at attempt k, or exhausted) is known before the run: runs are reproducible.
 */
export function makePlan(seed: string, count: number, failRates: readonly number[]): Plan {
  const events: PlannedEvent[] = [];
  for (let i = 0; i < count; i++) {
    const orderId = `${seed}-${String(i).padStart(5, '0')}`;
    const receiver = i % failRates.length;
    const rate = failRates[receiver] as number;
    const answers = Array.from({ length: MAX_ATTEMPTS }, (_, k) => unit(`${seed}:${orderId}:${k + 1}`) >= rate);
    const first = answers.indexOf(true);
    events.push({
      orderId,
      traceId: uuidFrom(`${seed}:trace:${i}`),
      receiver,
      answers,
      expected:
        first === -1 ? { state: 'exhausted', attempts: MAX_ATTEMPTS } : { state: 'delivered', attempts: first + 1 },
    });
  }
  return { seed, events, byOrder: new Map(events.map((e) => [e.orderId, e])) };
}

function uuidFrom(key: string): string {
  const h = createHash('sha256').update(key).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** One callback request as a receiver saw it. */
export interface Seen {
  receiver: number;
  deliveryId: string;
  attempt: number;
  event: string;
  orderId: string;
  traceId: string;
  success: boolean;
  at: number;
}

export interface PlanReceiver {
  url: string;
  close(): Promise<void>;
}

/**
 * A real HTTP receiver answering by the plan: 200 {"code":"SUCCESS"} or 500, after a delay
 * drawn from the seed (0..maxDelayMs), so attempts are really in flight when a process dies.
 */
export async function startPlanReceiver(
  plan: Plan,
  index: number,
  log: Seen[],
  maxDelayMs: number,
): Promise<PlanReceiver> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: { orderId?: string; traceId?: string } = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {}
      const attempt = Number(req.headers['x-payhook-attempt']);
      const deliveryId = String(req.headers['x-payhook-delivery'] ?? '');
      const planned = plan.byOrder.get(body.orderId ?? '');
      const success = planned?.answers[attempt - 1] === true;
      log.push({
        receiver: index,
        deliveryId,
        attempt,
        event: String(req.headers['x-payhook-event'] ?? ''),
        orderId: body.orderId ?? '',
        traceId: body.traceId ?? '',
        success,
        at: Date.now(),
      });
      const answer = () => {
        res.writeHead(success ? 200 : 500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ code: success ? 'SUCCESS' : 'FAIL' }));
      };
      const delay = Math.floor(unit(`${plan.seed}:delay:${deliveryId}:${attempt}`) * maxDelayMs);
      if (delay === 0) answer();
      else setTimeout(answer, delay);
    });
  });
  server.keepAliveTimeout = 10_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/callback/${index}`,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

export interface IngestFigures {
  /** Requests that failed (connection refused or reset, 5xx) and were sent again. */
  retries: number;
}

/**
 * Creates and pays every planned event through the API, `concurrency` at a time. A request
 * that fails for want of a live API or database is sent again (to `api()`, which may name a
 * restarted process); identifiers are fixed by the plan, so a request that had in fact been
 * committed answers 409 the second time, which counts as done.
 */
export async function ingest(
  plan: Plan,
  urls: readonly string[],
  api: () => Promise<string>,
  concurrency: number,
  deadline: number,
  signal?: AbortSignal,
): Promise<IngestFigures> {
  const figures: IngestFigures = { retries: 0 };
  let failed = false;
  const post = async (path: string, body: unknown): Promise<void> => {
    for (;;) {
      if (failed || signal?.aborted) throw new Error('ingestion stopped');
      if (Date.now() > deadline) throw new Error(`ingestion did not finish in time (${path})`);
      const base = await api(); // a failure to provide an API ends the ingestion
      let status: number;
      let text: string;
      try {
        const res = await fetch(`${base}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        status = res.status;
        text = await res.text();
      } catch {
        figures.retries++;
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      if (status === 200 || status === 409) return;
      if (status >= 500) {
        figures.retries++;
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      throw new Error(`POST ${path} answered ${status}: ${text}`);
    }
  };
  let next = 0;
  const worker = async () => {
    while (next < plan.events.length && !failed) {
      const e = plan.events[next++] as PlannedEvent;
      await post(
        '/v1/payments',
        paymentBody({
          payeeId: `payee-${plan.seed}`,
          orderId: e.orderId,
          traceId: e.traceId,
          callbackUrl: urls[e.receiver],
        }),
      );
      await post('/v1/sandbox/transfers', { traceId: e.traceId, txid: `tx-${e.orderId}` });
    }
  };
  // The first failure stops every worker: none keeps knocking on a dead API after the test.
  const stopOnFailure = (error: unknown) => {
    failed = true;
    throw error;
  };
  await Promise.all(Array.from({ length: concurrency }, () => worker().catch(stopOnFailure)));
  return figures;
}

/** Deliveries in the database: all of them, and those not yet final. */
export async function progress(database: TestDatabase): Promise<{ total: number; pending: number; final: number }> {
  const [row] = await database.rows<{ total: number | string; pending: number | string | null }>(
    "select count(*) as total, sum(case when state = 'pending' then 1 else 0 end) as pending from deliveries",
  );
  const total = Number(row?.total ?? 0);
  const pending = Number(row?.pending ?? 0);
  return { total, pending, final: total - pending };
}

/** Work done so far (deliveries created plus attempts recorded): grows with every step. */
export async function workDone(database: TestDatabase): Promise<number> {
  const [row] = await database.rows<{ n: number | string }>(
    'select (select count(*) from deliveries) + (select count(*) from attempts) as n',
  );
  return Number(row?.n ?? 0);
}

export interface Outcome {
  events: number;
  delivered: number;
  exhausted: number;
  /** Rows in the attempts table. */
  attempts: number;
  /** Requests the receivers saw. */
  requests: number;
  /** Requests beyond the first for the same delivery id and attempt number. */
  duplicates: number;
  /** Everything that contradicts the plan; empty when the gateway behaved. */
  problems: string[];
}

/**
 * Reconciles the final database with the plan and the receivers' logs. A delivery must be
 * 'delivered' iff its receiver answered SUCCESS to one of its requests, 'exhausted' iff it
 * answered failure to 10 recorded attempts; every event has exactly one delivery, none is
 * left pending or leased, every recorded attempt was really sent, and no request went out
 * for an attempt that was never recorded.
 */
export async function reconcile(database: TestDatabase, plan: Plan, log: readonly Seen[]): Promise<Outcome> {
  const problems: string[] = [];
  const problem = (p: string) => {
    if (problems.length < 50) problems.push(p);
  };
  const deliveries = await database.rows<{
    id: string;
    trace_id: string;
    event_type: string;
    state: string;
    attempts: number;
    lock_token: string | null;
  }>('select id, trace_id, event_type, state, attempts, lock_token from deliveries');
  const attempts = await database.rows<{
    delivery_id: string;
    attempt_no: number;
    success: number | boolean;
    status_code: number | null;
  }>('select delivery_id, attempt_no, success, status_code from attempts');
  const [withDeliveries] = await database.rows<{ n: number | string }>(
    'select count(*) as n from events e where exists (select 1 from deliveries d where d.event_id = e.id)',
  );

  const byTrace = new Map(plan.events.map((e) => [e.traceId, e]));
  const planOf = new Map<string, PlannedEvent>();
  const seenTraces = new Set<string>();
  for (const d of deliveries) {
    const e = byTrace.get(d.trace_id);
    if (!e) {
      problem(`delivery ${d.id} belongs to no planned event (trace ${d.trace_id})`);
      continue;
    }
    if (seenTraces.has(d.trace_id)) problem(`event ${e.orderId} has more than one delivery`);
    seenTraces.add(d.trace_id);
    planOf.set(d.id, e);
    if (d.event_type !== 'success') problem(`delivery ${d.id} is for event ${d.event_type}`);
    if (d.state !== e.expected.state || Number(d.attempts) !== e.expected.attempts) {
      problem(
        `${e.orderId}: ${d.state} after ${d.attempts} attempts, the receiver dictated ` +
          `${e.expected.state} after ${e.expected.attempts}`,
      );
    }
    if (d.lock_token !== null) problem(`${e.orderId}: final delivery still holds a lease`);
  }
  for (const e of plan.events) if (!seenTraces.has(e.traceId)) problem(`event ${e.orderId} was lost: no delivery`);
  if (Number(withDeliveries?.n) !== plan.events.length) {
    problem(`${withDeliveries?.n} events have deliveries, ${plan.events.length} expected`);
  }

  // The attempts table: 1..n for each delivery, each with the answer the receiver gave.
  const recorded = new Map<string, Map<number, boolean>>();
  for (const a of attempts) {
    const e = planOf.get(a.delivery_id);
    if (!e) {
      problem(`attempt ${a.attempt_no} of unknown delivery ${a.delivery_id}`);
      continue;
    }
    const success = a.success === true || a.success === 1;
    const mine = recorded.get(a.delivery_id) ?? new Map<number, boolean>();
    recorded.set(a.delivery_id, mine);
    if (mine.has(a.attempt_no)) problem(`${e.orderId}: attempt ${a.attempt_no} recorded twice`);
    mine.set(a.attempt_no, success);
    if (success !== e.answers[a.attempt_no - 1]) {
      problem(`${e.orderId}: attempt ${a.attempt_no} recorded success=${success}, the receiver said otherwise`);
    }
    if (a.status_code !== (success ? 200 : 500))
      problem(`${e.orderId}: attempt ${a.attempt_no} status ${a.status_code}`);
  }
  for (const d of deliveries) {
    const e = planOf.get(d.id);
    if (!e) continue;
    const mine = recorded.get(d.id) ?? new Map();
    const numbers = [...mine.keys()].sort((a, b) => a - b);
    const want = Array.from({ length: Number(d.attempts) }, (_, k) => k + 1);
    if (numbers.join(',') !== want.join(',')) {
      problem(`${e.orderId}: attempts recorded [${numbers.join(',')}], delivery says ${d.attempts}`);
    }
  }

  // The receivers' logs against the tables.
  const sent = new Map<string, number>();
  const answeredSuccess = new Set<string>();
  for (const s of log) {
    const e = planOf.get(s.deliveryId);
    if (!e) {
      problem(`a request for unknown delivery ${s.deliveryId} (${s.orderId})`);
      continue;
    }
    if (s.orderId !== e.orderId || s.traceId !== e.traceId || s.receiver !== e.receiver || s.event !== 'success') {
      problem(`delivery ${s.deliveryId} sent ${JSON.stringify(s)} for ${e.orderId}`);
    }
    if (!recorded.get(s.deliveryId)?.has(s.attempt)) {
      problem(`${e.orderId}: attempt ${s.attempt} reached the receiver but was never recorded`);
    }
    const key = `${s.deliveryId}#${s.attempt}`;
    sent.set(key, (sent.get(key) ?? 0) + 1);
    if (s.success) answeredSuccess.add(s.deliveryId);
  }
  for (const [id, mine] of recorded) {
    for (const n of mine.keys()) {
      if (!sent.has(`${id}#${n}`)) problem(`${planOf.get(id)?.orderId}: attempt ${n} recorded but never received`);
    }
  }
  let delivered = 0;
  let exhausted = 0;
  for (const d of deliveries) {
    const e = planOf.get(d.id);
    if (!e) continue;
    if (d.state === 'delivered') delivered++;
    if (d.state === 'exhausted') exhausted++;
    // delivered iff the receiver answered SUCCESS to at least one request for it
    if ((d.state === 'delivered') !== answeredSuccess.has(d.id)) {
      problem(`${e.orderId}: ${d.state}, yet the receiver answered SUCCESS: ${answeredSuccess.has(d.id)}`);
    }
    // exhausted iff it answered failure to 10 recorded attempts
    const failures = [...(recorded.get(d.id) ?? new Map()).values()].filter((ok) => !ok).length;
    if ((d.state === 'exhausted') !== (failures === MAX_ATTEMPTS)) {
      problem(`${e.orderId}: ${d.state} with ${failures} recorded failures`);
    }
  }
  const duplicates = [...sent.values()].reduce((sum, n) => sum + n - 1, 0);
  return {
    events: plan.events.length,
    delivered,
    exhausted,
    attempts: attempts.length,
    requests: log.length,
    duplicates,
    problems,
  };
}

/**
 * Tracks spawned gateways: which exits the test caused (SIGKILL) and which it did not
 * (a crash), so an unexpected death fails the test with the process's output.
 */
export class Fleet {
  readonly crashes: string[] = [];
  private readonly intended = new Set<GatewayProcess>();

  watch(gw: GatewayProcess, name: string): GatewayProcess {
    void gw.exited.then(({ code, signal }) => {
      if (!this.intended.has(gw)) {
        this.crashes.push(`${name} (pid ${gw.pid}) exited by itself: code ${code}, signal ${signal}\n${gw.output()}`);
      }
    });
    return gw;
  }

  async kill(gw: GatewayProcess): Promise<void> {
    this.intended.add(gw);
    const exit = await gw.signal('SIGKILL');
    if (exit.signal !== 'SIGKILL') this.crashes.push(`pid ${gw.pid} had already exited: ${JSON.stringify(exit)}`);
  }
}

/** A deliberate cadence (the kill loop's) that ends at once when stopped. */
export class Cadence {
  private stopped = false;
  private wake: (() => void) | undefined;

  get running(): boolean {
    return !this.stopped;
  }

  /** Waits `ms`; resolves false at once if stopped meanwhile. */
  async sleep(ms: number): Promise<boolean> {
    if (this.stopped) return false;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wake = undefined;
    return !this.stopped;
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }
}
