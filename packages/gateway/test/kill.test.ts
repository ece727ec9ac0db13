// One gateway process (role all) SIGKILLed every couple of seconds and restarted on the same
// database while 1,000 events are ingested and delivered to randomly failing receivers. Runs
// on SQLite and on PostgreSQL (one project each). Every delivery must end as its receiver's
// answers dictate, none may be lost, and resends stay bounded by the attempts in flight.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { BACKEND, createTestDatabase, type TestDatabase } from './helpers/database.js';
import {
  Cadence,
  FAST_SCHEDULE,
  Fleet,
  ingest,
  makePlan,
  type PlanReceiver,
  prng,
  progress,
  reconcile,
  type Seen,
  startPlanReceiver,
  workDone,
} from './helpers/faults.js';
import { type GatewayProcess, killAllGateways, spawnGateway } from './helpers/process.js';
import { waitFor } from './helpers/wait.js';

const CONCURRENCY = 16;
const EVENTS = 1_000;

let dir: string;
let database: TestDatabase;
let receivers: PlanReceiver[];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'payhook-kill-'));
  database = await createTestDatabase(dir);
  receivers = [];
});

afterEach(async () => {
  await killAllGateways();
  await Promise.all(receivers.map((r) => r.close()));
  await database.drop();
  rmSync(dir, { recursive: true, force: true });
});

it('SIGKILL every couple of seconds during ingestion and delivery: all final as the receivers dictate, none lost', async () => {
  const started = Date.now();
  const deadline = started + 100_000;
  // Two receivers fail 30% of requests, the third 75%: some deliveries exhaust at attempt 10.
  const plan = makePlan(`kill-${BACKEND}`, EVENTS, [0.3, 0.3, 0.75]);
  const log: Seen[] = [];
  // Answers take up to 60 ms, so a kill finds attempts in flight.
  receivers = await Promise.all([0, 1, 2].map((i) => startPlanReceiver(plan, i, log, 60)));
  const urls = receivers.map((r) => r.url);
  const env = {
    DATABASE_URL: database.url,
    PAYHOOK_RETRY_SCHEDULE: FAST_SCHEDULE,
    PAYHOOK_ATTEMPT_TIMEOUT: '1',
    PAYHOOK_LEASE: '2',
    PAYHOOK_POLL_INTERVAL: '0.2',
    PAYHOOK_CONCURRENCY: String(CONCURRENCY),
    PAYHOOK_SETTLE_DELAY: '3600',
  };
  const fleet = new Fleet();
  let spawned = 0;
  const start = async () => fleet.watch(await spawnGateway(env), `gateway #${++spawned}`);

  // The API the ingestion uses is whichever process is up; during a restart it waits for it.
  let current: Promise<GatewayProcess> = start();
  await current;
  const cadence = new Cadence();
  const rand = prng(1_000);
  let kills = 0;
  let killsWithWorkLeft = 0;
  let killerFailed: unknown;
  let restarted: ((gw: Promise<GatewayProcess>) => void) | undefined;
  const killer = (async () => {
    let atRestart = 0;
    while (await cadence.sleep(1_000 + Math.floor(rand() * 1_000))) {
      // However loaded the machine, each process gets to do some work before it dies (200
      // deliveries created or attempts recorded, a few hundred ms unloaded): progress is certain.
      await waitFor(async () => !cadence.running || (await workDone(database)) >= atRestart + 200, {
        timeoutMs: 120_000,
        intervalMs: 100,
        what: 'the restarted gateway to make progress',
      });
      if (!cadence.running) break;
      const gw = await current;
      const { pending, total } = await progress(database);
      current = new Promise((resolve) => {
        restarted = resolve;
      });
      await fleet.kill(gw);
      kills++;
      if (pending > 0 || total < EVENTS) killsWithWorkLeft++;
      const next = start();
      restarted?.(next);
      await next;
      atRestart = await workDone(database);
    }
  })().catch((error: unknown) => {
    killerFailed = error;
    const failed = Promise.reject(error);
    failed.catch(() => {});
    restarted?.(failed); // the ingestion stops with the reason instead of waiting for a process
  });

  try {
    const ingested = await ingest(plan, urls, async () => (await current).url, 20, deadline);
    await waitFor(
      async () => {
        if (fleet.crashes.length > 0) throw new Error(fleet.crashes.join('\n'));
        if (killerFailed !== undefined) throw killerFailed;
        const p = await progress(database);
        return p.total === EVENTS && p.pending === 0;
      },
      { timeoutMs: Math.max(1_000, deadline - Date.now()), intervalMs: 200, what: 'every delivery to be final' },
    );
    cadence.stop();
    await killer;
    expect(killerFailed).toBeUndefined();
    expect(fleet.crashes).toEqual([]);
    await fleet.kill(await current); // nothing can be sent after the count

    const outcome = await reconcile(database, plan, log);
    console.log(
      `kill (${BACKEND}): ${outcome.events} events, ${outcome.delivered} delivered, ${outcome.exhausted} exhausted; ` +
        `${outcome.attempts} attempts recorded, ${outcome.requests} requests received; ${kills} SIGKILLs ` +
        `(${killsWithWorkLeft} with work left), ${ingested.retries} API requests retried; ` +
        `${outcome.duplicates} duplicate sends (bound ${kills * CONCURRENCY}); ` +
        `${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    expect(outcome.problems).toEqual([]);
    expect(outcome.delivered + outcome.exhausted).toBe(EVENTS);
    expect(outcome.exhausted).toBe(plan.events.filter((e) => e.expected.state === 'exhausted').length);
    expect(outcome.exhausted).toBeGreaterThan(0);
    expect(killsWithWorkLeft).toBeGreaterThanOrEqual(3);
    expect(outcome.duplicates).toBeLessThanOrEqual(kills * CONCURRENCY);
  } finally {
    cadence.stop();
    await killer;
  }
}, 120_000);
