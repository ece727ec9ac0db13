// Does the dispatcher's hot path keep Kysely? The claim and the batched record, the two
// statements every callback costs, run on one SQLite file three ways in the same process:
//   kysely    the production path: store.queue.claim / record (Kysely + the group-commit driver,
//             which prepares each SQL text once);
//   raw       the same SQL text and parameters, prepared once with better-sqlite3 and run in
//             BEGIN IMMEDIATE … COMMIT, as the driver does, with no Kysely in between;
//   compile   Kysely building and compiling the two statements only (no database).
// Figures are CPU µs per delivery (process.cpuUsage: fsync waits are not CPU) and wall ms, the
// best of alternating rounds.
//
// With --paused N, N more deliveries to a paused callback URL are due before all of them: what a
// paused endpoint's backlog costs everyone else's claim. The pause parks them out of the claim's
// due indexes, so it should cost nothing (before parking, each claim passed over all of them).
//
//   npx tsx --conditions=@payhook/source bench/hot-path.ts [--deliveries 10000] [--batch 64] [--rounds 3] [--paused 0]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Attempt } from '../packages/gateway/src/interfaces.js';
import { paidPayments } from '../packages/gateway/src/seed.js';
import { openStore } from '../packages/gateway/src/storage/open.js';
import { deliveryToRow, eventToRow, paymentToRow, transferToRow } from '../packages/gateway/src/storage/rows.js';
import type { Database } from '../packages/gateway/src/storage/schema.js';
import type { SqlStore } from '../packages/gateway/src/storage/sql/store.js';
import type { AttemptOutcome, ClaimOptions } from '../packages/gateway/src/storage/store.js';

const { values: args } = parseArgs({
  options: {
    deliveries: { type: 'string', default: '10000' },
    batch: { type: 'string', default: '64' },
    // For a CPU profile of one path.
    only: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    paused: { type: 'string', default: '0' },
  },
});
const N = Number(args.deliveries);
const BATCH = Number(args.batch);
const PAUSED = Number(args.paused);
const PAUSED_URL = 'http://127.0.0.1:9999/paused';
const NOW = Date.UTC(2026, 11, 1, 12);
/** What a signed callback's attempt records (the larger case: a payee with a signing secret). */
const REQUEST_HEADERS: Record<string, string> = {
  'content-type': 'application/json',
  'user-agent': 'payhook/0.1',
  'x-payhook-event': 'success',
  'x-payhook-event-id': '0b7c1a52-34a8-4f4e-9d0e-6c2f5b1e9a17',
  'x-payhook-delivery': '5d1f0c3e-8a7b-4c2d-9e6f-1a2b3c4d5e6f',
  'x-payhook-attempt': '1',
  'webhook-id': '0b7c1a52-34a8-4f4e-9d0e-6c2f5b1e9a17',
  'webhook-timestamp': String(Math.floor(NOW / 1000)),
  'webhook-signature': 'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=',
};

const dir = mkdtempSync(join(os.tmpdir(), 'payhook-hot-path-'));
const path = join(dir, 'hot.sqlite');
const store = (await openStore(`sqlite:${path}`)) as SqlStore;
const raw = new BetterSqlite3(path);
raw.pragma('journal_mode = WAL');
raw.pragma('synchronous = FULL');
raw.pragma('busy_timeout = 5000');
raw.pragma('foreign_keys = ON'); // as the gateway's connection
// Compiles the store's statements as the production dialect would, without running them.
const compiler = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });

seed();
if (PAUSED > 0)
  await store.endpoints.pause(PAUSED_URL, '127.0.0.1:9999', { at: NOW - 5_000, by: 'bench', reason: null });

const claimOptions = (i: number): ClaimOptions => ({
  now: NOW,
  limit: BATCH,
  leaseMs: 60_000,
  token: `token-${i}`,
  owner: 'bench',
  hostLimit: 16,
  hostBudgets: new Map(),
});
const outcomes = (ids: readonly string[], token: string): AttemptOutcome[] =>
  ids.map((deliveryId) => ({
    attempt: attempt(deliveryId),
    update: { state: 'delivered', nextAttemptAt: null },
    token,
  }));

const results: [string, number, number][] = [];

// 1. Kysely, as the dispatcher runs it.
async function viaKysely(): Promise<[number, number]> {
  const { cpu, wall, delivered } = await measure(async (i) => {
    const claimed = await store.queue.claim(claimOptions(i));
    if (claimed.length === 0) return 0;
    await store.queue.record(
      outcomes(
        claimed.map((d) => d.id),
        `token-${i}`,
      ),
      NOW,
    );
    return claimed.length;
  });
  return [cpu / delivered, wall];
}

// 2. The same statements, prepared once, straight through better-sqlite3.
const statements = new Map<string, BetterSqlite3.Statement>();
async function viaRaw(): Promise<[number, number]> {
  const prepared = (text: string) => {
    const known = statements.get(text);
    if (known) return known;
    const fresh = raw.prepare(text);
    statements.set(text, fresh);
    return fresh;
  };
  const begin = raw.prepare('begin immediate');
  const commit = raw.prepare('commit');
  const { cpu, wall, delivered } = await measure(async (i) => {
    const claim = store.queue.claimStatement(claimOptions(i)).compile(compiler);
    begin.run();
    const claimed = prepared(claim.sql).all(...(claim.parameters as unknown[])) as { id: string }[];
    commit.run();
    if (claimed.length === 0) return 0;
    const record = store.queue.recordStatement(
      outcomes(
        claimed.map((d) => d.id),
        `token-${i}`,
      ),
      NOW,
    );
    begin.run();
    const held = prepared(record.update.compile(compiler).sql).all(
      ...(record.update.compile(compiler).parameters as unknown[]),
    ) as { id: string }[];
    const insert = record.insert(held.map((r) => r.id)).compile();
    prepared(insert.sql).run(...(insert.parameters as unknown[]));
    commit.run();
    return claimed.length;
  });
  return [cpu / delivered, wall];
}

