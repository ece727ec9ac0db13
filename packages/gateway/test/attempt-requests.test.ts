// The delivery as the receiver saw it: each attempt records the request exactly as sent (every
// header, signatures included), the admin API answers it; and retry-now attempts a retrying
// delivery at once, its count going on, while refusing what it cannot retry and changing nothing.
// Real gateway, real receivers, on SQLite and PostgreSQL.
import type { IncomingHttpHeaders } from 'node:http';
import { createSignatureVerifier } from '@payhook/merchant';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test-support/wait.js';
import { call, expectError, expectOk } from './helpers/api.js';
import { closeTestServers, startTestGateway, type TestGateway } from './helpers/gateway.js';
import { refusedUrl, startReceiver } from './helpers/receiver.js';

afterEach(closeTestServers);

/** Headers the HTTP client adds for the connection itself, not the gateway's to record. */
const TRANSPORT = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive']);

/** What the receiver got, without the transport's own headers. */
const sentByGateway = (headers: IncomingHttpHeaders) =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => !TRANSPORT.has(name)));

async function payInFull(gw: TestGateway, traceId: string) {
  expect((await gw.post('/v1/sandbox/transfers', { traceId })).status).toBe(200);
}

async function deliveryOf(gw: TestGateway, traceId: string, done: (d: any) => boolean, what: string) {
  return gw.afterAttempts(async () => {
    const [d] = (await gw.get(`/admin/deliveries?traceId=${traceId}`)).body.data;
    return d && done(d) ? expectOk(await call(gw, 'GET', `/admin/deliveries/${d.id}`)) : undefined;
  }, what);
}

/** A payment whose success callback is refused once (500), then accepted: two attempts. */
async function deliveredOnSecondAttempt(gw: TestGateway) {
  const receiver = await startReceiver();
  receiver.script(['status500']);
  const payment = await gw.createPayment({ callbackUrl: receiver.url });
  await payInFull(gw, payment.traceId);
  const { delivery, attempts } = await deliveryOf(gw, payment.traceId, (d) => d.state === 'delivered', 'delivered');
  expect(attempts).toHaveLength(2);
  expect(receiver.received).toHaveLength(2);
  return { receiver, payment, delivery, attempts };
}

