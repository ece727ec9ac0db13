// payhook's scenarios: N due callbacks seeded into a fresh SQLite file or PostgreSQL database,
// then 1 or 3 real gateway processes (PAYHOOK_ROLE=dispatcher) deliver them.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openStore } from '@payhook/gateway';
import { createDatabase, dropDatabase, pgAttempts, pgUrl, progressReader, sqliteAttempts } from '../lib/databases.js';
import {
  type CpuSplit,
  type CpuWindow,
  cpuWindow,
  type GatewayProcess,
  readProc,
  sleep,
  spawnGateway,
  splitCpu,
  vm,
} from '../lib/processes.js';
import { f0 } from '../lib/report.js';
import { seedDue } from '../lib/seeding.js';
import { type Ctx, DB_PREFIX, type Result, summarise, timeClaims, toTimes } from './common.js';

export interface GatewayRun {
  pids: number[];
  readyRssMb: number[];
  peakRssMb: number[];
  cpu: CpuSplit;
  timedOut: boolean;
  /** ms from the first process ready to the target reached. */
  wallMs: number;
  /** ms between the first and the last process ready. */
  readySpreadMs: number;
}

let gatewayRuns = 0;
const READY = /payhook dispatcher \(.*\) running/;

/** Starts `processes` dispatchers on the database and waits until `target` callbacks are delivered. */
export async function runGateways(
  ctx: Ctx,
  o: { label: string; databaseUrl: string; processes: number; target: number; dbNames: string[]; dbName?: string },
): Promise<GatewayRun> {
  const { params } = ctx;
  const env = {
    DATABASE_URL: o.databaseUrl,
    PAYHOOK_ROLE: 'dispatcher',
    PAYHOOK_CONCURRENCY: String(params.concurrency),
    // One receiver host: the default cap per host (16) would hold C down to 16.
    PAYHOOK_HOST_CONCURRENCY: String(params.concurrency),
    LOG_LEVEL: params.logLevel,
    PORT: '0',
  };
  const children: { gw: GatewayProcess; ready: boolean; readyTicks: number }[] = [];
  const progress = progressReader(o.databaseUrl, o.dbName);
  try {
    for (let i = 0; i < o.processes; i++) {
      // A fresh file per process and run: a retried scenario must not see the last run's ready line.
      const logPath = join(ctx.dir, `${o.label}-${++gatewayRuns}-${i}.log`);
      children.push({ gw: spawnGateway(env, logPath, params.cpuProf), ready: false, readyTicks: 0 });
    }
    const dead = () => children.find((c) => !c.gw.alive());
    // Ready: the "payhook dispatcher (…) running" line (printed right after the dispatcher started).
    let first: CpuWindow | undefined;
    const readyRssMb: number[] = [];
    const readyAt: number[] = [];
    const bootDeadline = performance.now() + 60_000;
    while (children.some((c) => !c.ready)) {
      for (const c of children) {
        if (c.ready || !READY.test(readFileSync(c.gw.logPath, 'utf8'))) continue;
        c.ready = true;
        first ??= cpuWindow();
        c.readyTicks = readProc(c.gw.pid)?.ticks ?? 0;
        readyRssMb.push(vm(c.gw.pid, 'VmRSS'));
        readyAt.push(performance.now());
      }
      const gone = dead();
      if (gone) throw new Error(`gateway exited during start-up:\n${gone.gw.tail()}`);
      if (performance.now() > bootDeadline) throw new Error('gateway did not start within 60 s');
      await sleep(20);
    }
    const start = first ?? cpuWindow();
    const deadline = start.at + params.maxSeconds * 1000;
    let timedOut = false;
    for (;;) {
      if ((await progress.read()) >= o.target) break;
      const gone = dead();
      if (gone) throw new Error(`gateway exited mid-run:\n${gone.gw.tail()}`);
      if (performance.now() > deadline) {
        timedOut = true;
        break;
      }
      await sleep(100);
    }
    const end = cpuWindow();
    const pids = children.map((c) => c.gw.pid);
    const systemTicks = children.reduce(
      (sum, c) => sum + Math.max(0, (end.procs.get(c.gw.pid)?.ticks ?? 0) - c.readyTicks),
      0,
    );
    return {
      pids,
      readyRssMb,
      peakRssMb: pids.map((pid) => vm(pid, 'VmHWM')),
      cpu: splitCpu(start, end, { system: pids, systemTicks, receiver: ctx.receiver.pid, dbNames: o.dbNames }),
      timedOut,
      wallMs: end.at - start.at,
      readySpreadMs: Math.max(...readyAt) - Math.min(...readyAt),
    };
  } finally {
    await progress.close();
    await Promise.all(children.map((c) => c.gw.stop()));
  }
}

