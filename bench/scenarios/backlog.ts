// The backlog: B retries scheduled over the next hours plus D due now. Times the claim of the
// next due batch over it, then one dispatcher's memory while it delivers the due ones, then
// the cost of an idle look (nothing due any more).
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openStore } from '@payhook/gateway';
import BetterSqlite3 from 'better-sqlite3';
import { createDatabase, dropDatabase, pgAttempts, pgQuery, pgUrl, sqliteAttempts } from '../lib/databases.js';
import type { CpuSplit } from '../lib/processes.js';
import { seedBacklog } from '../lib/seeding.js';
import { type ClaimTiming, type Ctx, DB_PREFIX, summarise, timeClaims, timeIdleLook, toTimes } from './common.js';
import { runGateways } from './payhook.js';

export interface BacklogResult {
  store: 'SQLite' | 'PostgreSQL';
  future: number;
  due: number;
  loadMs: number;
  sizeMb: number;
  claim: ClaimTiming;
  claimAnalyzed?: ClaimTiming;
  idle: { claimMs: number; nextMs: number; claimed: number };
  readyRssMb: number;
  peakRssMb: number;
  drainRate: number;
  drained: number;
  timedOut: boolean;
  cpu: CpuSplit;
}

export async function backlogScenario(ctx: Ctx, which: 'sqlite' | 'pg'): Promise<BacklogResult> {
  const { params, receiver } = ctx;
  const total = params.backlog + params.backlogDue;
  let databaseUrl: string;
  let dbName: string | undefined;
  let path = '';
  if (which === 'sqlite') {
    path = join(ctx.dir, 'backlog.sqlite');
    databaseUrl = `sqlite:${path}`;
  } else {
    dbName = await createDatabase(DB_PREFIX, 'backlog');
    databaseUrl = pgUrl(dbName);
  }
  try {
    const seeded = await seedBacklog(
      databaseUrl,
      { future: params.backlog, due: params.backlogDue, hours: params.backlogHours },
      receiver.url,
    );
    let sizeMb: number;
    if (dbName) {
      const [size] = await pgQuery<{ n: string }>(dbName, 'select pg_database_size(current_database()) as n');
      sizeMb = Number(size?.n ?? 0) / 2 ** 20;
    } else {
      const conn = new BetterSqlite3(path);
      conn.pragma('wal_checkpoint(TRUNCATE)');
      conn.close();
      sizeMb = statSync(path).size / 2 ** 20;
    }
    const loadMs = seeded.ms;
    ctx.log(
      `backlog-${which}: ${total} deliveries (${params.backlogDue} due) loaded in ${(loadMs / 1000).toFixed(1)} s`,
    );
    // 1. The next due batch, with the backlog in place.
    let claim: ClaimTiming;
    let claimAnalyzed: ClaimTiming | undefined;
    {
      const store = await openStore(databaseUrl);
      try {
        claim = await timeClaims(store, params.claimReps, params.concurrency);
        if (dbName) {
          // This server runs without autovacuum: measure again with planner statistics.
          await pgQuery(dbName, 'analyze');
          claimAnalyzed = await timeClaims(store, params.claimReps, params.concurrency);
        }
      } finally {
        await store.close();
      }
    }
    // 2. One dispatcher delivers the due ones; its memory while it works.
    const run = await runGateways(ctx, {
      label: `backlog-${which}`,
      databaseUrl,
      processes: 1,
      target: params.backlogDue,
      dbNames: dbName ? [dbName] : [],
      dbName,
    });
    const attempts = dbName ? await pgAttempts(dbName) : sqliteAttempts(path);
    const drained = attempts.filter((a) => a.success).length;
    // 3. Nothing due any more: what an idle dispatcher's look costs over the backlog.
    const store = await openStore(databaseUrl);
    let idle: BacklogResult['idle'];
    try {
      idle = await timeIdleLook(store, params.claimReps, params.concurrency);
    } finally {
      await store.close();
    }
    return {
      store: which === 'sqlite' ? 'SQLite' : 'PostgreSQL',
      future: params.backlog,
      due: params.backlogDue,
      loadMs,
      sizeMb,
      claim,
      claimAnalyzed,
      idle,
      readyRssMb: run.readyRssMb[0] ?? Number.NaN,
      peakRssMb: run.peakRssMb[0] ?? Number.NaN,
      drainRate: summarise(toTimes(attempts), drained).rate,
      drained,
      timedOut: run.timedOut,
      cpu: run.cpu,
    };
  } finally {
    if (dbName) await dropDatabase(dbName);
    else rmSync(path, { force: true });
  }
}
