// PostgreSQL only: faults at scale with real processes. Dispatcher processes are SIGKILLed
// in turn while thousands of callbacks to randomly failing receivers flow, and every backend
// connection of the database is terminated mid-run. Nothing may be lost, every delivery
// must end as its receiver's answers dictate, and resends stay bounded by what was in flight.
import { beforeAll, expect, it } from 'vitest';
import { waitFor } from '../../../../test-support/wait.js';
import { BUILT_MAIN, buildGateway } from '../helpers/built.js';
import { pgAdmin } from '../helpers/database.js';
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
} from '../helpers/faults.js';
import { type GatewayProcess, spawnGateway } from '../helpers/process.js';
import { processSuite } from '../helpers/process-suite.js';

const CONCURRENCY = 16;

// Dispatchers restart every few seconds: the built gateway, so tsx does not transform the sources each time.
beforeAll(() => buildGateway(), 180_000);

const suite = processSuite('payhook-faults-');

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: suite.database.url,
    PAYHOOK_RETRY_SCHEDULE: FAST_SCHEDULE,
    PAYHOOK_ATTEMPT_TIMEOUT: '1',
    PAYHOOK_LEASE: '2',
    PAYHOOK_POLL_INTERVAL: '0.2',
    PAYHOOK_CONCURRENCY: String(CONCURRENCY),
    // No settlement during the run: only the success events are under test.
    PAYHOOK_SETTLE_DELAY: '3600',
    PAYHOOK_DB_POOL: '6',
    ...extra,
  };
}

const databaseName = () => new URL(suite.database.url).pathname.slice(1);

async function listenerPids(): Promise<number[]> {
  return pgAdmin(async (c) => {
    const res = await c.query<{ pid: number }>(
      "select pid from pg_stat_activity where datname = $1 and query = 'LISTEN payhook_deliveries'",
      [databaseName()],
    );
    return res.rows.map((r) => r.pid).sort((a, b) => a - b);
  });
}

/** Terminates every backend connection of the test database; returns how many there were. */
async function cutConnections(): Promise<number> {
  return pgAdmin(async (c) => {
    const res = await c.query<{ ok: boolean }>(
      'select pg_terminate_backend(pid) as ok from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
      [databaseName()],
    );
    return res.rows.filter((r) => r.ok).length;
  });
}

