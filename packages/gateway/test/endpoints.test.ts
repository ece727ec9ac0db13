// Endpoints against real receivers and a real database: health counters and transitions, pause
// and resume keeping every delivery's remaining gap exactly (a hand-moved clock), auto-pause, the
// exhaustion forecast, per-host roll-ups, and a resume waking a dispatcher that sleeps.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { givesUpAt } from '@payhook/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { waitFor } from '../../../test-support/wait.js';
import type { ManualClock } from '../src/clock.js';
import { resumedDueAt } from '../src/domain/endpoint-pause.js';
import type { EndpointTransition } from '../src/endpoints/health.js';
import { call } from './helpers/api.js';
import { createTestDatabase } from './helpers/database.js';
import { closeTestServers, startClockedGateway, startTestGateway, type TestGateway } from './helpers/gateway.js';
import { type Receiver, startReceiver } from './helpers/receiver.js';

afterEach(closeTestServers);

const S = 1000;

/** A paid payment with a success callback to `url`: one delivery, due at once. */
async function paidPayment(gw: TestGateway, url: string): Promise<string> {
  const payment = await gw.createPayment({ callbackUrl: url });
  const paid = await gw.post('/v1/sandbox/transfers', { traceId: payment.traceId });
  expect(paid.status).toBe(200);
  return payment.traceId;
}

async function deliveryOf(gw: TestGateway, traceId: string) {
  const list = (await gw.get(`/admin/deliveries?traceId=${traceId}`)).body.data;
  expect(list).toHaveLength(1);
  return list[0];
}

