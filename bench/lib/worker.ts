// The child processes of the benchmarks (bench/compare.ts, bench/steady.ts), one per role, so
// that each one's CPU and peak RSS are its own and every system under test runs in a process of
// its own, as payhook's dispatchers do:
//
//   receiver      an always-SUCCESS callback receiver (200 {"code":"SUCCESS"}), shared by all;
//                 with `timestamps`, it also notes when each traceId's first callback arrived
//   raw           the ceiling: undici POSTs at concurrency C, nothing else (warmed up first)
//   bullmq        a webhook sender on BullMQ: a job per callback, Worker concurrency C,
//                 attempts 10 with a custom backoff returning MixPay's delays
//   pgboss        a webhook sender on pg-boss 10's work(): C workers (batchSize 1, polling 0.5 s,
//                 the minimum), each attempt a job, the next attempt sent with startAfter
//   pgboss-loop   the same on pg-boss's fetch()/complete() in a loop of our own with C slots
//
// Usage (by lib/processes.ts's Child): fork('bench/lib/worker.ts', [role, JSON config]). Messages: the
// worker answers `ready`, runs on `start`, reports `progress` and `finished` (all callbacks
// delivered), and on `stop` shuts down and sends its `result` (times of every attempt).
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import { loadBullmq, loadPgBoss } from './peers.js';
import {
  ATTEMPT_TIMEOUT_MS,
  ATTEMPTS,
  type AttemptTimes,
  type CallbackJob,
  callbackAgent,
  type FromWorker,
  type PeerConfig,
  postCallback,
  SCHEDULE_MS,
  type ToWorker,
} from './shared.js';

const send = (msg: FromWorker) => process.send?.(msg);
// The parent going away ends the child too.
process.on('disconnect', () => process.exit(0));

