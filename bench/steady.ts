// The steady-load benchmark (issue 11): the gateway as a user runs it (`npm start`'s
// `node packages/gateway/dist/main.js`, on a fresh SQLite file or a fresh PostgreSQL database),
// 32 pooled API clients creating and paying payments over HTTP at an open-loop rate, in steps,
// and a receiver timing each callback from the moment the paying transfer was answered.
//
//   npm run bench:steady -- [--rates 100,300,1000,3000] [--seconds 10] [--db sqlite|postgres|both]
//
// A payment is POST /v1/payments then POST /v1/sandbox/transfers {traceId} (paid in full: the
// `success` event, whose callback the receiver times). Open loop: payment i of a step starts at
// i / rate seconds whether or not the earlier ones were answered, so a gateway that falls behind
// shows as a lower achieved rate, errors and latency, not as a politely slower client. Per step:
// target and achieved rate, event→callback latency p50/p99/max, errors (HTTP status or envelope
// code, network errors, callbacks that never came), the API's own latency (create + pay), and
// CPU. At the end: the highest rate held (achieved ≥ 95 % of target, no error, every callback)
// with p99 ≤ 50 ms. Loopback only; bounded by --seconds per step, --drain-seconds and --max-inflight.
import { spawnSync } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { createDatabase, dropCreatedDatabases, dropDatabase, pgUrl } from './lib/databases.js';
import {
  type CpuSplit,
  cpuWindow,
  type GatewayProcess,
  logger,
  REPO_ROOT,
  sleep,
  spawnGateway,
  splitCpu,
  waitForLog,
} from './lib/processes.js';
import { startReceiver } from './lib/receiver.js';
import { f0, f1, loadLine, machineLine, table } from './lib/report.js';
import { percentile } from './lib/shared.js';

const log = logger('steady');
const now = () => performance.timeOrigin + performance.now();
const P99_TARGET_MS = 50;

type Db = 'sqlite' | 'postgres';

interface Params {
  rates: number[];
  seconds: number;
  dbs: Db[];
  clients: number;
  unpooled: boolean;
  drainSeconds: number;
  maxInflight: number;
  logLevel: string;
  cpuProf: string | undefined;
  keepGoing: boolean;
}

