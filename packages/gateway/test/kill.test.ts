// Gateway processes SIGKILLed in turn, at least 20 times, while 176 events are ingested and
// delivered to randomly failing receivers, with a database restart in the middle. Three whole
// gateways (API and dispatcher each) share the database (on SQLite, one file); ingestion goes
// to whichever is up. Runs on
// SQLite and on PostgreSQL (one project each; on PostgreSQL, a server this test starts on a
// spare port, so that it can crash it). Every delivery must end as its receiver's answers
// dictate and none may be lost.
//
// Leases are 10 minutes, far longer than the run: a delivery leased by a killed process comes
// back only because its owner's liveness lock is free (docs/decisions.md, "Lease owners"). If a
// restarted or surviving dispatcher waited for leases to expire, the run could not finish.
//
// "A database restart": on PostgreSQL, `pg_ctl stop -m immediate` (every backend killed, no
// checkpoint, WAL replayed on start) and start again while the gateway processes stay up. On
// SQLite, whose engine lives inside the processes, every process on the file is SIGKILLed at
// once and the shared-memory WAL index (`-shm`) is deleted before they start again, so the
// first to open the file rebuilds it from the WAL: crash recovery, as after a power cut.
import { existsSync, rmSync, statSync } from 'node:fs';
import { beforeAll, expect, it } from 'vitest';
import { waitFor } from '../../../test-support/wait.js';
import { BUILT_MAIN, buildGateway } from './helpers/built.js';
import { BACKEND, createDatabaseOn, createTestDatabase } from './helpers/database.js';
import {
  Cadence,
  FAST_SCHEDULE,
  Fleet,
  ingest,
  makePlan,
  prng,
  progress,
  reconcile,
  type Seen,
  startPlanReceiver,
  workDone,
} from './helpers/faults.js';
import { type PostgresServer, startPostgresServer } from './helpers/postgres-server.js';
import { type GatewayProcess, spawnGateway } from './helpers/process.js';
import { processSuite } from './helpers/process-suite.js';

const CONCURRENCY = 16;
const KILLS = 20;
// Ingested in waves, one per kill and two more, so every kill finds work left whatever the
// machine's speed: wave k starts once kill k-1 is done.
const WAVES = KILLS + 2;
const PER_WAVE = 8;
const EVENTS = WAVES * PER_WAVE;

let server: PostgresServer | undefined;

// Some 25 process starts: from dist/, each costs well under half the CPU of a start through tsx.
beforeAll(() => buildGateway(), 180_000);

const suite = processSuite('payhook-kill-', {
  async database(dir) {
    if (BACKEND !== 'postgres') return createTestDatabase(dir);
    server = await startPostgresServer();
    return createDatabaseOn(server.adminUrl);
  },
  async teardown() {
    await server?.destroy();
    server = undefined;
  },
});

