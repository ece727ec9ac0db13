// The delivery benchmark: how many callbacks per second the gateway's dispatcher delivers on
// this machine, how late its attempts start against their due time, and how that compares
// with a raw undici POST loop to the same receiver (the ceiling), all on loopback.
//
//   npm run bench -- [--callbacks 20000] [--concurrency 64] [--help for the other options]
//
// One run: an always-SUCCESS receiver in a child process; N due deliveries loaded into a fresh
// SQLite file (as the payment service would create them: newPayment → transition → outbox);
// then a real Dispatcher (UndiciSender, SqlStore, system clock, default schedule) until all N
// are delivered; then the raw loop at the same concurrency with the same body and headers.
// All N are due before the dispatcher starts, so this measures draining a backlog: lateness
// grows through the run (p50 ≈ N / 2 / rate) and is printed raw and counted from the start.
import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { paidPayments } from '@payhook/gateway/seed';
import { createPaymentRequest } from '@payhook/protocol';
import BetterSqlite3 from 'better-sqlite3';
import pino from 'pino';
import { Agent, request } from 'undici';
import { systemClock } from '../packages/gateway/src/clock.js';
import { loadConfig } from '../packages/gateway/src/config.js';
import { Dispatcher } from '../packages/gateway/src/delivery/dispatcher.js';
import { UndiciSender } from '../packages/gateway/src/delivery/sender.js';
import { AssetCatalog, USDT_ID } from '../packages/gateway/src/domain/assets.js';
import type { Clock } from '../packages/gateway/src/interfaces.js';
import type { Logger } from '../packages/gateway/src/logger.js';
import { PaymentService } from '../packages/gateway/src/payments.js';
import { openStore } from '../packages/gateway/src/storage/open.js';
import { deliveryToRow, eventToRow, paymentToRow, transferToRow } from '../packages/gateway/src/storage/rows.js';
import { sqliteDialect } from '../packages/gateway/src/storage/sqlite/dialect.js';
import type { DeliveryQueue, Store } from '../packages/gateway/src/storage/store.js';

// ---------------------------------------------------------------------------------------------
// The receiver: a child process answering every POST with 200 {"code":"SUCCESS"}.

type ToReceiver = { type: 'stats' } | { type: 'exit' };
interface ReceiverStats {
  requests: number;
  /** Distinct x-payhook-delivery ids seen (a delivery POSTed twice counts once). */
  distinctDeliveries: number;
  cpuMs: number;
  maxRssMb: number;
}
type FromReceiver = { type: 'ready'; port: number } | ({ type: 'stats' } & ReceiverStats);

function runReceiver(): void {
  const ack = Buffer.from('{"code":"SUCCESS"}');
  const deliveries = new Set<string>();
  let requests = 0;
  const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    req.resume();
    req.on('end', () => {
      requests++;
      const id = req.headers['x-payhook-delivery'];
      if (typeof id === 'string') deliveries.add(id);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': ack.length });
      res.end(ack);
    });
  });
  const send = (msg: FromReceiver) => process.send?.(msg);
  process.on('message', (msg: ToReceiver) => {
    if (msg.type === 'stats') {
      const cpu = process.cpuUsage();
      send({
        type: 'stats',
        requests,
        distinctDeliveries: deliveries.size,
        cpuMs: (cpu.user + cpu.system) / 1000,
        maxRssMb: process.resourceUsage().maxRSS / 1024,
      });
    } else {
      server.closeAllConnections();
      server.close(() => process.exit(0));
    }
  });
  // The parent going away ends the receiver too.
  process.on('disconnect', () => process.exit(0));
  server.listen(0, '127.0.0.1', () => send({ type: 'ready', port: (server.address() as AddressInfo).port }));
}

interface ReceiverHandle {
  url: string;
  stats(): Promise<ReceiverStats>;
  close(): Promise<void>;
}

