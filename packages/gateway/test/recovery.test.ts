// Filtered recovery end to end, on both backends: a real gateway on a hand-moved clock, real
// receivers, and the admin API's recoveries (dry run, redeliver, redeliver to a new URL, retry
// now) and single-delivery retry-now. The runner and the dispatcher run when the test says.
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test-support/wait.js';
import { ManualClock } from '../src/clock.js';
import { seedPaidPayments } from '../src/seed.js';
import { call, expectError, expectOk } from './helpers/api.js';
import { BACKEND } from './helpers/database.js';
import { closeTestServers, startClockedGateway, startTestGateway, type TestGateway } from './helpers/gateway.js';
import { type Receiver, refusedUrl, startReceiver } from './helpers/receiver.js';

afterEach(closeTestServers);

const START = Date.UTC(2026, 10, 24, 12);

interface Setup {
  clock: ManualClock;
  gw: TestGateway;
  receiver: Receiver;
}

/** A gateway on a hand-moved clock, two attempts 60 s apart; `env` on top (a small batch size). */
async function setup(env: Record<string, string> = {}): Promise<Setup> {
  const clock = new ManualClock(START);
  const receiver = await startReceiver();
  const gw = await startTestGateway({ PAYHOOK_RETRY_SCHEDULE: '0,60', ...env }, { clock }, { listen: false });
  return { clock, receiver, gw };
}

async function paid(gw: TestGateway, callbackUrl: string, payeeId = 'payee-1'): Promise<string> {
  const p = await gw.createPayment({ callbackUrl, payeeId });
  expectOk(await call(gw, 'POST', '/v1/sandbox/transfers', { json: { traceId: p.traceId } }));
  return p.traceId;
}

async function deliveryOf(gw: TestGateway, traceId: string) {
  const list = expectOk(await call(gw, 'GET', `/admin/deliveries?traceId=${traceId}`));
  return list as any[];
}

/** Every delivery, as the admin API lists them: what a refused or dry request must leave as it was. */
async function allDeliveries(gw: TestGateway) {
  return expectOk(await call(gw, 'GET', '/admin/deliveries?limit=500'));
}

const recover = (gw: TestGateway, body: Record<string, unknown>) =>
  call(gw, 'POST', '/admin/recoveries', { json: body });

/** Exhausts the success delivery of each payment: both attempts answered by the (failing) receiver. */
async function exhaust(s: Setup) {
  await s.gw.gateway.dispatcher.runDue();
  s.clock.advance(60_000);
  await s.gw.gateway.dispatcher.runDue();
}

