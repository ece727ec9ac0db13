// What GET /admin/endpoints costs (the dashboard's Endpoints page polls it every 2 s) with many
// attempts in the last hour. On one database with ATTEMPTS attempts spread over the hour, on
// URLS callback URLs:
//   joined    the success-rate query before the per-minute counters: the hour's attempts
//             (attempts_started) joined to their deliveries, grouped by URL;
//   minutes   the query now: a sum over endpoint_minutes, at most 61 rows a URL;
//   counts    the whole health read as the service runs it (store.endpoints.counts: the minutes
//             and the pending deliveries' two reads).
// The counters are written the production way first (store.endpoints.recordAttempts in batches
// of 500, attempts in end order), and that write's cost per attempt is printed too. Figures are
// the median wall ms of READS reads of each, alternating.
//
//   npx tsx --conditions=@payhook/source bench/endpoints-read.ts [--attempts 200000] [--urls 50] [--reads 20] [--db sqlite|postgres] [--write-only]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import type { EndpointAttempt } from '../packages/gateway/src/domain/endpoint-health.js';
import { seedPaidPayments } from '../packages/gateway/src/seed.js';
import { openStore } from '../packages/gateway/src/storage/open.js';
import { createDatabase, dropDatabase, pgUrl } from './lib/databases.js';

const { values: args } = parseArgs({
  options: {
    attempts: { type: 'string', default: '200000' },
    urls: { type: 'string', default: '50' },
    reads: { type: 'string', default: '20' },
    db: { type: 'string', default: 'sqlite' },
    // The counters' write alone (runs on a tree without endpoint_minutes too: an A/B of its cost).
    'write-only': { type: 'boolean', default: false },
  },
});
const ATTEMPTS = Number(args.attempts);
const URLS = Number(args.urls);
const READS = Number(args.reads);
const PER_DELIVERY = 100;
const DELIVERIES = Math.ceil(ATTEMPTS / PER_DELIVERY);
const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 11, 1, 12, 0, 30);
const SINCE = NOW - HOUR;

/** The success-rate query before endpoint_minutes (storage/sql/endpoints.ts, `counts`). */
const JOINED = `select d.url, d.host, count(*) as n, sum(a.success) as ok
  from attempts a join deliveries d on d.id = a.delivery_id
  where a.started_at >= ${SINCE} group by d.url, d.host`;
/** The query now. */
const MINUTES = `select m.url, m.host, sum(m.attempts) as n, sum(m.succeeded) as ok
  from endpoint_minutes m where m.minute >= ${SINCE - (SINCE % 60_000)} group by m.url, m.host`;