async function startReceiver(): Promise<ReceiverHandle> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--receiver'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = async <T extends FromReceiver['type']>(type: T) => {
    const timer = setTimeout(() => child.emit('error', new Error(`receiver did not answer "${type}" in 20 s`)), 20_000);
    try {
      for (;;) {
        const [msg] = (await once(child, 'message')) as [FromReceiver];
        if (msg.type === type) return msg as Extract<FromReceiver, { type: T }>;
      }
    } finally {
      clearTimeout(timer);
    }
  };
  const ready = await next('ready');
  return {
    url: `http://127.0.0.1:${ready.port}/callback`,
    async stats() {
      child.send({ type: 'stats' } satisfies ToReceiver);
      const { type: _, ...stats } = await next('stats');
      return stats;
    },
    async close() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.send({ type: 'exit' } satisfies ToReceiver);
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Parameters.

interface Params {
  callbacks: number;
  concurrency: number;
  hostConcurrency: number;
  load: 'bulk' | 'service';
  log: 'info' | 'silent';
  maxSeconds: number;
  ceilingRequests: number;
  keep: boolean;
  sqlProfile: boolean;
}

function parseParams(argv: string[]): Params {
  const { values } = parseArgs({
    args: argv,
    options: {
      callbacks: { type: 'string', default: '20000' },
      concurrency: { type: 'string', default: '64' },
      'host-concurrency': { type: 'string' },
      load: { type: 'string', default: 'bulk' },
      log: { type: 'string', default: 'info' },
      'max-seconds': { type: 'string', default: '90' },
      'ceiling-requests': { type: 'string' },
      keep: { type: 'boolean', default: false },
      'sql-profile': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(`usage: npm run bench -- [options]
  --callbacks N          deliveries to load and deliver (default 20000, at most 1000000)
  --concurrency C        attempts in flight, for the dispatcher and the raw loop (default 64, at most 1024)
  --host-concurrency H   the dispatcher's cap per receiver host (default C: the bench has one receiver,
                         so the gateway's own default, PAYHOOK_HOST_CONCURRENCY=16, would cap C at 16)
  --load bulk|service    bulk: newPayment → transition → outbox in memory, one transaction (default);
                         service: PaymentService.create + receiveTransfer per payment (slow: fsync each)
  --log info|silent      the dispatcher's pino level; info writes its JSON lines to /dev/null (default info)
  --max-seconds S        bound on the dispatch phase (default 90); the raw loop stops at 30 s at most
  --ceiling-requests M   POSTs in the raw loop (default: N)
  --keep                 keep the SQLite file and print its path
  --sql-profile          time every SQL statement of the dispatch phase (patches better-sqlite3; costs a little)`);
    process.exit(0);
  }
  const int = (name: string, raw: string | undefined, max: number) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`--${name} must be an integer in 1..${max}`);
    return n;
  };
  const callbacks = int('callbacks', values.callbacks, 1_000_000);
  const concurrency = int('concurrency', values.concurrency, 1024);
  if (values.load !== 'bulk' && values.load !== 'service') throw new Error('--load must be bulk or service');
  if (values.log !== 'info' && values.log !== 'silent') throw new Error('--log must be info or silent');
  return {
    callbacks,
    concurrency,
    hostConcurrency: int('host-concurrency', values['host-concurrency'] ?? String(concurrency), 1024),
    load: values.load,
    log: values.log,
    maxSeconds: int('max-seconds', values['max-seconds'], 3600),
    ceilingRequests: int('ceiling-requests', values['ceiling-requests'] ?? String(callbacks), 1_000_000),
    keep: values.keep,
    sqlProfile: values['sql-profile'],
  };
}

// ---------------------------------------------------------------------------------------------
// Loading: N payments paid in full, each with its success event and its one delivery.

const PAYEE = 'payee-bench';

function paymentRequest(i: number, callbackUrl: string) {
  return createPaymentRequest.parse({
    payeeId: PAYEE,
    orderId: `bench-${String(i).padStart(8, '0')}`,
    quoteAmount: '10',
    quoteAssetId: 'usd',
    paymentAssetId: USDT_ID,
    settlementAssetId: USDT_ID,
    callbackUrl,
  });
}

interface LoadResult {
  ms: number;
  /** Bulk only: time to compute the rows in memory, and to write them. */
  computeMs?: number;
  writeMs?: number;
  /** The first delivery's body, for the raw loop. */
  body: string;
}

/**
 * The rows PaymentService.create + receiveTransfer would write (@payhook/gateway/seed computes
 * them with the gateway's own pure functions), written in one transaction on a second connection
 * to the same file, with the store's own row mappers.
 */
async function loadBulk(dbPath: string, n: number, callbackUrl: string, clock: Clock): Promise<LoadResult> {
  const started = performance.now();
  const paid = paidPayments(n, { callbackUrl, now: clock.now() });
  const payments = paid.map((p) => p.payment);
  const transfers = paid.flatMap((p) => p.transfers);
  const events = paid.flatMap((p) => p.events);
  const deliveries = paid.flatMap((p) => p.deliveries);
  const computed = performance.now();
  const { db } = sqliteDialect(dbPath);
  try {
    await db.transaction().execute(async (trx) => {
      // SQLite allows 32766 bound parameters per statement; payments have 31 columns.
      for (let i = 0; i < n; i += 500) {
        const end = i + 500;
        await trx.insertInto('payments').values(payments.slice(i, end).map(paymentToRow)).execute();
        await trx.insertInto('transfers').values(transfers.slice(i, end).map(transferToRow)).execute();
        await trx.insertInto('events').values(events.slice(i, end).map(eventToRow)).execute();
        await trx.insertInto('deliveries').values(deliveries.slice(i, end).map(deliveryToRow)).execute();
      }
    });
  } finally {
    await db.destroy();
  }
  const written = performance.now();
  return {
    ms: written - started,
    computeMs: computed - started,
    writeMs: written - computed,
    body: deliveries[0]?.body ?? '',
  };
}

/** The real ingestion path, one payment at a time: two committed transactions each. */
async function loadService(store: Store, n: number, callbackUrl: string, clock: Clock): Promise<LoadResult> {
  const config = loadConfig({ DATABASE_URL: 'sqlite::memory:' });
  const service = new PaymentService({
    store,
    clock,
    catalog: new AssetCatalog(),
    mode: config.mode,
    schedule: config.schedule,
    settleDelayMs: config.settleDelayMs,
  });
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const { payment } = await service.create({ kind: 'payment', request: paymentRequest(i, callbackUrl) });
    await service.receiveTransfer({ traceId: payment.traceId });
  }
  const [first] = await store.admin.listDeliveries({ limit: 1 });
  return { ms: performance.now() - started, body: first?.body ?? '' };
}