describe('dry run', () => {
  it('counts exactly what each selection holds and changes nothing', async () => {
    const s = await setup();
    const other = await startReceiver();
    const refused = await refusedUrl();
    s.receiver.script([], 'status500');
    other.script([], 'success');
    const failingA = [await paid(s.gw, s.receiver.url), await paid(s.gw, s.receiver.url, 'payee-2')];
    s.clock.advance(1_000);
    const middle = s.clock.now();
    const failingB = await paid(s.gw, refused);
    const ok = await paid(s.gw, other.url);
    await exhaust(s);
    s.clock.advance(1_000);
    other.script([], 'status500');
    const retrying = await paid(s.gw, other.url);
    await s.gw.gateway.dispatcher.runDue();
    // A selection takes the deliveries created before it was made: not at its very instant.
    s.clock.advance(1);

    const before = await allDeliveries(s.gw);
    const count = async (selection: Record<string, unknown>, action = 'redeliver') => {
      const data = expectOk(await recover(s.gw, { selection, action, dryRun: true }));
      return data.matched as number;
    };
    expect(await count({})).toBe(4); // redeliver: delivered or exhausted, 3 exhausted + 1 delivered
    expect(await count({ state: 'exhausted' })).toBe(3);
    expect(await count({ state: 'exhausted', url: s.receiver.url })).toBe(2);
    expect(await count({ state: 'exhausted', payeeId: 'payee-2' })).toBe(1);
    expect(await count({ errorClass: 'connect_refused' })).toBe(1);
    expect(await count({ errorClass: 'bad_status' })).toBe(2);
    expect(await count({ state: 'delivered' })).toBe(1);
    expect(await count({ eventType: 'fail' })).toBe(0);
    expect(await count({ createdFrom: middle })).toBe(2);
    expect(await count({ createdTo: new Date(middle - 1).toISOString() })).toBe(2);
    expect(await count({ state: 'retrying' }, 'retry_now')).toBe(1);
    expect(await count({}, 'retry_now')).toBe(1);
    expect(await count({ state: 'exhausted', notRedelivered: true })).toBe(3);

    const preview = expectOk(
      await recover(s.gw, { selection: { state: 'exhausted' }, action: 'redeliver', dryRun: true }),
    );
    // In (createdAt, id) order: the two of the first instant (in id order), then the later one.
    expect(
      preview.sample
        .slice(0, 2)
        .map((d: any) => d.traceId)
        .sort(),
    ).toEqual([...failingA].sort());
    expect(preview.sample[2].traceId).toBe(failingB);
    expect(preview.sample.every((d: any) => d.state === 'exhausted')).toBe(true);

    expect(await allDeliveries(s.gw)).toEqual(before);
    expect(expectOk(await call(s.gw, 'GET', '/admin/recoveries')).recoveries).toEqual([]);
    expect((await deliveryOf(s.gw, ok))[0].state).toBe('delivered');
    expect((await deliveryOf(s.gw, retrying))[0]).toMatchObject({ state: 'pending', attempts: 1 });
  });

  it('refuses a bad selection with the envelope, naming the field, and records nothing', async () => {
    const s = await setup();
    s.receiver.script([], 'status500');
    await paid(s.gw, s.receiver.url);
    await exhaust(s);
    const before = await allDeliveries(s.gw);
    const refused = async (body: Record<string, unknown>, message: RegExp) =>
      expectError(await recover(s.gw, body), 400, 10011, message);
    await refused({ selection: { state: 'lost' }, action: 'redeliver' }, /selection\.state/);
    await refused({ selection: { errorClass: 'oops' }, action: 'redeliver' }, /selection\.errorClass/);
    await refused({ selection: { createdFrom: 'yesterday' }, action: 'redeliver' }, /selection\.createdFrom/);
    await refused({ selection: { colour: 'red' }, action: 'redeliver' }, /colour/);
    await refused({ selection: {}, action: 'delete' }, /action/);
    await refused({ action: 'redeliver' }, /selection/);
    await refused(
      { selection: { state: 'pending' }, action: 'redeliver' },
      /selection\.state: pending .*still on their schedule/,
    );
    await refused(
      { selection: { state: 'exhausted' }, action: 'retry_now' },
      /selection\.state: retry_now takes pending/,
    );
    await refused(
      { selection: { createdFrom: START + 10, createdTo: START }, action: 'redeliver' },
      /selection\.createdFrom: must not be after/,
    );
    await refused({ selection: {}, action: 'retry_now', newUrl: s.receiver.url }, /newUrl: only a redeliver/);
    await refused(
      { selection: {}, action: 'redeliver', newUrl: 'not a url', dryRun: true },
      /newUrl: must be an absolute URL/,
    );
    expect(await allDeliveries(s.gw)).toEqual(before);
    expect(expectOk(await call(s.gw, 'GET', '/admin/recoveries')).recoveries).toEqual([]);
  });
});

