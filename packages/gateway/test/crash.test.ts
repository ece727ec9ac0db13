// Durability with real OS processes: the gateway runs as `node main.ts` on a SQLite file and
// is SIGKILLed or SIGTERMed mid-delivery, then restarted on the same file. Nothing may be lost.
import { describe, expect, it } from 'vitest';
import { paymentBody } from '../../../test-support/fixtures.js';
import { waitFor } from '../../../test-support/wait.js';
import { type GatewayProcess, type Json, spawnGateway } from './helpers/process.js';
import { processSuite } from './helpers/process-suite.js';
import { type ReceivedCallback, type Receiver, startReceiver } from './helpers/receiver.js';

const SCHEDULE = '0,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2';

const suite = processSuite('payhook-crash-');

async function receiver(options: { slowMs?: number } = {}): Promise<Receiver> {
  return suite.track(await startReceiver(options));
}

async function createPayment(gw: GatewayProcess, callbackUrl: string, n: number): Promise<string> {
  const res = await gw.post(
    '/v1/payments',
    paymentBody({ payeeId: 'payee-crash', orderId: `crash-order-${n}`, callbackUrl }),
  );
  if (res.status !== 200) throw new Error(`create failed: ${JSON.stringify(res.body)}`);
  return res.body.data.traceId as string;
}

async function createPayments(gw: GatewayProcess, callbackUrl: string, count: number, from: number) {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push(await createPayment(gw, callbackUrl, from + i));
  return ids;
}

/** Pays each payment in full through the sandbox ingestion path; its success event is then committed. */
async function payAll(gw: GatewayProcess, traceIds: string[]): Promise<void> {
  for (const traceId of traceIds) {
    const res = await gw.post('/v1/sandbox/transfers', { traceId });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data.result.status).toBe('success');
  }
}

async function stats(gw: GatewayProcess): Promise<{ pending: number; delivered: number; exhausted: number }> {
  const res = await gw.get('/admin/stats');
  return res.body.data.deliveries;
}

async function metricsText(gw: GatewayProcess): Promise<string> {
  return (await fetch(`${gw.url}/metrics`)).text();
}

async function deliveries(gw: GatewayProcess, state: string): Promise<Json[]> {
  const res = await gw.get(`/admin/deliveries?state=${state}&limit=500`);
  expect(res.status).toBe(200);
  return res.body.data;
}

interface Row {
  trace_id: string;
  state: string;
  attempts: number;
  locked_until: number | null;
}

/** Reads the deliveries straight from the database while no gateway runs: the state a restart finds. */
function snapshot(): Promise<Row[]> {
  return suite.database.rows<Row>('select trace_id, state, attempts, locked_until from deliveries');
}

const traceOf = (c: ReceivedCallback) => (JSON.parse(c.body) as { traceId: string }).traceId;
// A slow answer cut off by the kill never reached the gateway, but the receiver did answer SUCCESS.
const answeredSuccess = (c: ReceivedCallback) => c.behaviour === 'success' || c.behaviour === 'slow_success';

/** Sends beyond the first SUCCESS-answered one, per traceId: the price of at-least-once. */
function duplicates(all: ReceivedCallback[]): number {
  const perTrace = new Map<string, number>();
  for (const c of all.filter(answeredSuccess)) perTrace.set(traceOf(c), (perTrace.get(traceOf(c)) ?? 0) + 1);
  return [...perTrace.values()].reduce((sum, n) => sum + n - 1, 0);
}