function runReceiver(timestamps: boolean): void {
  const ack = Buffer.from('{"code":"SUCCESS"}');
  const deliveries = new Set<string>();
  let requests = 0;
  // [traceId, epoch ms] of each delivery's first arrival, since the last `arrivals` message.
  let arrivals: [string, number][] = [];
  const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    const chunks: Buffer[] = [];
    if (timestamps) req.on('data', (chunk: Buffer) => chunks.push(chunk));
    else req.resume();
    req.on('end', () => {
      const at = performance.timeOrigin + performance.now();
      requests++;
      const id = req.headers['x-payhook-delivery'];
      if (typeof id === 'string' && !deliveries.has(id)) {
        deliveries.add(id);
        if (timestamps) {
          try {
            arrivals.push([
              String((JSON.parse(Buffer.concat(chunks).toString()) as { traceId?: unknown }).traceId),
              at,
            ]);
          } catch {
            // Not a payhook body: counted, not timed.
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': ack.length });
      res.end(ack);
    });
  });
  process.on('message', (msg: ToWorker) => {
    if (msg.type === 'stats') send({ type: 'stats', requests, distinctDeliveries: deliveries.size });
    else if (msg.type === 'arrivals') {
      send({ type: 'arrivals', items: arrivals });
      arrivals = [];
    } else if (msg.type === 'stop') {
      server.closeAllConnections();
      server.close(() => process.exit(0));
    }
  });
  server.listen(0, '127.0.0.1', () => send({ type: 'ready', port: (server.address() as AddressInfo).port }));
}

/** Bookkeeping every peer shares: attempt times, successes, and the finished signal. */
class Tally {
  readonly times: AttemptTimes = { start: [], end: [], due: [] };
  done = 0;
  failedAttempts = 0;
  retriesScheduled = 0;
  private finishedSent = false;

  constructor(private readonly total: number) {}

  attempt(start: number, end: number, due: number, success: boolean): void {
    this.times.start.push(start);
    this.times.end.push(end);
    this.times.due.push(due);
    if (!success) this.failedAttempts++;
  }

  delivered(): void {
    this.done++;
    if (this.done >= this.total && !this.finishedSent) {
      this.finishedSent = true;
      send({ type: 'finished', done: this.done });
    }
  }

  result(): FromWorker {
    return {
      type: 'result',
      done: this.done,
      failedAttempts: this.failedAttempts,
      retriesScheduled: this.retriesScheduled,
      times: this.times,
    };
  }
}

interface Peer {
  start(): void;
  stop(): Promise<void>;
}

async function rawPeer(config: PeerConfig, tally: Tally): Promise<Peer> {
  const agent = callbackAgent();
  const url = config.url ?? '';
  const body = config.body ?? '{}';
  let stopping = false;
  let issued = 0;
  let loop: Promise<unknown> = Promise.resolve();
  return {
    start() {
      // Nothing but the POST and its answer read, as bench/delivery.ts's raw loop: the ceiling.
      const headers = {
        'content-type': 'application/json',
        'user-agent': 'payhook/0.1',
        'x-payhook-event': 'success',
        'x-payhook-event-id': randomUUID(),
        'x-payhook-delivery': randomUUID(),
        'x-payhook-attempt': '1',
      };
      const post = async () => {
        try {
          const res = await request(url, { method: 'POST', body, headers, dispatcher: agent });
          const text = await res.body.text();
          return { success: res.statusCode === 200 && text === '{"code":"SUCCESS"}' };
        } catch {
          return { success: false };
        }
      };
      loop = (async () => {
        // The ceiling is what a warm process can do: warm undici and V8 first, unmeasured.
        let warm = 0;
        const warmUp = async () => {
          while (warm++ < (config.warmup ?? 0) && !stopping) await post();
        };
        await Promise.all(Array.from({ length: config.concurrency }, warmUp));
        const due = Date.now();
        const worker = async () => {
          while (issued < config.total && !stopping) {
            issued++;
            const start = Date.now();
            const out = await post();
            tally.attempt(start, Date.now(), due, out.success);
            if (out.success) tally.delivered();
          }
        };
        await Promise.all(Array.from({ length: config.concurrency }, worker));
      })();
    },
    async stop() {
      stopping = true;
      await loop;
      await agent.close();
    },
  };
}

async function bullmqPeer(config: PeerConfig, tally: Tally): Promise<Peer> {
  const { Worker } = await loadBullmq();
  const agent = callbackAgent();
  const worker = new Worker<CallbackJob>(
    config.queue ?? 'callbacks',
    async (job) => {
      const attemptNo = job.attemptsMade + 1;
      const start = Date.now();
      // A first attempt is due when the job was added; a retry when BullMQ's delay ran out.
      const due = attemptNo === 1 ? job.timestamp + (job.opts.delay ?? 0) : start;
      const out = await postCallback(agent, { ...job.data, attemptNo });
      tally.attempt(start, Date.now(), due, out.success);
      // Throwing makes BullMQ retry with the backoff below, up to `attempts`.
      if (!out.success) throw new Error(`callback failed: ${out.statusCode ?? out.error}`);
      return out.statusCode;
    },
    {
      connection: { host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null },
      prefix: config.prefix,
      concurrency: config.concurrency,
      autorun: false,
      // BullMQ passes the attempts made so far (1 after the first failure): MixPay's next delay,
      // counted from the failure, i.e. from the end of the attempt.
      settings: { backoffStrategy: (attemptsMade: number) => SCHEDULE_MS[attemptsMade] ?? -1 },
      // A lock longer than the attempt timeout, as payhook's lease (timeout + 30 s).
      lockDuration: ATTEMPT_TIMEOUT_MS + 30_000,
    },
  );
  worker.on('completed', () => tally.delivered());
  worker.on('failed', (job) => {
    if (job && job.attemptsMade < ATTEMPTS) tally.retriesScheduled++;
  });
  worker.on('error', (error) => send({ type: 'error', message: `bullmq worker: ${error.message}` }));
  await worker.waitUntilReady();
  let running: Promise<void> = Promise.resolve();
  return {
    start() {
      running = worker.run();
    },
    async stop() {
      await worker.close();
      await running;
      await agent.close();
    },
  };
}

async function pgbossPeer(config: PeerConfig, tally: Tally, ownLoop: boolean): Promise<Peer> {
  const PgBoss = await loadPgBoss();
  const agent = callbackAgent();
  const queue = config.queue ?? 'callbacks';
  const boss = new PgBoss({ connectionString: config.connectionString ?? '' });
  boss.on('error', (error: Error) => send({ type: 'error', message: `pg-boss: ${error.message}` }));
  await boss.start();

  // pg-boss's retryLimit/retryDelay/retryBackoff cannot express a list of delays, so each attempt
  // is a job: a failed one sends the next attempt with startAfter = MixPay's delay from its end.
  type Job = { id: string; data: CallbackJob; startAfter: Date };
  const attempt = async (job: Job) => {
    const start = Date.now();
    const out = await postCallback(agent, job.data);
    const end = Date.now();
    tally.attempt(start, end, new Date(job.startAfter).getTime(), out.success);
    if (out.success) return true;
    const delay = SCHEDULE_MS[job.data.attemptNo];
    if (delay !== undefined) {
      await boss.send(queue, { ...job.data, attemptNo: job.data.attemptNo + 1 }, { startAfter: new Date(end + delay) });
      tally.retriesScheduled++;
    }
    return false;
  };

  if (!ownLoop) {
    return {
      start() {
        // pg-boss 10 has no concurrency option: each work() call adds one polling worker.
        for (let i = 0; i < config.concurrency; i++) {
          boss
            .work<CallbackJob>(
              queue,
              { batchSize: 1, pollingIntervalSeconds: 0.5, includeMetadata: true },
              async (jobs) => {
                for (const job of jobs) {
                  // work() completes the job after the handler resolves.
                  if (await attempt(job)) tally.delivered();
                }
              },
            )
            .catch((error: unknown) => send({ type: 'error', message: `pg-boss work: ${(error as Error).message}` }));
        }
      },
      async stop() {
        // work() completes a job after its handler without waiting for it: let those land
        // (at most 5 s) so the parent's check sees them.
        const db = boss.getDb();
        for (let i = 0; i < 50; i++) {
          const { rows } = await db.executeSql(
            "select count(*)::int as n from pgboss.job where name = $1 and state = 'active'",
            [queue],
          );
          if (Number(rows[0]?.n ?? 0) === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        await boss.stop({ graceful: true, wait: true, timeout: 15_000 });
        await agent.close();
      },
    };
  }

  // Our own loop on fetch()/complete(): claims up to the free slots at once (when a quarter or
  // more are free, as payhook's dispatcher does), completes each job as its attempt ends, and
  // polls every 0.5 s only when nothing is due.
  let running = true;
  let inflight = 0;
  let wake: (() => void) | undefined;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        wake = undefined;
        resolve();
      }, ms);
      wake = () => {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      };
    });
  const minBatch = Math.max(1, Math.floor(config.concurrency / 4));
  const inflightDone = new Set<Promise<void>>();
  const loop = async () => {
    while (running) {
      const free = config.concurrency - inflight;
      if (free >= minBatch || (free > 0 && inflight === 0)) {
        let jobs: Job[] = [];
        try {
          jobs = (await boss.fetch<CallbackJob>(queue, { batchSize: free, includeMetadata: true })) as Job[];
        } catch (error) {
          send({ type: 'error', message: `pg-boss fetch: ${(error as Error).message}` });
        }
        for (const job of jobs) {
          inflight++;
          const p: Promise<void> = attempt(job)
            .then(async (ok) => {
              await boss.complete(queue, job.id);
              if (ok) tally.delivered();
            })
            .catch((error: unknown) => {
              send({ type: 'error', message: `pg-boss job: ${(error as Error).message}` });
            })
            .finally(() => {
              inflight--;
              inflightDone.delete(p);
              wake?.();
            });
          inflightDone.add(p);
        }
        if (jobs.length === free) continue;
        if (jobs.length === 0 && inflight === 0) {
          await sleep(500);
          continue;
        }
      }
      await sleep(500);
    }
  };
  let looping: Promise<void> = Promise.resolve();
  return {
    start() {
      looping = loop();
    },
    async stop() {
      running = false;
      wake?.();
      await looping;
      await Promise.all([...inflightDone]);
      await boss.stop({ graceful: true, wait: true, timeout: 15_000 });
      await agent.close();
    },
  };
}