describe('redeliver', () => {
  it('redelivers a selection larger than one batch, each once, and every callback reaches the receiver', async () => {
    const s = await setup({ PAYHOOK_RECOVERY_BATCH: '2' });
    s.receiver.script([], 'status500');
    const traces = [];
    for (let i = 0; i < 5; i++) traces.push(await paid(s.gw, s.receiver.url));
    await exhaust(s);
    expect(s.receiver.received).toHaveLength(10);

    s.receiver.script([], 'success');
    const requested = expectOk(
      await recover(s.gw, { selection: { state: 'exhausted' }, action: 'redeliver', actor: 'ops-anna' }),
    );
    expect(requested).toMatchObject({
      action: 'redeliver',
      state: 'running',
      matched: 5,
      processed: 0,
      newUrl: null,
      requestedBy: { auth: 'none', actor: 'ops-anna' },
      requestedAt: s.clock.now(),
    });
    expect(await s.gw.gateway.recoveryRunner.runDue()).toBe(1);
    const done = expectOk(await call(s.gw, 'GET', `/admin/recoveries/${requested.id}`));
    expect(done).toMatchObject({ state: 'done', matched: 5, processed: 5, skipped: 0, finishedAt: s.clock.now() });
    expect(done.cursor).toMatch(/^\d+:/);

    await s.gw.gateway.dispatcher.runDue();
    expect(s.receiver.received).toHaveLength(15);
    const resent = s.receiver.received.slice(10);
    const firstRound = s.receiver.received.slice(0, 10);
    // The same events (the idempotency key), each once, as new deliveries that redeliver the old.
    expect(new Set(resent.map((c) => c.headers['x-payhook-event-id']))).toEqual(
      new Set(firstRound.map((c) => c.headers['x-payhook-event-id'])),
    );
    for (const traceId of traces) {
      const ds = await deliveryOf(s.gw, traceId);
      expect(ds).toHaveLength(2);
      const [redo, old] = [ds.find((d) => d.redeliveryOf !== null), ds.find((d) => d.redeliveryOf === null)];
      expect(redo).toMatchObject({ state: 'delivered', attempts: 1, redeliveryOf: old.id, url: s.receiver.url });
      expect(old).toMatchObject({ state: 'exhausted', attempts: 2 });
    }
    expect(expectOk(await call(s.gw, 'GET', '/admin/recoveries')).recoveries.map((r: any) => r.id)).toEqual([
      requested.id,
    ]);
  });

  it('has no 1,000 cap: redeliver-exhausted takes 1,100 deliveries in batches and lists the first 1,000', async () => {
    const s = await setup();
    const url = await refusedUrl();
    await seedPaidPayments(s.gw.database.url, {
      payments: 1_100,
      callbackUrl: url,
      now: s.clock.now() - 60_000,
      schedule: () => ({ attempts: 2, nextAttemptAt: null, state: 'exhausted' }),
    });
    const answer = expectOk(await call(s.gw, 'POST', '/admin/deliveries/redeliver-exhausted', { json: { url } }));
    expect(answer.count).toBe(1_100);
    expect(answer.deliveries).toHaveLength(1_000);
    const recovery = expectOk(await call(s.gw, 'GET', `/admin/recoveries/${answer.recoveryId}`));
    expect(recovery).toMatchObject({
      state: 'done',
      matched: 1_100,
      processed: 1_100,
      selection: { state: 'exhausted', url, notRedelivered: true },
    });
    const [row] = await s.gw.database.rows<{ n: number; originals: number }>(
      'select count(*) as n, count(distinct redelivery_of) as originals from deliveries where redelivery_of is not null',
    );
    expect(Number(row?.n)).toBe(1_100);
    expect(Number(row?.originals)).toBe(1_100);
    // Pressed again: every one is redelivered already.
    const again = expectOk(await call(s.gw, 'POST', '/admin/deliveries/redeliver-exhausted', { json: { url } }));
    expect(again).toMatchObject({ count: 0, deliveries: [] });
  });

  it('to a new URL: the new receiver gets the callbacks; a malformed or SSRF-blocked URL is refused', async () => {
    const s = await setup({ PAYHOOK_RECOVERY_BATCH: '1' });
    const moved = await startReceiver();
    s.receiver.script([], 'status500');
    await paid(s.gw, s.receiver.url);
    await paid(s.gw, s.receiver.url);
    await exhaust(s);
    const before = await allDeliveries(s.gw);
    const refused = async (newUrl: string, message: RegExp) =>
      expectError(
        await recover(s.gw, { selection: { state: 'exhausted' }, action: 'redeliver', newUrl }),
        400,
        10011,
        message,
      );
    await refused('shop.example/callback', /newUrl: must be an absolute URL/);
    await refused('http://user:pw@127.0.0.1/cb', /newUrl: must not carry credentials/);
    await refused('http://shop.example/cb', /newUrl: only HTTPS \(or HTTP to loopback in sandbox mode\)/);
    expect(await allDeliveries(s.gw)).toEqual(before);

    const requested = expectOk(
      await recover(s.gw, { selection: { url: s.receiver.url }, action: 'redeliver', newUrl: moved.url }),
    );
    expect(requested).toMatchObject({ matched: 2, newUrl: moved.url });
    await s.gw.gateway.recoveryRunner.runDue();
    await s.gw.gateway.dispatcher.runDue();
    expect(moved.received).toHaveLength(2);
    expect(s.receiver.received).toHaveLength(4);
    expect(expectOk(await call(s.gw, 'GET', `/admin/recoveries/${requested.id}`))).toMatchObject({
      state: 'done',
      processed: 2,
    });
  });

  it('production: the SSRF policy refuses a new URL on an internal address, as for a callbackUrl', async () => {
    const token = 'recovery-admin-token';
    const gw = await startTestGateway(
      { PAYHOOK_MODE: 'production', PAYHOOK_ADMIN_TOKEN: token },
      {},
      { listen: false },
    );
    const refused = async (newUrl: string, message: RegExp) =>
      expectError(
        await call(gw, 'POST', '/admin/recoveries', {
          token,
          json: { selection: {}, action: 'redeliver', newUrl, dryRun: true },
        }),
        400,
        10011,
        message,
      );
    await refused('https://169.254.169.254/latest', /newUrl: 169\.254\.169\.254 is not a public address/);
    await refused('https://10.1.2.3/cb', /newUrl: 10\.1\.2\.3 is not a public address/);
    await refused('https://[::ffff:127.0.0.1]/cb', /newUrl: .* is not a public address/);
    await refused('https://localhost/cb', /newUrl: localhost is not a public host name/);
    await refused('http://shop.example/cb', /newUrl: only HTTPS is supported/);
    const ok = expectOk(
      await call(gw, 'POST', '/admin/recoveries', {
        token,
        json: { selection: {}, action: 'redeliver', newUrl: 'https://shop.example/cb', actor: 'ci' },
      }),
    );
    expect(ok).toMatchObject({
      newUrl: 'https://shop.example/cb',
      matched: 0,
      requestedBy: { auth: 'bearer', actor: 'ci' },
    });
  });

  it('takes a snapshot: deliveries created after the request are never taken', async () => {
    const s = await setup();
    s.receiver.script([], 'status500');
    await paid(s.gw, s.receiver.url);
    await exhaust(s);
    const requested = expectOk(await recover(s.gw, { selection: { state: 'exhausted' }, action: 'redeliver' }));
    expect(requested.matched).toBe(1);
    // Another delivery exhausts after the request, before the recovery runs.
    s.clock.advance(1);
    const later = await paid(s.gw, s.receiver.url);
    await exhaust(s);
    expect((await deliveryOf(s.gw, later))[0].state).toBe('exhausted');

    await s.gw.gateway.recoveryRunner.runDue();
    expect(expectOk(await call(s.gw, 'GET', `/admin/recoveries/${requested.id}`))).toMatchObject({
      state: 'done',
      processed: 1,
    });
    expect(await deliveryOf(s.gw, later)).toHaveLength(1);
  });
});