async function health(gw: TestGateway, url: string) {
  await gw.gateway.endpointHealth.flush();
  const res = await gw.get(`/admin/endpoints/health?url=${encodeURIComponent(url)}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data;
}

function transitionsOf(gw: TestGateway): EndpointTransition[] {
  const seen: EndpointTransition[] = [];
  gw.gateway.endpointHealth.onTransition((t) => seen.push(t));
  return seen;
}

describe('endpoint health', () => {
  let clock: ManualClock;
  let gw: TestGateway;
  let receiver: Receiver;

  it('counts consecutive failures, turns failing at the threshold and recovers at the next success', async () => {
    ({ clock, gw, receiver } = await startClockedGateway('0,10,10,10,10', { PAYHOOK_ENDPOINT_FAILING_AFTER: '3' }));
    const seen = transitionsOf(gw);
    receiver.script(['status500', 'status500', 'status500'], 'success');
    const traceId = await paidPayment(gw, receiver.url);
    const { dispatcher } = gw.gateway;

    expect(await dispatcher.runDue()).toBe(1);
    clock.advance(10 * S);
    expect(await dispatcher.runDue()).toBe(1);
    expect(await health(gw, receiver.url)).toMatchObject({ consecutiveFailures: 2, health: 'healthy' });
    expect(seen).toEqual([]);

    clock.advance(10 * S);
    const failedAt = clock.now();
    expect(await dispatcher.runDue()).toBe(1);
    const failing = await health(gw, receiver.url);
    expect(failing).toMatchObject({
      url: receiver.url,
      host: new URL(receiver.url).host,
      health: 'failing',
      consecutiveFailures: 3,
      lastFailureAt: failedAt,
      lastSuccessAt: null,
      lastError: { errorClass: 'bad_status', statusCode: 500 },
      recent: { attempts: 3, succeeded: 0, successRate: 0 },
      pending: 1,
      retrying: 1,
      paused: null,
    });
    expect(seen).toEqual([
      expect.objectContaining({ type: 'endpoint.failing', url: receiver.url, consecutiveFailures: 3, at: failedAt }),
    ]);

    clock.advance(10 * S);
    expect(await dispatcher.runDue()).toBe(1);
    expect((await deliveryOf(gw, traceId)).state).toBe('delivered');
    expect(await health(gw, receiver.url)).toMatchObject({
      health: 'healthy',
      consecutiveFailures: 0,
      lastSuccessAt: clock.now(),
      recent: { attempts: 4, succeeded: 1, successRate: 0.25 },
      pending: 0,
      forecast: null,
    });
    expect(seen.map((t) => t.type)).toEqual(['endpoint.failing', 'endpoint.recovered']);
    expect(seen[1]).toMatchObject({ lastError: { statusCode: 500 }, consecutiveFailures: 0 });
  });

  it('pauses itself after PAYHOOK_ENDPOINT_AUTO_PAUSE_AFTER failures; nothing is sent until resumed', async () => {
    ({ clock, gw, receiver } = await startClockedGateway('0,10,10,10,10,10', {
      PAYHOOK_ENDPOINT_FAILING_AFTER: '1',
      PAYHOOK_ENDPOINT_AUTO_PAUSE_AFTER: '2',
    }));
    const seen = transitionsOf(gw);
    receiver.script([], 'status500');
    const traceId = await paidPayment(gw, receiver.url);
    const { dispatcher } = gw.gateway;
    expect(await dispatcher.runDue()).toBe(1);
    clock.advance(10 * S);
    const pausedAt = clock.now();
    expect(await dispatcher.runDue()).toBe(1);
    const status = await health(gw, receiver.url);
    expect(status.paused).toEqual({
      since: pausedAt,
      by: 'auto',
      reason: '2 consecutive failed attempts',
      automatic: true,
    });
    expect(status.forecast).toBeNull();
    expect(seen.map((t) => t.type)).toEqual(['endpoint.failing', 'endpoint.paused']);

    clock.advance(3600 * S);
    expect(await dispatcher.runDue()).toBe(0);
    expect(receiver.received).toHaveLength(2);
    expect((await deliveryOf(gw, traceId)).attempts).toBe(2);

    receiver.script([], 'success');
    const resumed = await gw.post('/admin/endpoints/resume', { url: receiver.url });
    expect(resumed.body.data).toMatchObject({ changed: true, rescheduled: 1, endpoint: { paused: null } });
    // 10 s were left of its wait when it paused; they are still left.
    expect(await dispatcher.runDue()).toBe(0);
    clock.advance(10 * S);
    expect(await dispatcher.runDue()).toBe(1);
    expect(await deliveryOf(gw, traceId)).toMatchObject({ state: 'delivered', attempts: 3 });
  });
});

describe('endpoint health on a running gateway', () => {
  it('is written by itself shortly after the attempts, and by stop() for the last ones', async () => {
    const receiver = await startReceiver();
    receiver.script([], 'status500');
    // A database of the test's own, so that it outlives the gateway's stop().
    const dir = mkdtempSync(join(tmpdir(), 'payhook-endpoints-'));
    const database = await createTestDatabase(dir);
    const gw = await startTestGateway({ PAYHOOK_RETRY_SCHEDULE: '0,3600' }, {}, { database, dir });
    const traceId = await paidPayment(gw, receiver.url);
    await waitFor(async () => (await deliveryOf(gw, traceId)).attempts === 1, { what: 'the first attempt' });
    // No flush: the batch's window passes and the row is written.
    const status = await waitFor(
      async () => {
        const res = await gw.get(`/admin/endpoints/health?url=${encodeURIComponent(receiver.url)}`);
        return res.status === 200 && res.body.data.consecutiveFailures === 1 ? res.body.data : undefined;
      },
      { what: 'the health row' },
    );
    expect(status).toMatchObject({ lastError: { errorClass: 'bad_status', statusCode: 500 }, retrying: 1 });

    // A second payment's attempt, then at once a stop: stop() writes its health before closing.
    const second = await paidPayment(gw, receiver.url);
    await waitFor(async () => (await deliveryOf(gw, second)).attempts === 1, { what: 'the second attempt' });
    await gw.close();
    const rows = await database.rows<{ consecutive_failures: number }>(
      `select consecutive_failures from endpoints where url = '${receiver.url}'`,
    );
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
    expect(rows.map((r) => Number(r.consecutive_failures))).toEqual([2]);
  });
});

describe('pause and resume', () => {
  it('sends nothing while paused, then continues each delivery with exactly the gap it had left', async () => {
    const { clock, gw, receiver } = await startClockedGateway('0,100,200,300');
    const { dispatcher } = gw.gateway;
    receiver.script([], 'status500');
    const t0 = clock.now();
    // A and B fail their first attempt at t0: their second is due at t0 + 100 s.
    const a = await paidPayment(gw, receiver.url);
    const b = await paidPayment(gw, receiver.url);
    expect(await dispatcher.runDue()).toBe(2);
    // D is created at t0 + 30 s and not attempted before the pause: it was due already.
    clock.set(t0 + 30 * S);
    const d = await paidPayment(gw, receiver.url);

    clock.set(t0 + 40 * S);
    const pausedAt = clock.now();
    const paused = await gw.post('/admin/endpoints/pause', {
      url: receiver.url,
      reason: 'shop migrating',
      actor: 'ops',
    });
    expect(paused.status, JSON.stringify(paused.body)).toBe(200);
    expect(paused.body.data).toMatchObject({
      changed: true,
      endpoint: { paused: { since: pausedAt, by: 'local:ops', reason: 'shop migrating', automatic: false } },
    });
    // Pausing again keeps the first pause's time, author and reason.
    clock.set(t0 + 45 * S);
    const again = await gw.post('/admin/endpoints/pause', { url: receiver.url, reason: 'other' });
    expect(again.body.data).toMatchObject({
      changed: false,
      endpoint: { paused: { since: pausedAt, reason: 'shop migrating' } },
    });

    // A new event while paused waits too.
    clock.set(t0 + 50 * S);
    const c = await paidPayment(gw, receiver.url);
    clock.set(t0 + 5000 * S);
    expect(await dispatcher.runDue()).toBe(0);
    expect(receiver.received).toHaveLength(2);
    // The dispatcher does not wake for a paused delivery's due time either.
    expect(await gw.gateway.store.queue.nextDueAt(pausedAt + 1)).toBeNull();
    const status = await health(gw, receiver.url);
    expect(status).toMatchObject({ pending: 4, retrying: 2, forecast: null });

    const before = new Map<string, any>();
    for (const id of [a, b, c, d]) before.set(id, await deliveryOf(gw, id));
    const waitBegan = async (delivery: any) => {
      if (delivery.attempts === 0) return delivery.createdAt as number;
      const { attempts } = (await gw.get(`/admin/deliveries/${delivery.id}`)).body.data;
      return attempts.at(-1).endedAt as number;
    };

    clock.set(t0 + 9000 * S);
    const R = clock.now();
    receiver.script([], 'success');
    const resumed = await gw.post('/admin/endpoints/resume', { url: receiver.url });
    expect(resumed.body.data).toMatchObject({ changed: true, rescheduled: 4, endpoint: { paused: null } });

    const after = new Map<string, any>();
    for (const id of [a, b, c, d]) after.set(id, await deliveryOf(gw, id));
    // The remaining gaps: A and B had 60 s of their 100 s left; C's wait began in the pause and
    // its first attempt was due at once; D was due before the pause.
    expect(after.get(a).nextAttemptAt).toBe(R + 60 * S);
    expect(after.get(b).nextAttemptAt).toBe(R + 60 * S);
    expect(after.get(c).nextAttemptAt).toBe(R);
    expect(after.get(d).nextAttemptAt).toBe(R);
    for (const id of [a, b, c, d]) {
      const old = before.get(id);
      // The SQL and the pure arithmetic agree, and the attempt count is untouched.
      const expected = resumedDueAt({ nextAttemptAt: old.nextAttemptAt, waitBegan: await waitBegan(old) }, pausedAt, R);
      expect(after.get(id).nextAttemptAt).toBe(expected);
      expect(after.get(id).attempts).toBe(old.attempts);
    }

    // Resuming again moves nothing.
    const twice = await gw.post('/admin/endpoints/resume', { url: receiver.url });
    expect(twice.body.data).toMatchObject({ changed: false, rescheduled: 0 });

    expect(await dispatcher.runDue()).toBe(2); // C and D
    clock.advance(60 * S - 1);
    expect(await dispatcher.runDue()).toBe(0);
    clock.advance(1);
    expect(await dispatcher.runDue()).toBe(2); // A and B, attempt 2
    for (const id of [a, b, c, d]) expect((await deliveryOf(gw, id)).state).toBe('delivered');
    expect((await deliveryOf(gw, a)).attempts).toBe(2);
    expect(receiver.received).toHaveLength(6);
  });

  it('an attempt in flight when the pause begins finishes and counts; its next wait starts after the resume', async () => {
    const { clock, gw, receiver } = await startClockedGateway('0,100,200', { PAYHOOK_ATTEMPT_TIMEOUT: '30' });
    const { dispatcher } = gw.gateway;
    // The receiver holds the attempt until the test closes it: the attempt fails then.
    receiver.script(['hang'], 'success');
    const t0 = clock.now();
    const traceId = await paidPayment(gw, receiver.url);
    const running = dispatcher.runDue();
    await waitFor(() => receiver.received.length === 1, { what: 'the first attempt to arrive' });
    clock.set(t0 + 5 * S);
    const pausedAt = clock.now();
    expect((await gw.post('/admin/endpoints/pause', { url: receiver.url })).status).toBe(200);
    clock.set(t0 + 7 * S);
    await receiver.close();
    expect(await running).toBe(1);
    const failed = await deliveryOf(gw, traceId);
    expect(failed).toMatchObject({ attempts: 1, nextAttemptAt: t0 + 107 * S });
    expect(await health(gw, receiver.url)).toMatchObject({
      consecutiveFailures: 1,
      paused: { since: pausedAt },
    });

    clock.set(t0 + 1000 * S);
    expect(await dispatcher.runDue()).toBe(0);
    await gw.post('/admin/endpoints/resume', { url: receiver.url });
    // Its wait began at t0 + 7 s, in the pause: all of its 100 s are still to come.
    expect((await deliveryOf(gw, traceId)).nextAttemptAt).toBe(t0 + 1100 * S);
  });

  it('parks a paused URL’s backlog, then what becomes pending during the pause at the dispatcher’s reclaim tick; the payment page says paused', async () => {
    const { clock, gw, receiver } = await startClockedGateway('0,100,200');
    const { dispatcher } = gw.gateway;
    receiver.script(['status500'], 'success');
    const t0 = clock.now();
    const failed = await paidPayment(gw, receiver.url);
    expect(await dispatcher.runDue()).toBe(1); // attempt 2 due at t0 + 100 s
    const waiting = await paidPayment(gw, receiver.url);
    const held = async (traceId: string) => {
      const { id, nextAttemptAt } = await deliveryOf(gw, traceId);
      const [row] = await gw.database.rows<{ next: number | null; parked: number | null }>(
        `select next_attempt_at as next, parked_next_attempt_at as parked from deliveries where id = '${id}'`,
      );
      return { shown: nextAttemptAt, next: row?.next ?? null, parked: row?.parked ?? null };
    };

    clock.set(t0 + 10 * S);
    const pausedAt = clock.now();
    await gw.post('/admin/endpoints/pause', { url: receiver.url });
    // Out of the claim's due indexes, still shown (and counted) at the held due time.
    expect(await held(failed)).toEqual({ shown: t0 + 100 * S, next: null, parked: t0 + 100 * S });
    expect(await held(waiting)).toEqual({ shown: t0, next: null, parked: t0 });
    expect(await health(gw, receiver.url)).toMatchObject({ pending: 2, retrying: 1 });

    // A new event during the pause is not parked until the dispatcher's reclaim step runs…
    clock.set(t0 + 20 * S);
    const fresh = await paidPayment(gw, receiver.url);
    expect(await held(fresh)).toEqual({ shown: t0 + 20 * S, next: t0 + 20 * S, parked: null });
    await dispatcher.start(); // its first reclaim
    expect(await held(fresh)).toEqual({ shown: t0 + 20 * S, next: null, parked: t0 + 20 * S });
    // …and then at every tick (5 s).
    clock.set(t0 + 30 * S);
    const later = await paidPayment(gw, receiver.url);
    clock.advance(5 * S);
    dispatcher.notify();
    await waitFor(async () => (await held(later)).next === null, { what: 'the reclaim tick to park the new delivery' });
    expect(await held(later)).toEqual({ shown: t0 + 30 * S, next: null, parked: t0 + 30 * S });
    expect(receiver.received).toHaveLength(1);

    // The payment page says paused instead of a give-up time.
    const page = await call(gw, 'GET', `/dashboard/payments/${failed}`);
    expect(page.status).toBe(200);
    const text = page.raw;
    expect(text).toMatch(/attempt 2 of 3 · paused since <time[^>]*>[^<]+<\/time> \(endpoint paused\)/);
    expect(text).toContain(`datetime="${new Date(pausedAt).toISOString()}"`);
    expect(text).not.toContain('gives up at');

    // The resume restores every gap from the held times (the loop stopped first: the resume
    // would wake it, and what it delivered would have no due time left to read); then they go.
    await dispatcher.stop();
    clock.set(t0 + 1000 * S);
    const R = clock.now();
    expect((await gw.post('/admin/endpoints/resume', { url: receiver.url })).body.data).toMatchObject({
      rescheduled: 4,
    });
    expect(await held(failed)).toEqual({ shown: R + 90 * S, next: R + 90 * S, parked: null });
    expect(await held(waiting)).toEqual({ shown: R, next: R, parked: null });
    expect(await held(fresh)).toEqual({ shown: R, next: R, parked: null });
    expect(await dispatcher.runDue()).toBe(3);
    expect(receiver.received).toHaveLength(4);
  });

  it('refuses a URL that is not http(s), and answers 404 for a resume of a URL never seen', async () => {
    const { gw } = await startClockedGateway('0,1');
    const bad = await gw.post('/admin/endpoints/pause', { url: 'ftp://shop.example/x' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/url/);
    const unknown = await gw.post('/admin/endpoints/resume', { url: 'https://never.example/cb' });
    expect(unknown.status).toBe(404);
    expect((await gw.get('/admin/endpoints/health?url=https%3A%2F%2Fnever.example%2Fcb')).status).toBe(404);
  });

  it('a resume wakes a dispatcher that sleeps for its whole poll interval', async () => {
    const receiver = await startReceiver();
    // An hour between looks: only a wake-up can make this attempt happen within the test.
    const gw = await startTestGateway({ PAYHOOK_POLL_INTERVAL: '3600' });
    await gw.post('/admin/endpoints/pause', { url: receiver.url });
    const looks = vi.spyOn(gw.gateway.store.queue, 'nextDueAt');
    const traceId = await paidPayment(gw, receiver.url);
    // The new delivery woke the dispatcher, whose claim passed over it: it goes back to sleep.
    await waitFor(() => looks.mock.calls.length > 0, { what: 'the dispatcher to look and sleep again' });
    expect(receiver.received).toHaveLength(0);
    expect((await deliveryOf(gw, traceId)).attempts).toBe(0);
    await gw.post('/admin/endpoints/resume', { url: receiver.url });
    await waitFor(async () => (await deliveryOf(gw, traceId)).state === 'delivered', {
      what: 'the delivery after the resume',
    });
    expect(receiver.received).toHaveLength(1);
  });
});

describe('the exhaustion forecast and hosts', () => {
  it('forecasts from each retrying delivery’s attempts and due time, per URL and per host; none while paused', async () => {
    // Attempt timeout 1 s (the test gateway's PAYHOOK_ATTEMPT_TIMEOUT).
    const { clock, gw, receiver } = await startClockedGateway('0,100,200,300');
    const schedule = [0, 100, 200, 300].map((s) => s * S);
    const { dispatcher } = gw.gateway;
    receiver.script([], 'status500');
    const other = `${receiver.url}?shop=2`;
    const t0 = clock.now();
    // On the first URL: X fails once at t0, Y fails once at t0 + 10 s, then twice (at t0 + 110 s).
    const x = await paidPayment(gw, receiver.url);
    expect(await dispatcher.runDue()).toBe(1);
    clock.set(t0 + 10 * S);
    const y = await paidPayment(gw, receiver.url);
    expect(await dispatcher.runDue()).toBe(1);
    clock.set(t0 + 100 * S);
    expect(await dispatcher.runDue()).toBe(1); // X, attempt 2
    clock.set(t0 + 105 * S);
    // On the second URL of the same host: Z fails once at t0 + 105 s.
    const z = await paidPayment(gw, other);
    expect(await dispatcher.runDue()).toBe(1);
    clock.set(t0 + 106 * S);
    await gw.gateway.endpointHealth.flush();

    const due = async (id: string) => (await deliveryOf(gw, id)).nextAttemptAt as number;
    expect(await due(x)).toBe(t0 + 300 * S);
    expect(await due(y)).toBe(t0 + 110 * S);
    expect(await due(z)).toBe(t0 + 205 * S);

    const list = (await gw.get('/admin/endpoints')).body.data;
    const first = list.endpoints.find((e: any) => e.url === receiver.url);
    const second = list.endpoints.find((e: any) => e.url === other);
    // Failing at once, X gives up first (its 3rd attempt due at 300 s, then 300 s); taking the whole
    // 1 s timeout each time, Y gives up last (2nd attempt at 110 s, then 200 s and 300 s, 3 attempts).
    expect(first.forecast).toEqual({
      deliveries: 2,
      earliest: givesUpAt(schedule, 2, t0 + 300 * S, 0),
      latest: givesUpAt(schedule, 1, t0 + 110 * S, 1 * S),
    });
    expect(first.forecast.earliest).toBe(t0 + 600 * S);
    expect(first.forecast.latest).toBe(t0 + 613 * S);
    expect(second.forecast).toEqual({
      deliveries: 1,
      earliest: t0 + 705 * S,
      latest: t0 + 708 * S,
    });
    expect(first).toMatchObject({ pending: 2, retrying: 2, consecutiveFailures: 3, recent: { attempts: 3 } });

    const host = list.hosts.find((h: any) => h.host === new URL(receiver.url).host);
    expect(host).toMatchObject({
      urls: 2,
      pausedUrls: 0,
      health: 'healthy',
      pending: 3,
      retrying: 3,
      consecutiveFailures: 3,
      recent: { attempts: 4, succeeded: 0, successRate: 0 },
      forecast: { deliveries: 3, earliest: t0 + 600 * S, latest: t0 + 708 * S },
    });
    expect((await gw.get(`/admin/endpoints?host=${encodeURIComponent(host.host)}`)).body.data.endpoints).toHaveLength(
      2,
    );

    // Paused, the second URL forecasts nothing and the host counts only the first.
    await gw.post('/admin/endpoints/pause', { url: other });
    const paused = (await gw.get('/admin/endpoints')).body.data;
    expect(paused.endpoints.find((e: any) => e.url === other).forecast).toBeNull();
    expect(paused.hosts[0]).toMatchObject({ pausedUrls: 1, forecast: { deliveries: 2, latest: t0 + 613 * S } });
  });
});

describe('the success rate’s per-minute counters', () => {
  it('hold what the attempts table holds, per URL and minute, and the hour’s read sums them', async () => {
    const { clock, gw, receiver } = await startClockedGateway('0,40,40,40,40,40');
    const { dispatcher } = gw.gateway;
    const other = `${receiver.url}?shop=2`;
    receiver.script(['status500', 'success', 'status500', 'status500', 'success', 'reset'], 'status500');
    const t0 = clock.now(); // a minute's start
    for (const url of [receiver.url, receiver.url, other]) await paidPayment(gw, url);
    // Rounds at t0, t0 + 40 s, … t0 + 240 s: five minutes, some with two rounds.
    let sent = 0;
    for (let round = 0; round < 6; round++) {
      sent += await dispatcher.runDue();
      clock.advance(40 * S);
    }
    await paidPayment(gw, other);
    sent += await dispatcher.runDue();
    await gw.gateway.endpointHealth.flush();

    const fromAttempts = await gw.database.rows<{ url: string; minute: number; n: number; ok: number }>(
      `select d.url, (a.ended_at / 60000) * 60000 as minute, count(*) as n, sum(a.success) as ok
       from attempts a join deliveries d on d.id = a.delivery_id
       group by d.url, (a.ended_at / 60000) * 60000 order by minute, d.url`,
    );
    const fromCounters = await gw.database.rows<{ url: string; minute: number; n: number; ok: number }>(
      'select url, minute, attempts as n, succeeded as ok from endpoint_minutes order by minute, url',
    );
    const shape = (rows: { url: string; minute: number; n: number; ok: number }[]) =>
      rows.map((r) => [r.url, Number(r.minute), Number(r.n), Number(r.ok)]);
    expect(shape(fromCounters)).toEqual(shape(fromAttempts));
    expect([...new Set(fromCounters.map((r) => Number(r.minute)))]).toEqual(
      [0, 1, 2, 3, 4].map((i) => t0 + i * 60 * S),
    );
    expect(sent).toBeGreaterThan(8);
    expect(fromCounters.reduce((n, r) => n + Number(r.n), 0)).toBe(sent);

    // What the read said before the counters: attempts started in the last hour (here all of them).
    const joined = await gw.database.rows<{ url: string; n: number; ok: number }>(
      `select d.url, count(*) as n, sum(a.success) as ok from attempts a join deliveries d on d.id = a.delivery_id
       where a.started_at >= ${clock.now() - 3_600_000} group by d.url`,
    );
    const list = (await gw.get('/admin/endpoints')).body.data;
    for (const r of joined) {
      const e = list.endpoints.find((x: any) => x.url === r.url);
      expect(e.recent).toEqual({
        attempts: Number(r.n),
        succeeded: Number(r.ok),
        successRate: Number(r.ok) / Number(r.n),
      });
    }
    expect(joined).toHaveLength(2);
  });
});