async function runPeer(config: PeerConfig): Promise<void> {
  const tally = new Tally(config.total);
  const peer =
    config.kind === 'raw'
      ? await rawPeer(config, tally)
      : config.kind === 'bullmq'
        ? await bullmqPeer(config, tally)
        : await pgbossPeer(config, tally, config.kind === 'pgboss-loop');
  const progress = setInterval(() => send({ type: 'progress', done: tally.done }), 250);
  process.on('message', (msg: ToWorker) => {
    if (msg.type === 'start') peer.start();
    else if (msg.type === 'stop') {
      clearInterval(progress);
      // Exits once the IPC channel has taken the (large) result.
      peer.stop().then(
        () => process.send?.(tally.result(), () => process.exit(0)),
        (error: unknown) => {
          send({ type: 'error', message: `stop: ${(error as Error).message}` });
          process.send?.(tally.result(), () => process.exit(1));
        },
      );
    }
  });
  send({ type: 'ready' });
}

const role = process.argv[2];
if (role === 'receiver') runReceiver(process.argv[3] === 'timestamps');
else {
  runPeer(JSON.parse(process.argv[3] ?? '{}') as PeerConfig).catch((error: unknown) => {
    send({ type: 'error', message: `setup: ${(error as Error).stack ?? String(error)}` });
    setTimeout(() => process.exit(1), 200);
  });
}