describe('retry now', () => {
  it('makes a retrying delivery attempt at once, its count kept and its later gaps unchanged', async () => {
    const { clock, receiver, gw } = await startClockedGateway('0,60,30');
    receiver.script(['status500', 'status500'], 'success');
    const traceId = await paid(gw, receiver.url);
    await gw.gateway.dispatcher.runDue();
    const [retrying] = await deliveryOf(gw, traceId);
    expect(retrying).toMatchObject({ state: 'pending', attempts: 1, nextAttemptAt: clock.now() + 60_000 });

    clock.advance(5_000);
    const due = expectOk(await call(gw, 'POST', `/admin/deliveries/${retrying.id}/retry-now`, { json: {} }));
    expect(due).toMatchObject({ id: retrying.id, state: 'pending', attempts: 1, nextAttemptAt: clock.now() });
    await gw.gateway.dispatcher.runDue();
    expect(receiver.received.map((c) => c.headers['x-payhook-attempt'])).toEqual(['1', '2']);
    const [after] = await deliveryOf(gw, traceId);
    // Attempt 2 of 3 failed now: attempt 3 is due its own 30 s after it, as the schedule says.
    expect(after).toMatchObject({ state: 'pending', attempts: 2, nextAttemptAt: clock.now() + 30_000 });

    // Not pending any more: refused with the envelope, nothing changed.
    clock.advance(30_000);
    await gw.gateway.dispatcher.runDue();
    const [delivered] = await deliveryOf(gw, traceId);
    expect(delivered.state).toBe('delivered');
    expectError(
      await call(gw, 'POST', `/admin/deliveries/${delivered.id}/retry-now`, { json: {} }),
      409,
      10011,
      /is delivered, not pending; retry-now takes a pending or retrying delivery/,
    );
    expect((await deliveryOf(gw, traceId))[0]).toEqual(delivered);
    expectError(
      await call(gw, 'POST', `/admin/deliveries/${randomUUID()}/retry-now`, { json: {} }),
      404,
      404,
      /does not exist/,
    );
  });

  it('leaves a delivery in flight alone: refused one by one, skipped in a selection', async () => {
    const { clock, receiver, gw } = await startClockedGateway('0,60');
    receiver.script([], 'status500');
    const a = await paid(gw, receiver.url);
    const b = await paid(gw, receiver.url);
    await gw.gateway.dispatcher.runDue();
    clock.advance(60_000);
    // A claims b's retry and is still sending it.
    const claimed = await gw.gateway.store.queue.claim({ now: clock.now(), limit: 1, leaseMs: 30_000, token: 'x' });
    expect(claimed).toHaveLength(1);
    const inFlight = claimed[0]?.id as string;
    const idle = [...(await deliveryOf(gw, a)), ...(await deliveryOf(gw, b))].find((d) => d.id !== inFlight);
    expectError(
      await call(gw, 'POST', `/admin/deliveries/${inFlight}/retry-now`, { json: {} }),
      409,
      10011,
      /is being attempted right now/,
    );
    const recovery = expectOk(
      await call(gw, 'POST', '/admin/recoveries', { json: { selection: { state: 'retrying' }, action: 'retry_now' } }),
    );
    expect(recovery.matched).toBe(2);
    await gw.gateway.recoveryRunner.runDue();
    expect(expectOk(await call(gw, 'GET', `/admin/recoveries/${recovery.id}`))).toMatchObject({
      state: 'done',
      processed: 1,
      skipped: 1,
    });
    // Already due: it stays due when it was, its count kept.
    const after = expectOk(await call(gw, 'GET', `/admin/deliveries/${idle.id}`)).delivery;
    expect(after).toMatchObject({ state: 'pending', attempts: 1, nextAttemptAt: START + 60_000 });
    const untouched = expectOk(await call(gw, 'GET', `/admin/deliveries/${inFlight}`)).delivery;
    expect(untouched.nextAttemptAt).toBe(START + 60_000);
  });
  it('leaves a paused endpoint’s deliveries alone: refused one by one, skipped in a selection', async () => {
    const { clock, receiver, gw } = await startClockedGateway('0,600');
    receiver.script([], 'status500');
    const traceId = await paid(gw, receiver.url);
    await gw.gateway.dispatcher.runDue();
    clock.advance(60_000);
    expectOk(await call(gw, 'POST', '/admin/endpoints/pause', { json: { url: receiver.url } }));
    const [waiting] = await deliveryOf(gw, traceId);
    expectError(
      await call(gw, 'POST', `/admin/deliveries/${waiting.id}/retry-now`, { json: {} }),
      409,
      10011,
      /waits for its paused endpoint .*; resume the endpoint/,
    );
    const recovery = expectOk(
      await call(gw, 'POST', '/admin/recoveries', { json: { selection: { state: 'retrying' }, action: 'retry_now' } }),
    );
    await gw.gateway.recoveryRunner.runDue();
    expect(expectOk(await call(gw, 'GET', `/admin/recoveries/${recovery.id}`))).toMatchObject({
      state: 'done',
      matched: 1,
      processed: 0,
      skipped: 1,
    });
    // Its schedule is the resume's to continue: still due 600 s after its attempt, count kept.
    const after = expectOk(await call(gw, 'GET', `/admin/deliveries/${waiting.id}`)).delivery;
    expect(after).toMatchObject({ state: 'pending', attempts: 1, nextAttemptAt: waiting.nextAttemptAt });
    expect(receiver.received).toHaveLength(1);
  });
});