// ---------------------------------------------------------------------------------------------
// Measuring.

/** CPU time all processes on the machine used so far (os.cpus() counts in ms). */
function machineBusyMs(): number {
  return os.cpus().reduce((sum, c) => sum + c.times.user + c.times.nice + c.times.sys + c.times.irq, 0);
}

/** Peak RSS, CPU time and event-loop utilisation of this process (and the machine's CPU) over one phase. */
function phaseMeter() {
  const busy0 = machineBusyMs();
  const cpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  let peakRss = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 50);
  return () => {
    clearInterval(timer);
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    const cpu = process.cpuUsage(cpu0);
    const wallMs = performance.now() - t0;
    return {
      wallMs,
      cpuPct: ((cpu.user + cpu.system) / 1000 / wallMs) * 100,
      machinePct: ((machineBusyMs() - busy0) / wallMs) * 100,
      elu: performance.eventLoopUtilization(elu0).utilization,
      peakRssMb: peakRss / 2 ** 20,
    };
  };
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] as number;
}

function summary(values: number[]) {
  const sorted = values.sort((a, b) => a - b);
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted[sorted.length - 1] ?? Number.NaN };
}

/**
 * Times every SQL statement better-sqlite3 runs while `on` (opt-in: it patches the driver).
 * Kysely's SQLite driver prepares each statement anew, so patching prepare() sees them all;
 * the times are SQLite's own (better-sqlite3 is synchronous), without any queueing.
 */
function sqlProfiler() {
  const stats = new Map<string, { n: number; ms: number; rows: number }>();
  const state = { on: false };
  const proto = BetterSqlite3.prototype as unknown as { prepare: (sql: string) => Record<string, unknown> };
  const prepare = proto.prepare;
  const add = (key: string, ms: number, rows: number) => {
    const s = stats.get(key) ?? { n: 0, ms: 0, rows: 0 };
    s.n++;
    s.ms += ms;
    s.rows += rows;
    stats.set(key, s);
  };
  proto.prepare = function (this: unknown, sql: string) {
    const t0 = performance.now();
    const stmt = prepare.call(this, sql);
    if (!state.on) return stmt;
    add('(prepare, all statements)', performance.now() - t0, 0);
    const key = sql.replace(/\s+/g, ' ').replace(/"/g, '');
    for (const method of ['all', 'run', 'get'] as const) {
      const original = stmt[method] as (...args: unknown[]) => unknown;
      stmt[method] = (...args: unknown[]) => {
        const t1 = performance.now();
        const result = original.apply(stmt, args);
        const rows = Array.isArray(result) ? result.length : ((result as { changes?: number })?.changes ?? 0);
        add(key, performance.now() - t1, rows);
        return result;
      };
    }
    return stmt;
  };
  return { state, stats };
}

/** Counts the queue calls the dispatcher makes, and how many deliveries each claim returned. */
function countingQueue(queue: DeliveryQueue) {
  const calls = new Map<string, { n: number; ms: number }>();
  let claimed = 0;
  const proxy = new Proxy(queue, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      const name = String(prop);
      return async (...args: unknown[]) => {
        const t0 = performance.now();
        try {
          const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          if (name === 'claim') claimed += (result as unknown[]).length;
          return result;
        } finally {
          const c = calls.get(name) ?? { n: 0, ms: 0 };
          c.n++;
          c.ms += performance.now() - t0;
          calls.set(name, c);
        }
      };
    },
  });
  return { queue: proxy, calls, claimed: () => claimed };
}