interface Raw {
  query(text: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

let dir: string | undefined;
let pgName: string | undefined;
let url: string;
let raw: Raw;
if (args.db === 'postgres') {
  pgName = await createDatabase('payhook_bench', 'endpoints_read');
  url = pgUrl(pgName);
  const client = new pg.Client({ connectionString: url });
  raw = {
    query: async (text) => (await client.query(text)).rows,
    close: () => client.end(),
  };
  await seedPaidPayments(url, { payments: DELIVERIES, callbackUrl: 'http://127.0.0.1:9000/cb', now: NOW - HOUR });
  await client.connect();
} else {
  dir = mkdtempSync(join(os.tmpdir(), 'payhook-endpoints-read-'));
  const path = join(dir, 'read.sqlite');
  url = `sqlite:${path}`;
  await seedPaidPayments(url, { payments: DELIVERIES, callbackUrl: 'http://127.0.0.1:9000/cb', now: NOW - HOUR });
  const db = new BetterSqlite3(path);
  db.pragma('journal_mode = WAL');
  raw = {
    query: async (text) => {
      const stmt = db.prepare(text);
      if (stmt.reader) return stmt.all() as Record<string, unknown>[];
      stmt.run();
      return [];
    },
    close: async () => {
      db.close();
    },
  };
}

// URLS callback URLs over 5 hosts; each delivery PER_DELIVERY attempts, spread evenly over the
// hour (ended 5 ms after starting), one in four failed.
const t0 = performance.now();
await raw.query(`update deliveries set url = 'http://127.0.0.1:' || (9000 + (r.k % ${URLS}) % 5) || '/cb' || (r.k % ${URLS}),
  host = '127.0.0.1:' || (9000 + (r.k % ${URLS}) % 5)
  from (select id as did, row_number() over (order by id) - 1 as k from deliveries) r where deliveries.id = r.did`);
await raw.query(`insert into attempts (delivery_id, attempt_no, due_at, started_at, ended_at, success, status_code,
    latency_ms, error_class, error_message, response_excerpt)
  with recursive n(i) as (select 0 union all select i + 1 from n where i < ${PER_DELIVERY - 1}),
    d as (select id, row_number() over (order by id) - 1 as k from deliveries),
    t as (select d.id, d.k, n.i, cast(${SINCE} + (cast(n.i as bigint) * ${DELIVERIES} + d.k) * ${HOUR} / ${DELIVERIES * PER_DELIVERY} as bigint) as at
      from d cross join n)
  select id, i + 1, at, at, at + 5, case when (k + i) % 4 = 0 then 0 else 1 end,
    case when (k + i) % 4 = 0 then 500 else 200 end, 5, case when (k + i) % 4 = 0 then 'bad_status' end, null, null
  from t`);
if (args.db === 'postgres') await raw.query('analyze');
const seeded = performance.now() - t0;

const store = await openStore(url);
const attempts: EndpointAttempt[] = (
  await raw.query(`select d.url, d.host, a.ended_at, a.success from attempts a join deliveries d on d.id = a.delivery_id
    order by a.ended_at`)
).map((r) => ({
  url: String(r.url),
  host: String(r.host),
  success: Number(r.success) === 1,
  endedAt: Number(r.ended_at),
  errorClass: Number(r.success) === 1 ? null : 'bad_status',
  statusCode: Number(r.success) === 1 ? 200 : 500,
  errorMessage: null,
}));
const w0 = performance.now();
const c0 = process.cpuUsage();
for (let i = 0; i < attempts.length; i += 500) {
  const batch = attempts.slice(i, i + 500);
  await store.endpoints.recordAttempts(batch, batch.at(-1)?.endedAt ?? NOW, { failingAfter: 5, autoPauseAfter: 0 });
}
const writeMs = performance.now() - w0;
const c1 = process.cpuUsage(c0);
const written =
  `recordAttempts, batches of 500 over ${URLS} URLs: ${((writeMs * 1000) / attempts.length).toFixed(1)} µs wall, ` +
  `${((c1.user + c1.system) / attempts.length).toFixed(1)} µs CPU (this process) per attempt`;
if (args['write-only']) {
  console.log(`\n${written}, ${args.db}`);
  await finish();
  process.exit(0);
}
if (args.db === 'postgres') await raw.query('analyze');

// The two queries must agree (every attempt here started and ended in the same minute).
const key = (rows: Record<string, unknown>[]) =>
  JSON.stringify(
    rows.map((r) => [r.url, Number(r.n), Number(r.ok)]).sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
  );
const [joinedRows, minuteRows] = [await raw.query(JOINED), await raw.query(MINUTES)];
if (key(joinedRows) !== key(minuteRows)) throw new Error('the two success-rate reads disagree');
const minuteCount = Number((await raw.query('select count(*) as n from endpoint_minutes'))[0]?.n);

const timings: Record<string, number[]> = { joined: [], minutes: [], counts: [] };
const runs: [string, () => Promise<unknown>][] = [
  ['joined', () => raw.query(JOINED)],
  ['minutes', () => raw.query(MINUTES)],
  ['counts', () => store.endpoints.counts(SINCE, {})],
];
for (let r = 0; r < READS + 1; r++) {
  for (const [name, read] of runs) {
    const s = performance.now();
    await read();
    // The first round warms caches and prepares statements.
    if (r > 0) timings[name]?.push(performance.now() - s);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

console.log(
  `\nendpoint health read: ${attempts.length} attempts in the last hour on ${URLS} URLs (${minuteCount} minute rows), ${args.db}` +
    `\nseeded in ${(seeded / 1000).toFixed(1)} s; ${written}\n`,
);
const labels: Record<string, string> = {
  joined: 'before: attempts ⋈ deliveries',
  minutes: 'after: sum of endpoint_minutes',
  counts: 'after: store.endpoints.counts (whole)',
};
for (const [name] of runs) {
  console.log(
    `${(labels[name] ?? name).padEnd(40)} ${median(timings[name] ?? [])
      .toFixed(2)
      .padStart(9)} ms median`,
  );
}

await finish();

async function finish(): Promise<void> {
  await store.close();
  await raw.close();
  if (pgName) await dropDatabase(pgName);
  if (dir) rmSync(dir, { recursive: true, force: true });
}