export async function payhookScenario(ctx: Ctx, scenario: 'sqlite' | 'pg-1' | 'pg-3'): Promise<Result> {
  const { params, receiver } = ctx;
  const n = params.callbacks;
  const processes = scenario === 'pg-3' ? 3 : 1;
  const notes: string[] = [];
  let databaseUrl: string;
  let dbName: string | undefined;
  if (scenario === 'sqlite') databaseUrl = `sqlite:${join(ctx.dir, `${scenario}.sqlite`)}`;
  else {
    dbName = await createDatabase(DB_PREFIX, scenario);
    databaseUrl = pgUrl(dbName);
  }
  try {
    const seeded = await seedDue(databaseUrl, n, receiver.url);
    ctx.log(`${scenario}: ${seeded.deliveries} due deliveries loaded in ${Math.round(seeded.ms)} ms`);
    if (processes === 1) {
      const store = await openStore(databaseUrl);
      try {
        const claim = await timeClaims(store, params.claimReps, params.concurrency);
        notes.push(
          `claimDeliveries(limit ${params.concurrency}) with ${n} due and no backlog: median ` +
            `${claim.medianMs.toFixed(2)} ms (${claim.reps} reps, ${f0(claim.perClaim)} rows each on average)`,
        );
        ctx.baselineClaims.set(scenario === 'sqlite' ? 'sqlite' : 'pg', claim);
      } finally {
        await store.close();
      }
    }
    const before = await receiver.stats();
    ctx.log(`${scenario}: starting ${processes} dispatcher process(es)`);
    const run = await runGateways(ctx, {
      label: scenario,
      databaseUrl,
      processes,
      target: n,
      dbNames: dbName ? [dbName] : [],
      dbName,
    });
    const after = await receiver.stats();
    const attempts = dbName ? await pgAttempts(dbName) : sqliteAttempts(databaseUrl.replace(/^sqlite:/, ''));
    const done = attempts.filter((a) => a.success).length;
    const distinct = new Set(attempts.map((a) => a.deliveryId)).size;
    ctx.baselineRss.set(scenario, run.peakRssMb);
    notes.push(
      `RSS when ready ${run.readyRssMb.map((v) => v.toFixed(0)).join(', ')} MB` +
        (processes > 1 ? `; the last process was ready ${f0(run.readySpreadMs)} ms after the first` : ''),
    );
    return {
      scenario,
      label: scenario === 'sqlite' ? 'payhook SQLite' : 'payhook PostgreSQL',
      procs: processes,
      total: n,
      done,
      timedOut: run.timedOut,
      ...summarise(toTimes(attempts), done),
      rssMb: run.peakRssMb,
      cpu: run.cpu,
      checks:
        `${attempts.length} attempts for ${distinct} deliveries; receiver saw ${after.requests - before.requests} ` +
        `POSTs for ${after.distinctDeliveries - before.distinctDeliveries} distinct deliveries`,
      notes,
    };
  } finally {
    if (dbName) await dropDatabase(dbName);
    else rmSync(databaseUrl.replace(/^sqlite:/, ''), { force: true });
  }
}