describe('attempt requests', () => {
  it('records exactly the headers the receiver got, on every attempt, and the admin API answers them', async () => {
    const gw = await startTestGateway();
    const { receiver, payment, delivery, attempts } = await deliveredOnSecondAttempt(gw);
    attempts.forEach((attempt: any, i: number) => {
      const got = receiver.received[i];
      // Exactly the same names, in the order sent, with the same values.
      expect(attempt.request.headers).toEqual(sentByGateway(got?.headers ?? {}));
      expect(Object.keys(attempt.request.headers)).toEqual([
        'content-type',
        'user-agent',
        'x-payhook-event',
        'x-payhook-event-id',
        'x-payhook-delivery',
        'x-payhook-attempt',
      ]);
      expect(attempt.request.headers).toMatchObject({
        'content-type': 'application/json',
        'x-payhook-event': 'success',
        'x-payhook-event-id': delivery.eventId,
        'x-payhook-delivery': delivery.id,
        'x-payhook-attempt': String(i + 1),
      });
      // The body is the delivery's, byte for byte, on every attempt.
      expect(got?.body).toBe(delivery.body);
    });

    // The payment's page of the API carries them too.
    const detail = expectOk(await call(gw, 'GET', `/admin/payments/${payment.traceId}`));
    const [listed] = detail.events.find((e: any) => e.type === 'success').deliveries;
    expect(listed.attemptList.map((a: any) => a.request)).toEqual(attempts.map((a: any) => a.request));
  });

  it("records a signed payee's Standard Webhooks headers as sent: each attempt's own timestamp and signature", async () => {
    const gw = await startTestGateway();
    const { secret } = expectOk(await call(gw, 'PUT', '/admin/payees/payee-1/secret'));
    const { receiver, delivery, attempts } = await deliveredOnSecondAttempt(gw);
    for (const [i, attempt] of attempts.entries()) {
      const got = receiver.received[i];
      const headers = attempt.request.headers as Record<string, string>;
      expect(headers).toEqual(sentByGateway(got?.headers ?? {}));
      expect(Object.keys(headers).slice(-3)).toEqual(['webhook-id', 'webhook-timestamp', 'webhook-signature']);
      expect(headers['webhook-id']).toBe(delivery.eventId);
      expect(headers['webhook-timestamp']).toBe(String(Math.floor(attempt.startedAt / 1000)));
      // The recorded signature is the real one: it verifies against the body with the payee's secret.
      const verified = createSignatureVerifier(secret)(new Headers(headers), delivery.body, attempt.startedAt);
      expect(verified.ok).toBe(true);
    }
    expect(attempts[0].request.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
  });
});

describe('retry now', () => {
  it('attempts a retrying delivery at once; its attempt number and the schedule after it go on', async () => {
    // After the first failure the next attempt is an hour away; after the second, 50 ms.
    const gw = await startTestGateway({ PAYHOOK_RETRY_SCHEDULE: '0,3600,0.05,0.05' });
    const receiver = await startReceiver();
    receiver.script(['status500', 'status500'], 'success');
    const payment = await gw.createPayment({ callbackUrl: receiver.url });
    await payInFull(gw, payment.traceId);
    const waiting = await deliveryOf(gw, payment.traceId, (d) => d.attempts === 1, 'the first failure');
    const { delivery } = waiting;
    expect(delivery).toMatchObject({ state: 'pending', attempts: 1 });
    const firstEnd = waiting.attempts[0].endedAt;
    expect(delivery.nextAttemptAt).toBe(firstEnd + 3_600_000);

    const answer = expectOk(await call(gw, 'POST', `/admin/deliveries/${delivery.id}/retry-now`));
    expect(answer).toMatchObject({ id: delivery.id, state: 'pending', attempts: 1 });
    expect(answer.nextAttemptAt).toBeLessThan(firstEnd + 3_600_000);

    // Attempt 2 now (failing), then attempt 3 on the schedule's 50 ms: delivered, nothing reset.
    const done = await deliveryOf(gw, payment.traceId, (d) => d.state === 'delivered', 'delivered after retry-now');
    expect(done.delivery.attempts).toBe(3);
    expect(done.attempts.map((a: any) => [a.attemptNo, a.success])).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);
    expect(receiver.received.map((r) => r.headers['x-payhook-attempt'])).toEqual(['1', '2', '3']);
    // Attempt 2 was due when retry-now was asked, not an hour after attempt 1.
    expect(done.attempts[1].dueAt).toBe(answer.nextAttemptAt);
    expect(done.attempts[2].dueAt).toBe(done.attempts[1].endedAt + 50);
  });

  it('refuses a delivered, exhausted, in-flight or unknown delivery in the envelope, changing nothing', async () => {
    // A long attempt timeout, so the hanging attempt below is still in flight whatever the load.
    const gw = await startTestGateway({ PAYHOOK_RETRY_SCHEDULE: '0,0.05', PAYHOOK_ATTEMPT_TIMEOUT: '60' });
    const ok = await startReceiver();
    const delivered = await gw.createPayment({ callbackUrl: ok.url });
    const exhausted = await gw.createPayment({ callbackUrl: await refusedUrl() });
    await payInFull(gw, delivered.traceId);
    await payInFull(gw, exhausted.traceId);
    const final = [
      await deliveryOf(gw, delivered.traceId, (d) => d.state === 'delivered', 'delivered'),
      await deliveryOf(gw, exhausted.traceId, (d) => d.state === 'exhausted', 'exhausted'),
    ];
    for (const { delivery } of final) {
      expectError(
        await call(gw, 'POST', `/admin/deliveries/${delivery.id}/retry-now`),
        409,
        10011,
        new RegExp(`delivery ${delivery.id} is ${delivery.state}, not pending; retry-now takes`),
      );
      expect(expectOk(await call(gw, 'GET', `/admin/deliveries/${delivery.id}`))).toEqual(
        final.find((f) => f.delivery.id === delivery.id),
      );
    }
    expectError(
      await call(gw, 'POST', '/admin/deliveries/no-such-delivery/retry-now'),
      404,
      404,
      /delivery no-such-delivery does not exist/,
    );
    expect(ok.received).toHaveLength(1);

    // An attempt in flight holds its lease: no second attempt alongside it.
    const hanging = await startReceiver();
    hanging.script([], 'hang');
    const slow = await gw.createPayment({ callbackUrl: hanging.url });
    await payInFull(gw, slow.traceId);
    await waitFor(() => hanging.received.length === 1 || undefined, { what: 'the attempt in flight' });
    const [inFlight] = (await gw.get(`/admin/deliveries?traceId=${slow.traceId}`)).body.data;
    expectError(
      await call(gw, 'POST', `/admin/deliveries/${inFlight.id}/retry-now`),
      409,
      10011,
      /is being attempted right now/,
    );
    expect((await gw.get(`/admin/deliveries/${inFlight.id}`)).body.data.delivery).toEqual(inFlight);
  });
});