it(`${KILLS}+ SIGKILLs in turn and a database restart during ingestion and delivery: all final as the receivers dictate, none lost`, async () => {
  const { database } = suite;
  const started = Date.now();
  const deadline = started + 170_000;
  // Two receivers fail 30% of requests, the third 75%: some deliveries exhaust at attempt 10.
  const plan = makePlan(`kill-${BACKEND}`, EVENTS, [0.3, 0.3, 0.75]);
  const log: Seen[] = [];
  // Answers take up to 60 ms, so a kill finds attempts in flight.
  const receivers = await Promise.all(
    [0, 1, 2].map(async (i) => suite.track(await startPlanReceiver(plan, i, log, 60))),
  );
  const urls = receivers.map((r) => r.url);
  const env = {
    DATABASE_URL: database.url,
    PAYHOOK_RETRY_SCHEDULE: FAST_SCHEDULE,
    // No receiver hangs here; a generous timeout keeps a busy machine's stalls (and SQLite's
    // synchronous waits for the write lock of a file three processes share) from turning an
    // answer the plan dictates into a timeout.
    PAYHOOK_ATTEMPT_TIMEOUT: '10',
    PAYHOOK_LEASE: '600',
    PAYHOOK_POLL_INTERVAL: '0.2',
    PAYHOOK_CONCURRENCY: String(CONCURRENCY),
    PAYHOOK_SETTLE_DELAY: '3600',
    PAYHOOK_DB_POOL: '4',
  };
  const fleet = new Fleet();
  let spawned = 0;
  // Processes up and not being killed: where ingestion sends its requests.
  const up = new Set<GatewayProcess>();
  const spawn = async () => {
    const gw = fleet.watch(await spawnGateway(env, 60_000, [], BUILT_MAIN), `gateway #${++spawned}`);
    up.add(gw);
    return gw;
  };
  const kill = async (gw: GatewayProcess) => {
    up.delete(gw);
    await fleet.kill(gw);
  };
  // Each slot is whichever process holds it now, or the one starting in its place: killed in
  // turn, a replacement has two kills' time to start.
  const slots: Promise<GatewayProcess>[] = [spawn(), spawn(), spawn()];
  await Promise.all(slots);

  const cadence = new Cadence();
  const rand = prng(20_261_201);
  let kills = 0;
  let killsWithWorkLeft = 0;
  let leasedAtKills = 0;
  let restart = '';
  // While SQLite restarts, nothing may open the file: the gateway's own open must do the recovery.
  let databaseDown = false;
  let killerFailed: unknown;

  const restartDatabase = async () => {
    const before = await progress(database);
    if (server) {
      // A process starting while the server is down exits at its migration (a process manager
      // would start it again); here every replacement is up first, and rides the crash out.
      await Promise.all(slots);
      databaseDown = true;
      await server.crashRestart(); // the gateway processes stay up and reconnect
      databaseDown = false;
      restart = `PostgreSQL crashed and restarted at ${before.final} final, processes kept running`;
      return;
    }
    const path = database.url.replace(/^sqlite:/, '');
    const victims = await Promise.all(slots);
    databaseDown = true;
    await Promise.all(victims.map(kill));
    const walBytes = existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0;
    rmSync(`${path}-shm`, { force: true });
    for (const i of slots.keys()) slots[i] = spawn();
    await Promise.all(slots);
    databaseDown = false;
    restart =
      `every process SIGKILLed at once at ${before.final} final, -shm deleted, ` +
      `reopened with ${walBytes} bytes of WAL to recover`;
  };

  const killer = (async () => {
    let atKill = 0;
    while (kills < KILLS || restart === '') {
      if (!(await cadence.sleep(200 + Math.floor(rand() * 400)))) return;
      // However loaded the machine, the processes do some work between kills (20 deliveries
      // created or attempts recorded): progress is certain.
      await waitFor(async () => !cadence.running || (await workDone(database)) >= atKill + 20, {
        timeoutMs: 60_000,
        intervalMs: 100,
        what: 'the gateway processes to make progress between kills',
      });
      if (!cadence.running) return;
      if (kills === KILLS / 2 && restart === '') {
        await restartDatabase();
        continue;
      }
      const victim = kills % slots.length;
      const gw = await slots[victim]; // the one started in the last round may still be starting
      const { pending, total } = await progress(database);
      const [leased] = await database.rows<{ n: number | string }>(
        'select count(*) as n from deliveries where lock_owner is not null',
      );
      await kill(gw as GatewayProcess);
      kills++;
      leasedAtKills += Number(leased?.n ?? 0);
      if (pending > 0 || total < EVENTS) killsWithWorkLeft++;
      slots[victim] = spawn();
      slots[victim]?.catch(() => {}); // awaited when next needed; a failure surfaces there
      atKill = await workDone(database);
    }
  })().catch((error: unknown) => {
    killerFailed = error;
  });

  try {
    const api = () =>
      waitFor(() => [...up][Math.floor(Math.random() * up.size)]?.url, {
        timeoutMs: Math.max(1_000, deadline - Date.now()),
        what: 'a gateway process to be up for ingestion',
      });
    let retries = 0;
    for (let wave = 0; wave < WAVES; wave++) {
      await waitFor(() => killerFailed !== undefined || kills >= Math.min(wave, KILLS), {
        timeoutMs: Math.max(1_000, deadline - Date.now()),
        intervalMs: 50,
        what: `kill ${wave} before ingestion wave ${wave + 1}`,
      });
      if (killerFailed !== undefined) throw killerFailed;
      const events = plan.events.slice(wave * PER_WAVE, (wave + 1) * PER_WAVE);
      retries += (await ingest({ ...plan, events }, urls, api, 10, deadline)).retries;
    }
    const ingested = { retries };
    await waitFor(
      async () => {
        if (fleet.crashes.length > 0) throw new Error(fleet.crashes.join('\n'));
        if (killerFailed !== undefined) throw killerFailed;
        if (databaseDown || kills < KILLS || restart === '') return false;
        const p = await progress(database);
        return p.total === EVENTS && p.pending === 0;
      },
      { timeoutMs: Math.max(1_000, deadline - Date.now()), intervalMs: 200, what: 'every delivery to be final' },
    );
    cadence.stop();
    await killer;
    expect(killerFailed).toBeUndefined();
    expect(fleet.crashes).toEqual([]);
    for (const gw of await Promise.all(slots)) await kill(gw); // nothing can be sent after the count

    const outcome = await reconcile(database, plan, log);
    const resent = resendDelays(log);
    console.log(
      `kill (${BACKEND}): ${outcome.events} events, ${outcome.delivered} delivered, ${outcome.exhausted} exhausted; ` +
        `${outcome.attempts} attempts recorded, ${outcome.requests} requests received; ${kills} SIGKILLs ` +
        `(${killsWithWorkLeft} with work left, ${leasedAtKills} deliveries leased at the kills); restart: ${restart}; ` +
        `${ingested.retries} API requests retried; ${outcome.duplicates} duplicate sends ` +
        `(bound ${(kills + 3) * CONCURRENCY}), each sent again ${resent} after the first send; ` +
        `${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    expect(outcome.problems).toEqual([]);
    expect(outcome.delivered + outcome.exhausted).toBe(EVENTS);
    expect(outcome.exhausted).toBe(plan.events.filter((e) => e.expected.state === 'exhausted').length);
    expect(outcome.exhausted).toBeGreaterThan(0);
    expect(kills).toBeGreaterThanOrEqual(KILLS);
    expect(killsWithWorkLeft).toBeGreaterThanOrEqual(KILLS);
    expect(restart).not.toBe('');
    // Each kill can cost at most the attempts in flight in the killed process.
    expect(outcome.duplicates).toBeLessThanOrEqual((kills + slots.length) * CONCURRENCY);
  } catch (error) {
    // Say how far the run got: on a machine loaded enough, the deadline is what fails.
    const p = await progress(database).catch(() => undefined);
    const left = await database
      .rows("select lock_owner, locked_until, attempts, next_attempt_at from deliveries where state = 'pending'")
      .catch(() => []);
    const where =
      `after ${kills} kills (restart: ${restart || 'not yet'}), ${JSON.stringify(p)}, ` +
      `${((Date.now() - started) / 1000).toFixed(1)} s; pending at ${Date.now()}: ${JSON.stringify(left.slice(0, 5))}`;
    throw new Error(`${error instanceof Error ? error.message : String(error)} — ${where}`, { cause: error });
  } finally {
    cadence.stop();
    await killer;
  }
}, 200_000);

/** How long after its first send a duplicated attempt went out again: median and max, in s. */
function resendDelays(log: readonly Seen[]): string {
  const first = new Map<string, number>();
  const delays: number[] = [];
  for (const s of log) {
    const key = `${s.deliveryId}#${s.attempt}`;
    const at = first.get(key);
    if (at === undefined) first.set(key, s.at);
    else delays.push(s.at - at);
  }
  delays.sort((a, b) => a - b);
  const sec = (ms: number | undefined) => `${((ms ?? 0) / 1000).toFixed(1)} s`;
  return delays.length === 0 ? '(none)' : `median ${sec(delays[delays.length >> 1])}, max ${sec(delays.at(-1))}`;
}