// ---------------------------------------------------------------------------------------------
// The raw loop: the same POST, as fast as undici and the receiver allow at concurrency C.

async function rawLoop(url: string, body: string, concurrency: number, total: number, deadlineMs: number) {
  // The same agent settings as UndiciSender.
  const agent = new Agent({
    keepAliveTimeout: 4_000,
    headersTimeout: 11_000,
    bodyTimeout: 11_000,
    connect: { timeout: 10_000 },
  });
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'payhook/0.1',
    'x-payhook-event': 'success',
    'x-payhook-event-id': randomUUID(),
    'x-payhook-delivery': randomUUID(),
    'x-payhook-attempt': '1',
  };
  const latencies: number[] = [];
  let issued = 0;
  let failed = 0;
  const started = performance.now();
  const worker = async () => {
    while (issued < total && performance.now() < deadlineMs) {
      issued++;
      const t0 = performance.now();
      try {
        const res = await request(url, { method: 'POST', body, headers, dispatcher: agent });
        const text = await res.body.text();
        if (res.statusCode !== 200 || text !== '{"code":"SUCCESS"}') failed++;
      } catch {
        failed++;
      }
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const ms = performance.now() - started;
  await agent.close();
  return { requests: latencies.length, failed, ms, latency: summary(latencies) };
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const params = parseParams(process.argv.slice(2));
  if (!import.meta.resolve('@payhook/protocol').endsWith('/src/index.ts')) {
    throw new Error('run with the source condition: npx tsx --conditions=@payhook/source bench/delivery.ts');
  }
  const { callbacks: n, concurrency } = params;
  // Other work on the machine skews every figure: the report shows how busy it was.
  const loadAtStart = os.loadavg();
  const dir = mkdtempSync(join(os.tmpdir(), 'payhook-bench-'));
  const dbPath = join(dir, 'bench.sqlite');
  const receiver = await startReceiver();
  const clock = systemClock;
  let store: Store | undefined;
  try {
    // Warm the receiver and undici's code paths; not measured.
    await rawLoop(receiver.url, '{}', concurrency, Math.min(2_000, 20 * concurrency), performance.now() + 10_000);

    // 1. Load.
    store = await openStore(`sqlite:${dbPath}`);
    const baseRssMb = process.memoryUsage.rss() / 2 ** 20;
    const loadMeter = phaseMeter();
    const load =
      params.load === 'bulk'
        ? await loadBulk(dbPath, n, receiver.url, clock)
        : await loadService(store, n, receiver.url, clock);
    const loadPhase = loadMeter();
    const loaded = await store.admin.countDeliveries();
    if (loaded.pending !== n) throw new Error(`loaded ${loaded.pending} pending deliveries, expected ${n}`);

    // 2. Dispatch until all N are delivered (or the time bound).
    const config = loadConfig({ DATABASE_URL: `sqlite:${dbPath}`, PAYHOOK_CONCURRENCY: String(concurrency) });
    const sender = new UndiciSender({
      timeoutMs: config.attemptTimeoutMs,
      maxAnswerBytes: config.maxAnswerBytes,
      userAgent: 'payhook/0.1',
    });
    const logger = pino({ level: params.log }, pino.destination({ dest: '/dev/null', sync: true }));
    const counting = countingQueue(store.queue);
    const profiler = params.sqlProfile ? sqlProfiler() : undefined;
    let delivered = 0;
    let failedAttempts = 0;
    let lastAt = 0;
    let finish: () => void = () => {};
    const allDelivered = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const dispatcher = new Dispatcher({
      queue: counting.queue,
      sender,
      clock,
      schedule: config.schedule,
      concurrency,
      hostConcurrency: params.hostConcurrency,
      leaseMs: config.leaseMs,
      pollIntervalMs: config.pollIntervalMs,
      logger: (logger as unknown as Logger).child({ component: 'dispatcher' }),
      onAttempt: (attempt) => {
        if (!attempt.success) failedAttempts++;
        else if (++delivered === n) {
          lastAt = performance.now();
          finish();
        }
      },
    });
    const beforeDispatch = await receiver.stats();
    if (profiler) profiler.state.on = true;
    const dispatchMeter = phaseMeter();
    const startedAtMs = clock.now();
    const t0 = performance.now();
    await dispatcher.start();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      allDelivered.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), params.maxSeconds * 1000);
      }),
    ]);
    clearTimeout(timer);
    const dispatchMs = (timedOut ? performance.now() : lastAt) - t0;
    const dispatchPhase = dispatchMeter();
    if (profiler) profiler.state.on = false;
    const afterDispatch = await receiver.stats();
    await dispatcher.stop(2_000);
    await sender.close();
    const counts = await store.admin.countDeliveries();

    // Lateness from the attempts table: startedAt − dueAt, and the same counted from the
    // dispatcher's start (the deliveries were all due while loading, before it ran).
    const reader = new BetterSqlite3(dbPath, { readonly: true });
    const attempts = reader
      .prepare('select due_at as dueAt, started_at as startedAt, latency_ms as latencyMs from attempts')
      .all() as { dueAt: number; startedAt: number; latencyMs: number }[];
    reader.close();
    const lateness = summary(attempts.map((a) => a.startedAt - a.dueAt));
    const queued = summary(attempts.map((a) => a.startedAt - Math.max(a.dueAt, startedAtMs)));
    const attemptLatency = summary(attempts.map((a) => a.latencyMs));
    const dueSpread = startedAtMs - attempts.reduce((min, a) => Math.min(min, a.dueAt), startedAtMs);

    // 3. The ceiling.
    const beforeCeiling = await receiver.stats();
    const ceilingMeter = phaseMeter();
    const ceiling = await rawLoop(
      receiver.url,
      load.body,
      concurrency,
      params.ceilingRequests,
      performance.now() + Math.min(params.maxSeconds, 30) * 1000,
    );
    const ceilingPhase = ceilingMeter();
    const afterCeiling = await receiver.stats();

    // 4. Report.
    const rate = (count: number, ms: number) => (count / ms) * 1000;
    const payhookRate = rate(delivered, dispatchMs);
    const ceilingRate = rate(ceiling.requests, ceiling.ms);
    const ms = (v: number) => `${Math.round(v)} ms`;
    const mb = (v: number) => `${Math.round(v)} MB`;
    const pct = (v: number) => `${Math.round(v)}%`;
    const triple = (s: { p50: number; p99: number; max: number }) => `${ms(s.p50)} / ${ms(s.p99)} / ${ms(s.max)}`;
    const claims = counting.calls.get('claim')?.n ?? 0;
    const storeCalls = [...counting.calls.entries()]
      .sort((a, b) => b[1].n - a[1].n)
      .map(([name, c]) => `${name} ${c.n}× (${(c.ms / c.n).toFixed(2)} ms avg)`)
      .join(', ');
    const dispatchCpu = afterDispatch.cpuMs - beforeDispatch.cpuMs;
    const ceilingCpu = afterCeiling.cpuMs - beforeCeiling.cpuMs;
    const receiverDispatchPct = (dispatchCpu / dispatchPhase.wallMs) * 100;
    const receiverCeilingPct = (ceilingCpu / ceilingPhase.wallMs) * 100;
    const busyElsewhere = Math.max(0, dispatchPhase.machinePct - dispatchPhase.cpuPct - receiverDispatchPct);
    const cpu = os.cpus();
    const rows: [string, string][] = [
      [
        'machine',
        `${cpu[0]?.model ?? 'unknown'}, ${cpu.length} cores, node ${process.version}, ${os.platform()}; ` +
          `load average ${loadAtStart.map((l) => l.toFixed(2)).join(' ')} at start`,
      ],
      [
        'parameters',
        `callbacks ${n}, concurrency ${concurrency} (per host ${params.hostConcurrency}), load ${params.load}, ` +
          `log ${params.log}, ` +
          `schedule ${config.schedule.map((s) => s / 1000).join(',')} s, lease ${config.leaseMs / 1000} s, ` +
          `poll ${config.pollIntervalMs / 1000} s, attempt timeout ${config.attemptTimeoutMs / 1000} s`,
      ],
      [
        'load',
        `${n} payments paid in full (payment, transfer, success event, delivery) in ${ms(load.ms)}` +
          (load.computeMs === undefined
            ? ` (${Math.round(rate(n, load.ms))}/s)`
            : ` (compute ${ms(load.computeMs)}, write ${ms(load.writeMs ?? 0)})`) +
          `, peak RSS ${mb(loadPhase.peakRssMb)}`,
      ],
      [
        'payhook',
        `${delivered}/${n} delivered in ${ms(dispatchMs)} = ${Math.round(payhookRate)} callbacks/s` +
          (timedOut ? ` (TIME BOUND of ${params.maxSeconds} s reached)` : ''),
      ],
      ['  lateness p50/p99/max', `${triple(lateness)}  (attempt startedAt − dueAt, ${attempts.length} attempts)`],
      [
        '  … from dispatcher start',
        `${triple(queued)}  (startedAt − max(dueAt, start); all were due ${ms(dueSpread)} before start at most)`,
      ],
      ['  attempt latency p50/p99/max', `${triple(attemptLatency)}  (the sender's latencyMs: POST to answer read)`],
      [
        '  process',
        `CPU ${pct(dispatchPhase.cpuPct)} of a core, event loop busy ${pct(dispatchPhase.elu * 100)}, ` +
          `peak RSS ${mb(dispatchPhase.peakRssMb)}; receiver CPU ${pct(receiverDispatchPct)}; ` +
          `rest of machine ${pct(busyElsewhere)}`,
      ],
      ['  store calls', `${storeCalls}; ${(counting.claimed() / Math.max(1, claims)).toFixed(2)} deliveries per claim`],
      [
        '  check',
        `deliveries ${JSON.stringify(counts)}, failed attempts ${failedAttempts}, receiver saw ` +
          `${afterDispatch.requests - beforeDispatch.requests} POSTs for ` +
          `${afterDispatch.distinctDeliveries - beforeDispatch.distinctDeliveries} distinct deliveries`,
      ],
      [
        'ceiling (raw undici)',
        `${ceiling.requests} POSTs in ${ms(ceiling.ms)} = ${Math.round(ceilingRate)} requests/s` +
          (ceiling.failed > 0 ? `, ${ceiling.failed} FAILED` : ''),
      ],
      ['  latency p50/p99/max', triple(ceiling.latency)],
      [
        '  process',
        `CPU ${pct(ceilingPhase.cpuPct)} of a core, event loop busy ${pct(ceilingPhase.elu * 100)}, ` +
          `peak RSS ${mb(ceilingPhase.peakRssMb)}; receiver CPU ${pct(receiverCeilingPct)}; ` +
          `rest of machine ${pct(Math.max(0, ceilingPhase.machinePct - ceilingPhase.cpuPct - receiverCeilingPct))}`,
      ],
      ['payhook / ceiling', `${(payhookRate / ceilingRate).toFixed(3)}`],
      [
        'peak RSS',
        `${mb(process.resourceUsage().maxRSS / 1024)} (this process, whole run; ${mb(baseRssMb)} before loading); ` +
          `receiver ${mb(afterCeiling.maxRssMb)}`,
      ],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    console.log('\npayhook delivery benchmark (loopback)\n');
    for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
    if (busyElsewhere > 15) {
      console.log(
        `\nWARNING: other work used ${pct(busyElsewhere)} of a core during the dispatch phase; ` +
          'on a small machine that lowers every figure. Run again on a quiet machine.',
      );
    }
    if (profiler) {
      const total = [...profiler.stats.values()].reduce((sum, st) => sum + st.ms, 0);
      console.log(
        `\nSQL during the dispatch phase: ${Math.round(total)} ms of SQLite in ${ms(dispatchPhase.wallMs)} ` +
          `(${pct((total / dispatchPhase.wallMs) * 100)}); top statements by time:`,
      );
      const top = [...profiler.stats.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 8);
      for (const [sql, st] of top) {
        const what = sql.length > 150 ? `${sql.slice(0, 147)}...` : sql;
        console.log(
          `  ${String(st.n).padStart(6)}× ${(st.ms / st.n).toFixed(3)} ms = ${ms(st.ms).padStart(8)}, ` +
            `${(st.rows / st.n).toFixed(1)} rows  ${what}`,
        );
      }
    }
    if (params.keep) console.log(`\nSQLite file kept: ${dbPath}`);
    if (timedOut || delivered !== n) process.exitCode = 1;
  } finally {
    await store?.close();
    await receiver.close();
    if (!params.keep) rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--receiver')) {
  runReceiver();
} else {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