describe('waking the dispatcher', () => {
  it('retry-now, one or a selection, makes the attempt at once, also from another gateway (PostgreSQL)', async () => {
    // Polls ten minutes apart: an attempt made within the test was made because something woke it.
    const env = { PAYHOOK_RETRY_SCHEDULE: '0,600', PAYHOOK_POLL_INTERVAL: '600', PAYHOOK_RECOVERY_BATCH: '3' };
    const receiver = await startReceiver();
    receiver.script([], 'status500');
    // On PostgreSQL the requests go to an API-only gateway and a dispatcher-only one sends, woken
    // by NOTIFY; SQLite has no channel between processes (woken in-process): one gateway.
    const pg = BACKEND === 'postgres';
    const api = await startTestGateway(pg ? { ...env, PAYHOOK_ROLE: 'api' } : env);
    if (pg) await startTestGateway({ ...env, PAYHOOK_ROLE: 'dispatcher' }, {}, { database: api.database });
    for (let i = 0; i < 8; i++) await paid(api, receiver.url);
    await waitForAttempts(receiver, 8);
    const retrying = await waitForState(api, (list) =>
      list.length === 8 && list.every((d) => d.attempts === 1 && d.lockedUntil === null) ? list : undefined,
    );

    receiver.script([], 'success');
    const one = expectOk(await call(api, 'POST', `/admin/deliveries/${retrying[0].id}/retry-now`, { json: {} }));
    expect(one).toMatchObject({ state: 'pending', attempts: 1 });
    await waitForAttempts(receiver, 9);
    await waitForState(api, (list) => (list.some((d) => d.state === 'delivered') ? list : undefined));
    const all = expectOk(await recover(api, { selection: { state: 'retrying' }, action: 'retry_now' }));
    expect(all.matched).toBe(7);
    await waitForAttempts(receiver, 16);
    expect(
      await waitForState(api, (list) => (list.every((d) => d.state === 'delivered') ? list : undefined)),
    ).toHaveLength(8);
    const seconds = receiver.received.filter((c) => c.headers['x-payhook-attempt'] === '2');
    expect(new Set(seconds.map((c) => c.headers['x-payhook-delivery'])).size).toBe(8);
    expect(seconds).toHaveLength(8);
    expect(expectOk(await call(api, 'GET', `/admin/recoveries/${all.id}`))).toMatchObject({
      state: 'done',
      processed: 7,
    });
  });
});