// Each test starts two processes: on a loaded machine a start alone can take 20 s.
describe('durability across real process crashes and restarts', { timeout: 120_000 }, () => {
  it('SIGKILL mid-delivery loses nothing: in-flight, scheduled and unattempted deliveries all arrive after a restart', async () => {
    const failing = await receiver();
    // Fails until the kill, so its deliveries are waiting for a retry then, however loaded the
    // machine; once the gateway is restarted it answers SUCCESS.
    failing.script([], 'status500');
    // The first ten answers take 4 s, long enough to be in flight at the kill even on a loaded
    // machine; the resends after the restart are answered at once.
    const slowMs = 4_000;
    const slow = await receiver({ slowMs });
    slow.script(Array(10).fill('slow_success'), 'success');
    const fast = await receiver();
    const env = {
      DATABASE_URL: suite.database.url,
      // Retries a second apart: nothing exhausts before the kill (ten attempts take nine seconds).
      PAYHOOK_RETRY_SCHEDULE: '0,1,1,1,1,1,1,1,1,1',
      PAYHOOK_ATTEMPT_TIMEOUT: '5',
      // Far longer than the test may take: the restart must take its dead predecessor's leases
      // back at once (its liveness lock is free), not wait for them to expire.
      PAYHOOK_LEASE: '600',
      PAYHOOK_POLL_INTERVAL: '0.1',
      // Ten slots: once the ten slow callbacks hold them, later events wait unattempted.
      PAYHOOK_CONCURRENCY: '10',
    };

    const first = await spawnGateway(env, 60_000);
    const failingIds = await createPayments(first, failing.url, 10, 0);
    const slowIds = await createPayments(first, slow.url, 10, 100);
    const fastIds = await createPayments(first, fast.url, 20, 200);
    const all = [...failingIds, ...slowIds, ...fastIds];

    await payAll(first, failingIds);
    await waitFor(() => failing.received.length >= 10, { what: 'first attempts of the failing callbacks' });
    await payAll(first, slowIds);
    await waitFor(() => slow.received.length >= 10, { what: 'the slow callbacks to be in flight' });
    await payAll(first, fastIds); // committed, but every slot is busy
    const killedAt = Date.now();
    const exit = await first.signal('SIGKILL');
    expect(exit.signal).toBe('SIGKILL');
    // No slow answer had been sent yet: they really were in flight when the process died.
    for (const c of slow.received) expect(c.at + slowMs).toBeGreaterThan(killedAt);

    const atKill = await snapshot();
    expect(atKill).toHaveLength(40);
    const inFlight = atKill.filter(
      (r) => r.state === 'pending' && r.locked_until !== null && r.locked_until > killedAt,
    );
    const scheduled = atKill.filter((r) => r.state === 'pending' && r.attempts > 0 && !inFlight.includes(r));
    const unattempted = atKill.filter((r) => r.state === 'pending' && r.attempts === 0 && !inFlight.includes(r));
    const deliveredBefore = atKill.filter((r) => r.state === 'delivered');
    console.log(
      `crash: at SIGKILL ${inFlight.length} in flight, ${scheduled.length} scheduled retries, ` +
        `${unattempted.length} not yet attempted, ${deliveredBefore.length} delivered`,
    );
    expect(new Set(inFlight.map((r) => r.trace_id))).toEqual(new Set(slowIds));
    expect(scheduled.length).toBeGreaterThan(0);
    expect(unattempted.length).toBeGreaterThan(0);

    // Each in-flight lease names the killed process as its owner.
    const owners = await suite.database.rows<{ lock_owner: string }>(
      "select distinct lock_owner from deliveries where lock_owner is not null and state = 'pending'",
    );
    expect(owners.map((o) => o.lock_owner)).toEqual([expect.stringMatching(new RegExp(`-${first.pid}-[0-9a-f]{16}$`))]);

    failing.script([], 'success');
    const second = await spawnGateway(env, 60_000);
    // The killed claims come back at once, 10 minutes before their leases would expire.
    await waitFor(async () => (await stats(second)).delivered === 40, {
      timeoutMs: 30_000,
      intervalMs: 100,
      what: 'all 40 deliveries to be delivered after the restart (well before the 600 s leases expire)',
    });
    expect(await stats(second)).toEqual({ pending: 0, delivered: 40, exhausted: 0 });
    const delivered = await deliveries(second, 'delivered');
    expect(delivered.map((d) => d.traceId).sort()).toEqual([...all].sort());
    expect(delivered.every((d) => d.eventType === 'success')).toBe(true);
    expect(await deliveries(second, 'pending')).toEqual([]);
    expect(await deliveries(second, 'exhausted')).toEqual([]);

    // Every payment's callback reached its receiver and was answered SUCCESS at least once.
    const received = [...failing.received, ...slow.received, ...fast.received];
    for (const traceId of all) {
      expect(
        received.some((c) => traceOf(c) === traceId && answeredSuccess(c)),
        traceId,
      ).toBe(true);
    }
    // The callbacks cut off by the kill were sent again by the restarted process.
    for (const traceId of slowIds) {
      expect(slow.received.filter((c) => traceOf(c) === traceId).length, traceId).toBeGreaterThanOrEqual(2);
    }
    const dupes = duplicates(received);
    console.log(`crash: ${received.length} callbacks received for 40 payments, ${dupes} duplicate SUCCESS sends`);
    expect(dupes).toBeGreaterThanOrEqual(slowIds.length);
  });

  it('SIGTERM finishes or releases attempts in flight, exits 0, and the restart completes everything at once', async () => {
    const slow = await receiver({ slowMs: 300 });
    slow.script([], 'slow_success'); // answers within the shutdown grace: recorded before exit
    const stuck = await receiver();
    stuck.script(['hang', 'hang'], 'success'); // never answers: aborted at the end of the grace, released
    const env = {
      DATABASE_URL: suite.database.url,
      PAYHOOK_RETRY_SCHEDULE: SCHEDULE,
      // Longer than main.ts's 5 s shutdown grace, so the hanging attempts are cut off by the stop.
      PAYHOOK_ATTEMPT_TIMEOUT: '8',
      // A lease left behind would block its delivery for a minute: the restart must not wait.
      PAYHOOK_LEASE: '60',
      PAYHOOK_POLL_INTERVAL: '0.1',
      PAYHOOK_CONCURRENCY: '5',
    };
    const first = await spawnGateway(env, 60_000);
    const stuckIds = await createPayments(first, stuck.url, 2, 0);
    const slowIds = await createPayments(first, slow.url, 18, 100);
    await payAll(first, stuckIds);
    await waitFor(() => stuck.received.length >= 2, { what: 'two hanging callbacks in flight' });
    await payAll(first, slowIds);
    await waitFor(() => slow.received.length >= 3, { what: 'slow callbacks in flight' });
    const inFlightAtTerm = new Set([...stuck.received, ...slow.received].map(traceOf));
    const termAt = Date.now();
    const exit = await first.signal('SIGTERM', 10_000);
    const shutdownMs = Date.now() - termAt;
    expect(exit, first.output()).toEqual({ code: 0, signal: null });
    expect(shutdownMs).toBeLessThan(8_000); // 5 s grace for the hanging ones, then out

    const atExit = await snapshot();
    expect(atExit).toHaveLength(20);
    expect(atExit.filter((r) => r.locked_until !== null)).toEqual([]); // no lease survives a clean stop
    const sentBeforeExit = new Set([...stuck.received, ...slow.received].map(traceOf));
    for (const traceId of inFlightAtTerm) expect(sentBeforeExit.has(traceId)).toBe(true);
    const finished = atExit.filter((r) => sentBeforeExit.has(r.trace_id) && r.state === 'delivered');
    const released = atExit.filter((r) => sentBeforeExit.has(r.trace_id) && r.state === 'pending');
    expect(finished.length + released.length).toBe(sentBeforeExit.size);
    for (const r of released) expect(r.attempts).toBe(0); // an aborted attempt does not count
    expect(released.map((r) => r.trace_id).sort()).toEqual([...stuckIds].sort());
    expect(finished.length).toBeGreaterThanOrEqual(3);
    expect(finished.every((r) => slowIds.includes(r.trace_id))).toBe(true);
    console.log(
      `graceful: exited 0 in ${shutdownMs} ms; of ${sentBeforeExit.size} attempts in flight, ` +
        `${finished.length} recorded delivered, ${released.length} released`,
    );

    const restartedAt = Date.now();
    const second = await spawnGateway(env, 60_000);
    await waitFor(async () => (await stats(second)).delivered === 20, {
      timeoutMs: 10_000,
      intervalMs: 100,
      what: 'all 20 deliveries to be delivered after the restart (well before a 60 s lease expires)',
    });
    const restartMs = Date.now() - restartedAt;
    expect(await stats(second)).toEqual({ pending: 0, delivered: 20, exhausted: 0 });
    for (const traceId of slowIds) expect(slow.received.some((c) => traceOf(c) === traceId)).toBe(true);
    for (const traceId of stuckIds) {
      expect(stuck.received.some((c) => traceOf(c) === traceId && c.behaviour === 'success')).toBe(true);
    }
    const dupes = duplicates([...stuck.received, ...slow.received]);
    console.log(`graceful: restart delivered the rest in ${restartMs} ms; ${dupes} duplicate SUCCESS sends`);
    expect(dupes).toBe(0); // a clean stop records what it finished: nothing is sent twice after a SUCCESS
  });

  it('a restart resumes the retry schedule where it stopped, up to exhaustion at attempt 10', async () => {
    const failing = await receiver();
    failing.script([], 'status500');
    const env = {
      DATABASE_URL: suite.database.url,
      PAYHOOK_RETRY_SCHEDULE: '0,0.3,0.3,0.3,0.3,0.3,0.3,0.3,0.3,0.3',
      PAYHOOK_ATTEMPT_TIMEOUT: '1',
      PAYHOOK_LEASE: '60',
      PAYHOOK_POLL_INTERVAL: '0.1',
    };
    const first = await spawnGateway(env, 60_000);
    const [traceId] = await createPayments(first, failing.url, 1, 0);
    await payAll(first, [traceId as string]);
    await waitFor(() => failing.received.length >= 3, { what: 'three failed attempts' });
    expect(await first.signal('SIGTERM', 5_000)).toEqual({ code: 0, signal: null });
    const beforeRestart = failing.received.length;
    expect(beforeRestart).toBeLessThan(10);

    const second = await spawnGateway(env, 60_000);
    const delivery = await waitFor(
      async () => {
        const res = await second.get(`/admin/payments/${traceId}`);
        const d = res.body.data.events.flatMap((e: Json) => e.deliveries)[0];
        return d?.state === 'exhausted' ? d : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 100, what: 'the delivery to be exhausted' },
    );

    const attemptHeaders = failing.received.map((c) => Number(c.headers['x-payhook-attempt']));
    console.log(
      `resume: ${beforeRestart} attempts before the restart, attempt numbers sent: ${attemptHeaders.join(',')}`,
    );
    expect(attemptHeaders).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(attemptHeaders[beforeRestart]).toBe(beforeRestart + 1); // the restart continued, not from 1
    expect(delivery.attempts).toBe(10);
    expect(delivery.attemptList.map((a: Json) => a.attemptNo)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(delivery.attemptList.every((a: Json) => !a.success && a.errorClass === 'bad_status')).toBe(true);
    expect(await stats(second)).toEqual({ pending: 0, delivered: 0, exhausted: 1 });
  });

  it('SIGKILL after the answer but before the attempt is committed: the restart sends the callback again', async () => {
    const fast = await receiver();
    const env = {
      DATABASE_URL: suite.database.url,
      PAYHOOK_LEASE: '600',
      PAYHOOK_POLL_INTERVAL: '0.1',
    };
    // Finished attempts wait up to 60 s for others to share their transaction: the kill lands
    // between the receiver's SUCCESS and the commit that would record it.
    const first = await spawnGateway({ ...env, PAYHOOK_RECORD_WINDOW: '60' }, 60_000);
    const [traceId] = await createPayments(first, fast.url, 1, 300);
    await payAll(first, [traceId as string]);
    // The gateway read the answer: the attempt waits for its transaction.
    await waitFor(async () => /^payhook_delivery_attempts_unrecorded 1$/m.test(await metricsText(first)), {
      what: 'the answered attempt to wait for its commit',
    });
    expect(fast.received).toHaveLength(1);
    await first.signal('SIGKILL');

    // The answer was SUCCESS, but nothing of it was committed: the delivery is still leased and unattempted.
    expect(await snapshot()).toEqual([
      { trace_id: traceId, state: 'pending', attempts: 0, locked_until: expect.any(Number) },
    ]);
    expect(await suite.database.rows('select * from attempts')).toEqual([]);

    const second = await spawnGateway(env, 60_000);
    await waitFor(async () => (await stats(second)).delivered === 1, {
      timeoutMs: 30_000,
      intervalMs: 100,
      what: 'the callback to be sent again and recorded',
    });
    // At-least-once: the receiver saw the same event twice, each time as attempt 1.
    expect(fast.received).toHaveLength(2);
    const [sent, resent] = fast.received.map((c) => c.headers);
    expect(resent?.['x-payhook-event-id']).toBe(sent?.['x-payhook-event-id']);
    expect([sent?.['x-payhook-attempt'], resent?.['x-payhook-attempt']]).toEqual(['1', '1']);
    const attempts = await suite.database.rows<{ attempt_no: number; success: number | boolean }>(
      'select attempt_no, success from attempts',
    );
    expect(attempts.map((a) => Number(a.attempt_no))).toEqual([1]);
  });
});
