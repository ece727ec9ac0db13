// The retention benchmark (issue 13): the gateway as a user runs it (the built dist/main.js, on a
// fresh SQLite file) under a steady load whose callbacks fail their first attempts with a 1 KB
// answer, with a short attempt retention; every --every seconds it prints the file's size (main
// file and WAL), SQLite's page and freelist counts, the rows kept and the attempts pruned. With
// --compare the same load runs again with retention off (`0`), for the size the attempts would take.
//
//   npm run bench:retention -- [--minutes 5] [--rate 50] [--retention-seconds 60] [--fail-first 2] [--compare]
//
// Payments are created and paid over HTTP at an open-loop rate (POST /v1/payments, then
// POST /v1/sandbox/transfers); the receiver answers 500 with a 1 KB body to the first --fail-first
// attempts of each delivery, then SUCCESS; the schedule is compressed to seconds so those
// retries happen within the run. What retention keeps by design — payments, events, deliveries
// and each delivery's last attempt — still grows with the load; what it prunes does not.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import { Pool } from 'undici';
import { logger, sleep, spawnGateway, waitForLog } from './lib/processes.js';
import { f0, f1, loadLine, machineLine, table } from './lib/report.js';

const log = logger('retention');
const USDT = '4d8c508b-91c5-375b-92b0-ee702ed2dac5';
const FAILURE_BODY = JSON.stringify({ code: 'BUSY', detail: 'x'.repeat(1_000) });

interface Params {
  minutes: number;
  rate: number;
  retentionSeconds: number;
  failFirst: number;
  everySeconds: number;
  intervalSeconds: number;
  compare: boolean;
}