it('5,000 events, 3 dispatchers SIGKILLed in turn: each delivery ends as its receiver dictates, none lost', async () => {
  const started = Date.now();
  // Ingestion alone takes 60-135 s on two busy cores (the API shares them with three dispatchers,
  // their restarts and the receivers); the deadline is a hang detector, not a speed assertion.
  const deadline = started + 240_000;
  // Three receivers fail 30% of requests; the fourth fails 75%, so some deliveries exhaust.
  const plan = makePlan('pgkill', 5_000, [0.3, 0.3, 0.3, 0.75]);
  const log: Seen[] = [];
  const receivers = await Promise.all(
    [0, 1, 2, 3].map(async (i) => suite.track(await startPlanReceiver(plan, i, log, 20))),
  );
  const urls = receivers.map((r) => r.url);
  const fleet = new Fleet();
  let spawned = 0;
  const dispatcher = async () =>
    fleet.watch(await spawnGateway(env(), 20_000, ['--role', 'dispatcher'], BUILT_MAIN), `dispatcher #${++spawned}`);

  const api = fleet.watch(
    await spawnGateway(env({ PAYHOOK_ROLE: 'api', PAYHOOK_DB_POOL: '10' }), 20_000, [], BUILT_MAIN),
    'api',
  );
  const dispatchers: GatewayProcess[] = await Promise.all([dispatcher(), dispatcher(), dispatcher()]);

  // Kill one dispatcher every 2-3 s, in turn, and start a new one in its place.
  const cadence = new Cadence();
  const rand = prng(20_240_601);
  let kills = 0;
  let killsWithWorkLeft = 0;
  let killerFailed: unknown;
  const killer = (async () => {
    while (await cadence.sleep(2_000 + Math.floor(rand() * 1_000))) {
      const victim = kills % dispatchers.length;
      const { pending, total } = await progress(suite.database);
      await fleet.kill(dispatchers[victim] as GatewayProcess);
      kills++;
      if (pending > 0 || total < plan.events.length) killsWithWorkLeft++;
      dispatchers[victim] = await dispatcher();
    }
  })().catch((error: unknown) => {
    killerFailed = error;
  });

  try {
    const ingestStarted = Date.now();
    const ingested = await ingest(plan, urls, async () => api.url, 20, deadline);
    const ingestMs = Date.now() - ingestStarted;
    expect(ingested.retries).toBe(0); // the API process is never touched
    await waitFor(
      async () => {
        if (fleet.crashes.length > 0) throw new Error(fleet.crashes.join('\n'));
        if (killerFailed !== undefined) throw killerFailed;
        const p = await progress(suite.database);
        return p.total === plan.events.length && p.pending === 0;
      },
      { timeoutMs: Math.max(1_000, deadline - Date.now()), intervalMs: 250, what: 'every delivery to be final' },
    );
    cadence.stop();
    await killer;
    expect(killerFailed).toBeUndefined();
    expect(fleet.crashes).toEqual([]);
    // Stop everything before reading the logs: no late send can slip in after the count.
    for (const gw of [api, ...dispatchers]) await fleet.kill(gw);

    const outcome = await reconcile(suite.database, plan, log);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      `faults/kill: ${outcome.events} events (ingested in ${(ingestMs / 1000).toFixed(1)} s), ` +
        `${outcome.delivered} delivered, ${outcome.exhausted} exhausted; ${outcome.attempts} attempts recorded, ` +
        `${outcome.requests} requests received; ${kills} dispatcher SIGKILLs (${killsWithWorkLeft} with work left), ` +
        `${outcome.duplicates} duplicate sends (bound ${kills * CONCURRENCY}); ${seconds} s`,
    );
    expect(outcome.problems).toEqual([]);
    expect(outcome.delivered + outcome.exhausted).toBe(5_000);
    expect(outcome.delivered).toBe(plan.events.filter((e) => e.expected.state === 'delivered').length);
    expect(outcome.exhausted).toBeGreaterThan(0);
    expect(killsWithWorkLeft).toBeGreaterThanOrEqual(3);
    expect(outcome.duplicates).toBeLessThanOrEqual(kills * CONCURRENCY);
  } finally {
    cadence.stop();
    await killer;
  }
}, 270_000);

