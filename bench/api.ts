// How fast the gateway's public API answers, against a Fastify hello-world served the same way
// in the same run: each server is its own Node process on loopback, autocannon loads it from
// this one. The gateway runs from its sources on a fresh SQLite file with its default settings
// (LOG_LEVEL info, written to a file; shedding on), except PAYHOOK_RATE_LIMIT=0: one client
// address sends far more than 60 requests a minute. It is seeded through its own HTTP API:
// payments, half of them paid (a transfer each), then measured on
//   hello     GET / of a Fastify app answering {"hello":"world"}
//   result    GET /v1/payments_result?traceId=… (cycling through the seeded payments)
//   info      GET /v1/payments_info?traceId=…
//   create    POST /v1/payments (JSON, no orderId: each request is a new payment)
// and prints the server's CPU µs per answer (from /proc; steady on a shared machine, where
// rates swing) and the hello-world ratio by it, successful answers/s, p50/p99 latency (of every answer), answers shed with 503 under
// overload (PAYHOOK_MAX_EVENT_LOOP_DELAY, on as by default), other errors, and each ratio to
// hello-world.
//
//   npm run bench:api -- [--seconds 5] [--connections 32] [--payments 200]
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '32' },
    payments: { type: 'string', default: '200' },
  },
});
const SECONDS = Number(args.seconds);
const CONNECTIONS = Number(args.connections);
const PAYMENTS = Number(args.payments);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LOAD_BEFORE = os.loadavg();
const USDT = '4d8c508b-91c5-375b-92b0-ee702ed2dac5';

const HELLO = `
const app = require('fastify')();
app.get('/', async () => ({ hello: 'world' }));
app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
`;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Spawns `argv` with PORT set, stdout and stderr to `logFile`, and waits until `probe` answers. */
async function serve(argv: string[], env: Record<string, string>, logFile: string, probe: string) {
  const port = await freePort();
  const log = openSync(logFile, 'w');
  const { NODE_OPTIONS: _ignored, ...inherited } = process.env;
  const child = spawn(process.execPath, argv, {
    cwd: ROOT,
    env: { ...inherited, ...env, PORT: String(port) },
    stdio: ['ignore', log, log],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`${argv.join(' ')} exited with ${child.exitCode}; see ${logFile}`);
    try {
      if ((await fetch(url + probe)).ok) break;
    } catch {
      // not listening yet
    }
    if (i > 300) throw new Error(`${argv.join(' ')} did not answer ${probe} within 30 s; see ${logFile}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, child };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

async function post(url: string, body: unknown): Promise<any> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as { code: number; data: any; message: string };
  if (!res.ok || json.code !== 0) throw new Error(`POST ${url}: ${res.status} ${json.message}`);
  return json.data;
}

const newPayment = {
  payeeId: 'bench-payee',
  quoteAmount: '10',
  quoteAssetId: 'usd',
  paymentAssetId: USDT,
  settlementAssetId: USDT,
};

/**
 * CPU seconds (user + system) a process has used, from /proc (Linux). On a shared machine the
 * rate swings with what else runs; the server's CPU per answer hardly does.
 */
function cpuSeconds(pid: number): number {
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ)
}

interface Figures {
  name: string;
  /** Server CPU µs per answer, every answer counted. */
  cpuUs: number;
  /** Answers per second that succeeded (2xx): shed or failed ones are counted apart. */
  rps: number;
  p50: number;
  p99: number;
  shed: number;
  errors: number;
}

async function load(name: string, pid: number, options: autocannon.Options, seconds = SECONDS): Promise<Figures> {
  const cpuBefore = cpuSeconds(pid);
  const result = await autocannon({ connections: CONNECTIONS, duration: seconds, ...options });
  const cpu = cpuSeconds(pid) - cpuBefore;
  const shed = result.statusCodeStats?.['503']?.count ?? 0;
  return {
    name,
    cpuUs: (cpu * 1e6) / Math.max(1, result.requests.total),
    rps: result['2xx'] / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    shed,
    errors: result.errors + result.timeouts + result.non2xx - shed,
  };
}

/** A short unreported round first, so both servers are measured warm (JIT, caches). */
async function measure(name: string, server: { child: ChildProcess }, options: autocannon.Options): Promise<Figures> {
  const pid = server.child.pid as number;
  await load(name, pid, options, 1);
  return load(name, pid, options);
}

const dir = mkdtempSync(join(os.tmpdir(), 'payhook-bench-api-'));
const figures: Figures[] = [];
try {
  const hello = await serve(['-e', HELLO], {}, join(dir, 'hello.log'), '/');
  figures.push(await measure('hello-world', hello, { url: `${hello.url}/` }));
  await stop(hello.child);

  const gateway = await serve(
    ['--import', 'tsx', '--conditions=@payhook/source', 'packages/gateway/src/main.ts'],
    { DATABASE_URL: `sqlite:${join(dir, 'payhook.sqlite')}`, PAYHOOK_RATE_LIMIT: '0' },
    join(dir, 'gateway.log'),
    '/healthz',
  );
  try {
    const traceIds: string[] = [];
    for (let i = 0; i < PAYMENTS; i++) {
      const created = await post(`${gateway.url}/v1/payments`, { ...newPayment, orderId: `bench-order-${i}` });
      traceIds.push(created.traceId);
      if (i % 2 === 0) await post(`${gateway.url}/v1/sandbox/transfers`, { traceId: created.traceId });
    }
    const reads = (path: string) =>
      traceIds.map((traceId) => ({ method: 'GET' as const, path: `${path}?traceId=${traceId}` }));
    figures.push(
      await measure('payments_result', gateway, { url: gateway.url, requests: reads('/v1/payments_result') }),
    );
    figures.push(await measure('payments_info', gateway, { url: gateway.url, requests: reads('/v1/payments_info') }));
    figures.push(
      await measure('create', gateway, {
        url: `${gateway.url}/v1/payments`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(newPayment),
      }),
    );
  } finally {
    await stop(gateway.child);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const base = figures[0]?.rps ?? 1;
const baseCpu = figures[0]?.cpuUs ?? 1;
const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
console.log(`\nnpm run bench:api -- --seconds ${SECONDS} --connections ${CONNECTIONS} --payments ${PAYMENTS}`);
console.log(
  `load average before the run: ${LOAD_BEFORE.map((l) => l.toFixed(2)).join(' ')}; ${os.cpus().length} CPUs\n`,
);
console.log(
  row([
    'target',
    '2xx/s',
    'p50 ms',
    'p99 ms',
    'shed (503)',
    'errors',
    '× hello-world',
    'server CPU µs/answer',
    '× by CPU',
  ]),
);
console.log(row(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']));
for (const f of figures) {
  console.log(
    row([
      f.name,
      f.rps.toFixed(0),
      String(f.p50),
      String(f.p99),
      String(f.shed),
      String(f.errors),
      (f.rps / base).toFixed(3),
      f.cpuUs.toFixed(0),
      (baseCpu / f.cpuUs).toFixed(3),
    ]),
  );
}