async function waitForAttempts(receiver: Receiver, n: number) {
  await waitFor(() => receiver.received.length >= n, { what: `${n} callbacks`, timeoutMs: 15_000 });
}

async function waitForState(gw: TestGateway, check: (list: any[]) => any[] | undefined) {
  return waitFor(async () => check((await allDeliveries(gw)) as any[]), { what: 'the deliveries', timeoutMs: 15_000 });
}

describe('who asked', () => {
  it('records a dashboard session as such, refuses a cross-site form, and pages the list', async () => {
    const token = 'recovery-dashboard-token-42';
    const gw = await startTestGateway({ PAYHOOK_ADMIN_TOKEN: token }, {}, { listen: false });
    const browser = (method: 'GET' | 'POST', url: string, form: Record<string, string>, extra = {}) =>
      gw.gateway.app.inject({
        method,
        url,
        headers: {
          accept: 'text/html',
          origin: 'http://localhost',
          'content-type': 'application/x-www-form-urlencoded',
          ...extra,
        },
        payload: new URLSearchParams(form).toString(),
      });
    const login = await browser('POST', '/dashboard/login', { token, next: '/dashboard/recover' });
    const cookie = String(login.headers['set-cookie']).split(';')[0] as string;
    const form = { state: 'exhausted', action: 'redeliver', actor: 'anna' };

    const forged = await browser('POST', '/dashboard/recoveries', form, { cookie, origin: 'http://evil.example' });
    expect(forged.statusCode).toBe(403);
    expect(expectOk(await call(gw, 'GET', '/admin/recoveries', { token })).recoveries).toEqual([]);

    const first = await browser('POST', '/dashboard/recoveries', form, { cookie });
    expect(first.statusCode).toBe(303);
    expect(first.headers.location).toMatch(/^\/dashboard\/recoveries\/[0-9a-f-]{36}$/);
    const second = expectOk(
      await call(gw, 'POST', '/admin/recoveries', { token, json: { selection: {}, action: 'retry_now' } }),
    );
    const page1 = expectOk(await call(gw, 'GET', '/admin/recoveries?limit=1', { token }));
    expect(page1.recoveries).toHaveLength(1);
    const page2 = expectOk(await call(gw, 'GET', `/admin/recoveries?limit=1&before=${page1.next}`, { token }));
    const both = [...page1.recoveries, ...page2.recoveries];
    expect(new Set(both.map((r: any) => r.id))).toEqual(
      new Set([second.id, first.headers.location?.split('/').at(-1)]),
    );
    const byDashboard = both.find((r: any) => r.id !== second.id);
    expect(byDashboard).toMatchObject({
      action: 'redeliver',
      selection: { state: 'exhausted' },
      requestedBy: { auth: 'session', actor: 'anna' },
    });
    expect(second.requestedBy).toEqual({ auth: 'bearer', actor: null });
    const shown = await browser('GET', first.headers.location as string, {}, { cookie });
    expect(shown.statusCode).toBe(200);
    expect(shown.body).toContain('anna (session)');
  });
});