it('every database connection cut twice mid-run: the processes survive, reconnect, re-LISTEN and lose nothing', async () => {
  const started = Date.now();
  const deadline = started + 75_000;
  // 1,500 events flow during the cuts; 5 more come after them, one at a time, to time NOTIFY.
  const plan = makePlan('pgcut', 1_505, [0.3, 0.3]);
  expect(plan.events.every((e) => e.expected.state === 'delivered')).toBe(true); // fixed by the seed
  const log: Seen[] = [];
  const receivers = await Promise.all([0, 1].map(async (i) => suite.track(await startPlanReceiver(plan, i, log, 20))));
  const urls = receivers.map((r) => r.url);
  const fleet = new Fleet();
  // Polls only every 5 s: after the cuts, prompt delivery needs the re-established LISTEN.
  const slowPoll = env({ PAYHOOK_POLL_INTERVAL: '5' });
  const api = fleet.watch(
    await spawnGateway({ ...slowPoll, PAYHOOK_ROLE: 'api', PAYHOOK_DB_POOL: '10' }, 20_000, [], BUILT_MAIN),
    'api',
  );
  const dispatchers = await Promise.all(
    [1, 2].map(async (n) =>
      fleet.watch(await spawnGateway(slowPoll, 20_000, ['--role', 'dispatcher'], BUILT_MAIN), `dispatcher #${n}`),
    ),
  );
  const checkAlive = () => {
    if (fleet.crashes.length > 0) throw new Error(fleet.crashes.join('\n'));
  };
  const listening = (what: string, not: readonly number[] = []) =>
    waitFor(
      async () => {
        checkAlive();
        const pids = await listenerPids();
        return pids.length === dispatchers.length && pids.every((p) => !not.includes(p)) && pids;
      },
      { timeoutMs: 10_000, intervalMs: 100, what },
    );
  const finalAtLeast = (n: number, what: string) =>
    waitFor(
      async () => {
        checkAlive();
        return (await progress(suite.database)).final >= n;
      },
      { timeoutMs: Math.max(1_000, deadline - Date.now()), intervalMs: 100, what },
    );

  const bulk = { ...plan, events: plan.events.slice(0, 1_500) };
  const stopIngestion = new AbortController();
  const ingestion = ingest(bulk, urls, async () => api.url, 20, deadline, stopIngestion.signal);
  ingestion.catch(() => {}); // awaited below; a failure must not surface as unhandled meanwhile
  try {
    const cuts: { at: string; terminated: number }[] = [];

    // Cut 1: ingestion and deliveries both under way.
    const before1 = await listening('both dispatchers to LISTEN');
    await finalAtLeast(300, '300 deliveries final before the first cut');
    cuts.push({ at: `${(await progress(suite.database)).final} final`, terminated: await cutConnections() });
    const after1 = await listening('the LISTEN connections to come back after the first cut', before1);

    // Cut 2: deliveries and retries flowing, ingestion perhaps done.
    await finalAtLeast(900, '900 deliveries final before the second cut');
    cuts.push({ at: `${(await progress(suite.database)).final} final`, terminated: await cutConnections() });
    await listening('the LISTEN connections to come back after the second cut', after1);

    const ingested = await ingestion;
    await waitFor(
      async () => {
        checkAlive();
        const p = await progress(suite.database);
        return p.total === 1_500 && p.pending === 0;
      },
      { timeoutMs: Math.max(1_000, deadline - Date.now()), intervalMs: 200, what: 'every delivery to be final' },
    );

    // After the cuts: with nothing else due, the dispatchers sleep for a whole 5 s poll; each
    // new event reaching its receiver well inside it means NOTIFY on the new LISTEN woke them.
    const wakeups: number[] = [];
    for (const [k, e] of plan.events.slice(1_500).entries()) {
      const sentAt = Date.now();
      await ingest({ ...plan, events: [e] }, urls, async () => api.url, 1, deadline);
      const first = await waitFor(() => log.find((s) => s.orderId === e.orderId), {
        timeoutMs: 6_000,
        what: `the callback of ${e.orderId}`,
      });
      wakeups.push(first.at - sentAt); // create, pay, NOTIFY, claim and send
      await waitFor(
        async () => {
          const p = await progress(suite.database);
          return p.total === 1_501 + k && p.pending === 0;
        },
        { timeoutMs: 10_000, intervalMs: 50, what: `the delivery of ${e.orderId} to be final` },
      );
    }
    checkAlive();
    for (const gw of [api, ...dispatchers]) expect(gw.child.exitCode, gw.output()).toBeNull();
    for (const gw of [api, ...dispatchers]) await fleet.kill(gw);

    const outcome = await reconcile(suite.database, plan, log);
    const bound = cuts.length * dispatchers.length * CONCURRENCY;
    console.log(
      `faults/cut: ${outcome.events} events, ${outcome.delivered} delivered, ${outcome.exhausted} exhausted; ` +
        `cuts ${cuts.map((c) => `at ${c.at} (${c.terminated} connections)`).join(', ')}; ` +
        `${ingested.retries} API requests retried; ${outcome.attempts} attempts, ${outcome.duplicates} duplicate sends ` +
        `(bound ${bound}); NOTIFY wake-ups after the cuts ${wakeups.join(', ')} ms; ` +
        `${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    expect(cuts.every((c) => c.terminated >= 1 + dispatchers.length)).toBe(true); // pools and listeners
    expect(outcome.problems).toEqual([]);
    expect(outcome.delivered).toBe(plan.events.length);
    expect(outcome.exhausted).toBe(0);
    expect(outcome.duplicates).toBeLessThanOrEqual(bound);
    for (const ms of wakeups) expect(ms).toBeLessThan(1_000);
  } finally {
    stopIngestion.abort();
    await ingestion.catch(() => {});
  }
}, 100_000);