function parseParams(argv: string[]): Params {
  const { values } = parseArgs({
    args: argv,
    options: {
      rates: { type: 'string', default: '100,300,1000,3000' },
      seconds: { type: 'string', default: '10' },
      db: { type: 'string', default: 'both' },
      clients: { type: 'string', default: '32' },
      unpooled: { type: 'boolean', default: false },
      'drain-seconds': { type: 'string', default: '10' },
      'max-inflight': { type: 'string', default: '5000' },
      'log-level': { type: 'string', default: 'info' },
      'cpu-prof': { type: 'string' },
      'keep-going': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(`usage: npm run bench:steady -- [options]
  --rates LIST          payments per second, one step each (default 100,300,1000,3000; each at most 20000)
  --seconds S           length of each step (default 10)
  --db WHICH            sqlite, postgres or both (default both); PostgreSQL: PAYHOOK_TEST_PG_URL's server
  --clients N           pooled API connections (default 32)
  --unpooled            a new connection per request instead (a flood: its queue is the kernel's accept queue)
  --drain-seconds S     after a step, how long to wait for its callbacks (default 10)
  --max-inflight N      payments in flight at most; one more is counted as an error, not sent (default 5000)
  --log-level L         the gateway's LOG_LEVEL (default info, as npm start: a JSON line per attempt)
  --keep-going          run every rate even after a step fell below half its target (skipped by default)
  --cpu-prof DIR        run the gateway with node --cpu-prof, profiles into DIR`);
    process.exit(0);
  }
  const int = (name: string, raw: string, min: number, max: number) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer in ${min}..${max}`);
    return n;
  };
  const dbs: Db[] = values.db === 'both' ? ['sqlite', 'postgres'] : [values.db as Db];
  if (!dbs.every((d) => d === 'sqlite' || d === 'postgres')) throw new Error('--db must be sqlite, postgres or both');
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'silent'].includes(values['log-level'])) {
    throw new Error('--log-level must be a pino level');
  }
  return {
    rates: values.rates.split(',').map((r) => int('rates', r.trim(), 1, 20_000)),
    seconds: int('seconds', values.seconds, 1, 300),
    dbs,
    clients: int('clients', values.clients, 1, 1024),
    unpooled: values.unpooled,
    drainSeconds: int('drain-seconds', values['drain-seconds'], 1, 300),
    maxInflight: int('max-inflight', values['max-inflight'], 1, 100_000),
    logLevel: values['log-level'],
    cpuProf: values['cpu-prof'],
    keepGoing: values['keep-going'],
  };
}

interface StepResult {
  db: Db;
  rate: number;
  issued: number;
  paid: number;
  achieved: number;
  latency: number[];
  api: number[];
  errors: Map<string, number>;
  missing: number;
  cpu: CpuSplit;
}

const errorCount = (s: StepResult) => [...s.errors.values()].reduce((a, b) => a + b, 0) + s.missing;
const held = (s: StepResult) =>
  s.achieved >= 0.95 * s.rate && errorCount(s) === 0 && percentile(s.latency, 0.99) <= P99_TARGET_MS;

/**
 * The gateway's API as 32 (--clients) pooled keep-alive connections, or (`connections: null`,
 * --unpooled) a connection of its own for every request, closed after the answer.
 */
class Api {
  private readonly pool: Pool;
  private readonly reset: boolean;

  constructor(
    origin: string,
    connections: number | null,
    private readonly callbackUrl: string,
    private readonly assetId: string,
  ) {
    this.reset = connections === null;
    this.pool = new Pool(origin, { connections, headersTimeout: 30_000, bodyTimeout: 30_000 });
  }

  /** POSTs JSON; the envelope's data, or throws an Error naming what went wrong. */
  async post(path: string, body: unknown, signal?: AbortSignal): Promise<Record<string, unknown>> {
    let res: Awaited<ReturnType<Pool['request']>>;
    try {
      res = await this.pool.request({
        path,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal,
        reset: this.reset,
      });
    } catch (error) {
      if (signal?.aborted) throw new Error('not answered within --drain-seconds');
      throw new Error((error as { code?: string }).code ?? (error as Error).name);
    }
    const text = await res.body.text();
    let envelope: { code?: number; message?: string; data?: Record<string, unknown> } | undefined;
    try {
      envelope = JSON.parse(text) as typeof envelope;
    } catch {
      envelope = undefined;
    }
    if (res.statusCode !== 200 || envelope?.code !== 0 || !envelope.data) {
      const code = envelope?.code === undefined ? '' : ` code ${envelope.code} (${envelope.message?.slice(0, 60)})`;
      throw new Error(`HTTP ${res.statusCode}${code}`);
    }
    return envelope.data;
  }

  /** Creates a payment and pays it in full; resolves to its traceId and when the transfer was answered. */
  async createAndPay(orderId: string, signal: AbortSignal): Promise<{ traceId: string; paidAt: number }> {
    const created = await this.post(
      '/v1/payments',
      {
        payeeId: 'payee-steady',
        orderId,
        quoteAmount: '10',
        quoteAssetId: 'usd',
        paymentAssetId: this.assetId,
        settlementAssetId: this.assetId,
        callbackUrl: this.callbackUrl,
      },
      signal,
    );
    const traceId = String(created.traceId);
    await this.post('/v1/sandbox/transfers', { traceId }, signal);
    return { traceId, paidAt: now() };
  }

  async assets(): Promise<{ id: string; symbol: string; fiat: boolean }[]> {
    const res = await this.pool.request({ path: '/v1/sandbox/assets', method: 'GET' });
    const body = (await res.body.json()) as { data: { id: string; symbol: string; fiat: boolean }[] };
    return body.data;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

interface Run {
  gateway: GatewayProcess;
  origin: string;
  dbNames: string[];
}

async function startGateway(params: Params, db: Db, dir: string): Promise<Run> {
  let databaseUrl: string;
  const dbNames: string[] = [];
  if (db === 'sqlite') databaseUrl = `sqlite:${join(dir, 'steady.sqlite')}`;
  else {
    const name = await createDatabase('payhook_steady', 'pg');
    dbNames.push(name);
    databaseUrl = pgUrl(name);
  }
  const gateway = spawnGateway(
    {
      DATABASE_URL: databaseUrl,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: params.logLevel,
      // Every client here comes from 127.0.0.1: the per-address limit (60/min) would answer 429.
      PAYHOOK_RATE_LIMIT: '0',
    },
    join(dir, `gateway-${db}.log`),
    params.cpuProf,
    'dist',
  );
  const ready = await waitForLog(gateway, /payhook gateway \(.*\) listening on (http:\/\/\S+)/);
  return { gateway, origin: ready[1] as string, dbNames };
}

async function runStep(
  params: Params,
  db: Db,
  rate: number,
  api: Api,
  collect: () => Promise<Map<string, number>>,
  pids: { gateway: number; receiver: number; dbNames: string[] },
): Promise<StepResult> {
  const errors = new Map<string, number>();
  const fail = (kind: string) => errors.set(kind, (errors.get(kind) ?? 0) + 1);
  const paidAt = new Map<string, number>();
  const apiMs: number[] = [];
  const total = rate * params.seconds;
  const run = `${db}-${rate}-${Date.now().toString(36)}`;
  let issued = 0;
  let inflight = 0;
  let lastAnswer = 0;
  const pending = new Set<Promise<void>>();
  // Payments still unanswered --drain-seconds after the last was sent are given up (errors).
  const abort = new AbortController();
  setMaxListeners(0, abort.signal); // one listener per request in flight
  const cpuStart = cpuWindow();
  const start = now();
  // Open loop: every tick issues the payments whose start time has come.
  while (issued < total) {
    const due = Math.min(total, Math.floor(((now() - start) * rate) / 1000) + 1);
    for (; issued < due; issued++) {
      if (inflight >= params.maxInflight) {
        fail('over --max-inflight, not sent');
        continue;
      }
      inflight++;
      const t0 = now();
      const p: Promise<void> = api
        .createAndPay(`${run}-${issued}`, abort.signal)
        .then(
          ({ traceId, paidAt: at }) => {
            paidAt.set(traceId, at);
            apiMs.push(at - t0);
            lastAnswer = Math.max(lastAnswer, at);
          },
          (error: unknown) => {
            fail((error as Error).message);
          },
        )
        .finally(() => {
          inflight--;
          pending.delete(p);
        });
      pending.add(p);
    }
    await sleep(Math.max(1, Math.min(5, 1000 / rate)));
  }
  const answered = Promise.all([...pending]);
  const timer = setTimeout(() => abort.abort(), params.drainSeconds * 1000);
  await answered;
  clearTimeout(timer);
  const cpuEnd = cpuWindow();
  // The callbacks of this step's payments, for at most --drain-seconds.
  const arrivals = new Map<string, number>();
  const drainUntil = now() + params.drainSeconds * 1000;
  for (;;) {
    for (const [traceId, at] of await collect()) arrivals.set(traceId, at);
    if ([...paidAt.keys()].every((t) => arrivals.has(t)) || now() > drainUntil) break;
    await sleep(100);
  }
  const latency: number[] = [];
  let missing = 0;
  for (const [traceId, at] of paidAt) {
    const arrived = arrivals.get(traceId);
    if (arrived === undefined) missing++;
    else latency.push(arrived - at);
  }
  latency.sort((a, b) => a - b);
  apiMs.sort((a, b) => a - b);
  const elapsed = Math.max(params.seconds * 1000, lastAnswer - start);
  return {
    db,
    rate,
    issued: total,
    paid: paidAt.size,
    achieved: (paidAt.size / elapsed) * 1000,
    latency,
    api: apiMs,
    errors,
    missing,
    cpu: splitCpu(cpuStart, cpuEnd, { system: [pids.gateway], receiver: pids.receiver, dbNames: pids.dbNames }),
  };
}

async function main(): Promise<void> {
  const params = parseParams(process.argv.slice(2));
  // As `npm start` does: build, then run the built gateway.
  const build = spawnSync(join(REPO_ROOT, 'node_modules/.bin/tsc'), ['-b'], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('tsc -b failed');
  const startedAt = new Date();
  const loadStart = os.loadavg();
  const machine = await machineLine({ redis: false });
  const dir = mkdtempSync(join(os.tmpdir(), 'payhook-steady-'));
  const receiver = await startReceiver(log, { timestamps: true });
  const results: StepResult[] = [];
  const failures: string[] = [];
  const skipped: string[] = [];
  // Arrivals come from the receiver in batches; a callback may arrive after its step drained.
  const arrived = new Map<string, number>();
  const collect = async () => {
    for (const [traceId, at] of await receiver.arrivals()) if (!arrived.has(traceId)) arrived.set(traceId, at);
    return arrived;
  };
  try {
    log(`machine: ${machine}`);
    log(`load average ${loadLine(loadStart)}; rates ${params.rates.join(', ')}/s, ${params.seconds} s each`);
    for (const db of params.dbs) {
      let run: Run | undefined;
      try {
        run = await startGateway(params, db, dir);
        log(`${db}: gateway ${run.origin} (pid ${run.gateway.pid})`);
        const probe = new Api(run.origin, 1, receiver.url, '');
        const assets = await probe.assets();
        await probe.close();
        // The first USDT the sandbox lists (its catalog's default): one confirmation pays it.
        const usdt = assets.find((a) => a.symbol === 'USDT' && !a.fiat);
        if (!usdt) throw new Error('no USDT in /v1/sandbox/assets');
        const api = new Api(run.origin, params.unpooled ? null : params.clients, receiver.url, usdt.id);
        try {
          // Warm-up, not measured: connections, the JIT, the database's first pages.
          await runStep({ ...params, seconds: 2 }, db, Math.min(50, params.rates[0] ?? 50), api, collect, {
            gateway: run.gateway.pid,
            receiver: receiver.pid,
            dbNames: run.dbNames,
          });
          for (const rate of params.rates) {
            if (!run.gateway.alive()) throw new Error(`gateway exited:\n${run.gateway.tail()}`);
            log(`${db}: ${rate} payments/s for ${params.seconds} s`);
            const step = await runStep(params, db, rate, api, collect, {
              gateway: run.gateway.pid,
              receiver: receiver.pid,
              dbNames: run.dbNames,
            });
            results.push(step);
            log(
              `${db} ${rate}/s: achieved ${f0(step.achieved)}/s, p99 ${f1(percentile(step.latency, 0.99))} ms, ` +
                `${errorCount(step)} errors`,
            );
            if (step.achieved < 0.5 * rate && !params.keepGoing) {
              const rest = params.rates.filter((r) => r > rate);
              if (rest.length > 0)
                skipped.push(`${db}: ${rest.join(', ')}/s skipped: ${rate}/s fell below half (--keep-going runs them)`);
              break;
            }
            await sleep(1_000);
          }
        } finally {
          await api.close();
        }
      } catch (error) {
        failures.push(`${db}: ${(error as Error).stack ?? String(error)}`);
        log(`${db}: FAILED ${(error as Error).message}`);
      } finally {
        await run?.gateway.stop();
        for (const name of run?.dbNames ?? []) await dropDatabase(name).catch(() => {});
      }
    }
  } finally {
    await receiver.close();
    await dropCreatedDatabases();
    rmSync(dir, { recursive: true, force: true });
  }

  const out: string[] = [];
  out.push(
    `payhook steady-load benchmark (loopback; ${params.unpooled ? 'a new connection per request' : `${params.clients} pooled API clients`}, open loop)`,
  );
  out.push('');
  out.push(`date        ${startedAt.toISOString()}`);
  out.push(`machine     ${machine}`);
  out.push(`load avg    ${loadLine(loadStart)} at start, ${loadLine(os.loadavg())} at end`);
  out.push(
    `parameters  ${params.seconds} s per step, gateway: node packages/gateway/dist/main.js (PAYHOOK_RATE_LIMIT=0, ` +
      `LOG_LEVEL ${params.logLevel}, defaults otherwise), callbacks to one always-SUCCESS receiver process`,
  );
  out.push('');
  const errorsText = (s: StepResult) =>
    [...[...s.errors].map(([k, n]) => `${n} ${k}`), ...(s.missing > 0 ? [`${s.missing} callbacks missing`] : [])].join(
      ', ',
    ) || '0';
  out.push(
    table(
      [
        [
          'db',
          'target/s',
          'achieved/s',
          'paid',
          'callback p50 ms',
          'p99 ms',
          'max ms',
          'API p50/p99 ms',
          'CPU % gw/db/other',
          'held',
          'errors',
        ],
        ...results.map((s) => [
          s.db,
          String(s.rate),
          f0(s.achieved),
          `${s.paid}/${s.issued}`,
          f1(percentile(s.latency, 0.5)),
          f1(percentile(s.latency, 0.99)),
          f0(s.latency.at(-1) ?? Number.NaN),
          `${f1(percentile(s.api, 0.5))} / ${f1(percentile(s.api, 0.99))}`,
          `${f0(s.cpu.system)}/${f0(s.cpu.db)}/${f0(s.cpu.other)}`,
          held(s) ? 'yes' : 'no',
          errorsText(s),
        ]),
      ],
      new Set([1, 2, 3, 4, 5, 6]),
    ),
  );
  out.push('');
  out.push(
    'callback latency: the callback arriving at the receiver − the paying transfer answered (the success event ' +
      'committed). API: create + pay, as the client saw it. held: achieved ≥ 95 % of target, no errors, every callback ' +
      `arrived within --drain-seconds, and p99 ≤ ${P99_TARGET_MS} ms. CPU: % of one core during the step (gateway, and ` +
      'the PostgreSQL server for its database, other processes on the machine: noise).',
  );
  out.push('');
  for (const db of params.dbs) {
    const best = results.filter((s) => s.db === db && held(s)).sort((a, b) => b.rate - a.rate)[0];
    out.push(
      `${db}: highest rate held with p99 ≤ ${P99_TARGET_MS} ms: ${best ? `${best.rate} payments/s` : 'none of the steps'}`,
    );
  }
  for (const line of skipped) out.push(line);
  if (failures.length > 0) {
    out.push('');
    for (const f of failures) out.push(`FAILED ${f}`);
    process.exitCode = 1;
  }
  console.log(out.join('\n'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