// Alternating rounds, best of each: the first round pays for JIT warm-up and a cold page cache.
const rounds = Number(args.rounds);
const best = { kysely: [Infinity, 0] as [number, number], raw: [Infinity, 0] as [number, number] };
for (let r = 0; r < rounds; r++) {
  for (const [name, run] of [
    ['kysely', viaKysely],
    ['raw', viaRaw],
  ] as const) {
    if (args.only && args.only !== name) continue;
    const figures = await run();
    reset();
    if (figures[0] < best[name][0]) best[name] = figures;
  }
}
if (args.only !== 'raw') results.push(['kysely (production)', ...best.kysely]);
if (args.only !== 'kysely') results.push(['raw better-sqlite3 (Kysely compiles)', ...best.raw]);

// 3. Compiling alone.
{
  const ids = Array.from({ length: BATCH }, (_, i) => `delivery-${i}`);
  const rounds = Math.ceil(N / BATCH);
  const t0 = process.cpuUsage();
  for (let i = 0; i < rounds; i++) {
    store.queue.claimStatement(claimOptions(i)).compile(compiler);
    const record = store.queue.recordStatement(outcomes(ids, `token-${i}`), NOW);
    record.update.compile(compiler);
    record.insert(ids).compile();
  }
  const used = process.cpuUsage(t0);
  results.push(['compile only', (used.user + used.system) / (rounds * BATCH), 0]);
}

console.log(
  `\nhot path: claim ${BATCH} + record ${BATCH}, ${N} deliveries${PAUSED ? ` behind ${PAUSED} to a paused URL` : ''}, SQLite (WAL, synchronous=FULL)\n`,
);
for (const [name, us, ms] of results) {
  console.log(
    `${name.padEnd(40)} ${us.toFixed(1).padStart(7)} CPU µs/delivery${ms ? `   ${ms.toFixed(0)} ms wall` : ''}`,
  );
}
const [kysely, direct] = results;
if (kysely && direct && !args.only) console.log(`\nkysely / raw CPU: ${(kysely[1] / direct[1]).toFixed(2)}`);

await store.close();
await compiler.destroy();
rmSync(dir, { recursive: true, force: true });

async function measure(step: (i: number) => Promise<number>) {
  const t0 = process.cpuUsage();
  const w0 = performance.now();
  let delivered = 0;
  for (let i = 0; ; i++) {
    const n = await step(i);
    if (n === 0) break;
    delivered += n;
  }
  const used = process.cpuUsage(t0);
  if (delivered !== N) throw new Error(`delivered ${delivered} of ${N}`);
  return { cpu: used.user + used.system, wall: performance.now() - w0, delivered };
}

function attempt(deliveryId: string): Attempt {
  return {
    deliveryId,
    attemptNo: 1,
    dueAt: NOW - 10,
    startedAt: NOW - 5,
    endedAt: NOW,
    success: true,
    statusCode: 200,
    latencyMs: 5,
    errorClass: null,
    errorMessage: null,
    responseExcerpt: '{"code":"SUCCESS"}',
    request: { headers: REQUEST_HEADERS },
  };
}

/**
 * N paid payments, each with its success event and a due delivery, in one transaction: the rows
 * @payhook/gateway/seed computes through the life cycle, the deliveries spread over four hosts.
 */
function seed(): void {
  const insert = (table: string, row: Record<string, unknown>) => {
    const cols = Object.keys(row);
    raw.prepare(`insert into ${table} (${cols.join(', ')}) values (${cols.map(() => '?').join(', ')})`).run(
      ...cols.map((c) => {
        const v = row[c];
        return typeof v === 'boolean' ? Number(v) : v;
      }),
    );
  };
  const paid = paidPayments(N + PAUSED, { callbackUrl: 'http://127.0.0.1:9000/callback', now: NOW - 1_000 });
  raw.transaction(() => {
    paid.forEach(({ payment, transfers, events, deliveries }, i) => {
      insert('payments', paymentToRow(payment) as Record<string, unknown>);
      for (const transfer of transfers) insert('transfers', transferToRow(transfer) as Record<string, unknown>);
      for (const event of events) insert('events', eventToRow(event) as Record<string, unknown>);
      for (const delivery of deliveries) {
        const paused = i >= N;
        const url = paused ? PAUSED_URL : `http://127.0.0.1:${9000 + (i % 4)}/callback`;
        const due = paused ? NOW - 2_000 : (delivery.nextAttemptAt ?? NOW - 1_000);
        insert('deliveries', deliveryToRow({ ...delivery, url, nextAttemptAt: due }) as Record<string, unknown>);
      }
    });
  })();
}

/** Makes the delivered deliveries due again; the paused URL's were never claimed (nor, parked, due). */
function reset(): void {
  raw.exec(`delete from attempts; update deliveries set state = 'pending', attempts = 0,
    next_attempt_at = ${NOW - 1_000}, lock_token = null, locked_until = null, lock_owner = null
    where url <> '${PAUSED_URL}'`);
}