function parseParams(argv: string[]): Params {
  const { values } = parseArgs({
    args: argv,
    options: {
      minutes: { type: 'string', default: '5' },
      rate: { type: 'string', default: '50' },
      'retention-seconds': { type: 'string', default: '60' },
      'fail-first': { type: 'string', default: '2' },
      every: { type: 'string', default: '30' },
      'interval-seconds': { type: 'string', default: '10' },
      compare: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(`usage: npm run bench:retention -- [options]
  --minutes M             length of the load (default 5)
  --rate N                payments per second (default 50)
  --retention-seconds S   PAYHOOK_ATTEMPT_RETENTION, in seconds (default 60)
  --fail-first K          attempts of each delivery answered 500 before SUCCESS (default 2; at most 9)
  --every S               seconds between two lines of figures (default 30)
  --interval-seconds S    PAYHOOK_RETENTION_INTERVAL (default 10)
  --compare               then the same load with retention off`);
    process.exit(0);
  }
  const num = (name: string, raw: string, min: number, max: number) => {
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} must be a number in ${min}..${max}`);
    return n;
  };
  return {
    minutes: num('minutes', values.minutes, 0.1, 600),
    rate: num('rate', values.rate, 1, 2_000),
    retentionSeconds: num('retention-seconds', values['retention-seconds'], 1, 86_400),
    failFirst: num('fail-first', values['fail-first'], 0, 9),
    everySeconds: num('every', values.every, 1, 3_600),
    intervalSeconds: num('interval-seconds', values['interval-seconds'], 0.1, 3_600),
    compare: values.compare,
  };
}

/** Answers 500 with a 1 KB body to the first `failFirst` attempts of each delivery, then SUCCESS. */
async function startReceiver(failFirst: number) {
  let received = 0;
  const server = createServer((req, res) => {
    received++;
    const attempt = Number(req.headers['x-payhook-attempt'] ?? 1);
    req.resume();
    req.on('end', () => {
      if (attempt <= failFirst) res.writeHead(500, { 'content-type': 'application/json' }).end(FAILURE_BODY);
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"code":"SUCCESS"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/callback`,
    received: () => received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface Figures {
  at: number;
  mainMb: number;
  walMb: number;
  pages: number;
  free: number;
  attempts: number;
  deliveries: number;
  pruned: number;
  paid: number;
}

function sqliteFigures(path: string): Omit<Figures, 'at' | 'mainMb' | 'walMb' | 'pruned' | 'paid'> {
  const db = new BetterSqlite3(path, { readonly: true });
  try {
    const count = (table: string) => (db.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
    return {
      pages: db.pragma('page_count', { simple: true }) as number,
      free: db.pragma('freelist_count', { simple: true }) as number,
      attempts: count('attempts'),
      deliveries: count('deliveries'),
    };
  } finally {
    db.close();
  }
}

const mb = (path: string) => {
  try {
    return statSync(path).size / 1e6;
  } catch {
    return 0;
  }
};

async function run(params: Params, retentionSeconds: number, dir: string): Promise<Figures[]> {
  const path = join(dir, `retention-${retentionSeconds}.sqlite`);
  const receiver = await startReceiver(params.failFirst);
  // Days, as the setting reads them; 0 keeps every attempt.
  const retention = retentionSeconds === 0 ? '0' : (retentionSeconds / 86_400).toFixed(9);
  // The first attempts at once, then a retry a second after each failure: every failure of a
  // payment happens within a few seconds of it, well inside the run.
  const schedule = ['0', ...Array.from({ length: 9 }, () => '1')].join(',');
  const gateway = spawnGateway(
    {
      DATABASE_URL: `sqlite:${path}`,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'warn',
      PAYHOOK_RATE_LIMIT: '0',
      // Sizes are measured here, not latency: a loaded machine must not shed payments (503).
      PAYHOOK_MAX_EVENT_LOOP_DELAY: '0',
      PAYHOOK_RETRY_SCHEDULE: schedule,
      PAYHOOK_ATTEMPT_RETENTION: retention,
      PAYHOOK_RETENTION_INTERVAL: String(params.intervalSeconds),
    },
    join(dir, `gateway-${retentionSeconds}.log`),
    undefined,
    'dist',
  );
  const origin = (await waitForLog(gateway, /payhook gateway \(.*\) listening on (http:\/\/\S+)/))[1] as string;
  const pool = new Pool(origin, { connections: 16 });
  const post = async (p: string, body: unknown) => {
    const res = await pool.request({
      path: p,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const envelope = (await res.body.json()) as { code: number; data: Record<string, unknown> };
    if (res.statusCode !== 200 || envelope.code !== 0)
      throw new Error(`POST ${p}: HTTP ${res.statusCode} ${envelope.code}`);
    return envelope.data;
  };
  const prunedTotal = async () => {
    const res = await pool.request({ path: '/admin/retention', method: 'GET' });
    return Number(((await res.body.json()) as { data: { prunedTotal: number } }).data.prunedTotal);
  };

  log(`retention ${retentionSeconds} s: ${params.rate} payments/s for ${params.minutes} min, ${origin}`);
  const figures: Figures[] = [];
  let paid = 0;
  const errors = new Map<string, number>();
  const started = performance.now();
  const endAt = started + params.minutes * 60_000;
  let nextSample = started;
  const inflight = new Set<Promise<void>>();
  const sample = async () => {
    const f: Figures = {
      at: (performance.now() - started) / 1000,
      mainMb: mb(path),
      walMb: mb(`${path}-wal`),
      ...sqliteFigures(path),
      pruned: await prunedTotal(),
      paid,
    };
    figures.push(f);
    log(
      `t=${f1(f.at)} s  file ${f1(f.mainMb)} MB + wal ${f1(f.walMb)} MB  pages ${f.pages} free ${f.free}  ` +
        `attempts ${f.attempts} deliveries ${f.deliveries} pruned ${f.pruned}`,
    );
  };
  for (let i = 0; performance.now() < endAt; i++) {
    const due = started + (i * 1000) / params.rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const one = (async () => {
      try {
        const created = await post('/v1/payments', {
          payeeId: 'payee-retention',
          orderId: `retention-${retentionSeconds}-${i}`,
          quoteAmount: '10',
          quoteAssetId: 'usd',
          paymentAssetId: USDT,
          settlementAssetId: USDT,
          callbackUrl: receiver.url,
        });
        await post('/v1/sandbox/transfers', { traceId: created.traceId });
        paid++;
      } catch (error) {
        const kind = (error as Error).message;
        errors.set(kind, (errors.get(kind) ?? 0) + 1);
      }
    })();
    inflight.add(one);
    void one.finally(() => inflight.delete(one));
    if (performance.now() >= nextSample) {
      nextSample += params.everySeconds * 1000;
      await sample();
    }
  }
  await Promise.all(inflight);
  await sample();
  const failed = [...errors].map(([kind, n]) => `${n} × ${kind}`).join(', ') || 'no errors';
  log(`retention ${retentionSeconds} s: ${paid} paid (${failed}), ${receiver.received()} callbacks received`);
  await pool.close();
  await gateway.stop();
  await receiver.close();
  return figures;
}

function report(title: string, figures: Figures[]): string {
  const rows = figures.map((f) => [
    f1(f.at),
    String(f.paid),
    f1(f.mainMb),
    f1(f.walMb),
    String(f.pages),
    String(f.free),
    String(f.attempts),
    String(f.deliveries),
    String(f.pruned),
  ]);
  const head = ['t (s)', 'paid', 'file MB', 'wal MB', 'pages', 'free', 'attempts', 'deliveries', 'pruned'];
  // The file's growth per payment paid over the second half of the run, in pages of 4 KiB.
  const mid = figures[Math.floor(figures.length / 2)];
  const end = figures.at(-1);
  const perPayment =
    mid && end && end.paid > mid.paid ? ((end.pages - mid.pages) * 4096) / (end.paid - mid.paid) : Number.NaN;
  return `${title}\n${table([head, ...rows], new Set([0, 1, 2, 3, 4, 5, 6, 7, 8]))}\nsecond half: ${f0(perPayment)} bytes of file per payment paid`;
}

async function main(): Promise<void> {
  const params = parseParams(process.argv.slice(2));
  const dir = mkdtempSync(join(os.tmpdir(), 'payhook-retention-'));
  try {
    log(`machine: ${await machineLine()}; load average ${loadLine(os.loadavg())}`);
    const pruned = await run(params, params.retentionSeconds, dir);
    console.log(report(`retention ${params.retentionSeconds} s:`, pruned));
    if (params.compare) console.log(report('retention off (0):', await run(params, 0, dir)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
