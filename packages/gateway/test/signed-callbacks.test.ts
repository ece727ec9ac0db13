// Signed callbacks end to end: the admin API that sets, rotates and removes a payee's secret;
// the dispatcher signing each attempt (Standard Webhooks headers, same webhook-id on every
// retry, the attempt's own timestamp); and a real receiver built with the merchant kit that
// verifies the signature and still looks the payment up.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import {
  createCallbackHandler,
  createSignatureVerifier,
  MemoryOrderStore,
  MixPayClient,
  type Order,
  type ResultSource,
} from '@payhook/merchant';
import { nodeCallbackHandler } from '@payhook/merchant/node';
import { signatureHeaders } from '@payhook/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { listenOnLoopback } from '../../../test-support/net.js';
import { waitFor } from '../../../test-support/wait.js';
import { makeOrder } from '../../merchant/test/helpers/orders.js';
import { ManualClock } from '../src/clock.js';
import { call, expectError, expectOk } from './helpers/api.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';
import { type Receiver, startReceiver } from './helpers/receiver.js';

const PAYEE = 'payee-signed';
let gw: TestGateway;
const cleanup: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
  await gw.close();
});

/** Sets or rotates a payee's secret (with the gateway's default overlap unless `overlapSeconds`). */
async function setSecret(payeeId = PAYEE, overlapSeconds?: number): Promise<string> {
  const json = overlapSeconds === undefined ? undefined : { overlapSeconds };
  const data = expectOk(await call(gw, 'PUT', `/admin/payees/${payeeId}/secret`, { json }));
  return data.secret as string;
}

async function receiver(): Promise<Receiver> {
  const r = await startReceiver();
  cleanup.push(() => r.close());
  return r;
}

const signingHeaders = (headers: IncomingHttpHeaders) =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => name.startsWith('webhook-')));

const asHeaders = (headers: IncomingHttpHeaders) => new Headers(headers as Record<string, string>);

const verifies = (secret: string, headers: IncomingHttpHeaders, body: string, nowMs: number) =>
  createSignatureVerifier(secret)(asHeaders(headers), body, nowMs).ok;

describe('payee signing secrets (admin API)', () => {
  it('sets a whsec_ secret, shows it once, rotates and removes it', async () => {
    const clock = new ManualClock();
    gw = await startTestGateway({}, { clock }, { listen: false });
    const put = await call(gw, 'PUT', `/admin/payees/${PAYEE}/secret`);
    const first = expectOk(put);
    expect(put.headers['cache-control']).toBe('no-store');
    expect(first).toEqual({
      payeeId: PAYEE,
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
      createdAt: clock.now(),
      rotationEndsAt: null,
    });
    expect(Buffer.from(first.secret.slice(6), 'base64')).toHaveLength(32);

    const shown = expectOk(await call(gw, 'GET', `/admin/payees/${PAYEE}/secret`));
    expect(shown).toEqual({ payeeId: PAYEE, signed: true, createdAt: clock.now(), rotationEndsAt: null });
    expect(JSON.stringify(shown)).not.toContain(first.secret.slice(6, 20));

    // Rotating: the old secret signs too for PAYHOOK_SECRET_ROTATION_OVERLAP (24 h by default).
    clock.advance(1000);
    const second = expectOk(await call(gw, 'PUT', `/admin/payees/${PAYEE}/secret`));
    expect(second.secret).not.toBe(first.secret);
    const ends = clock.now() + 86_400_000;
    expect(second.rotationEndsAt).toBe(ends);
    const rotating = expectOk(await call(gw, 'GET', `/admin/payees/${PAYEE}/secret`));
    expect(rotating).toEqual({ payeeId: PAYEE, signed: true, createdAt: clock.now(), rotationEndsAt: ends });
    for (const secret of [first.secret, second.secret]) expect(JSON.stringify(rotating)).not.toContain(secret.slice(6));
    clock.set(ends);
    expect(expectOk(await call(gw, 'GET', `/admin/payees/${PAYEE}/secret`)).rotationEndsAt).toBeNull();
    // Other payees are untouched.
    expectError(
      await call(gw, 'GET', '/admin/payees/payee-other/secret'),
      404,
      404,
      /payee payee-other has no signing secret/,
    );

    expect(expectOk(await call(gw, 'DELETE', `/admin/payees/${PAYEE}/secret`))).toEqual({
      payeeId: PAYEE,
      signed: false,
    });
    expectError(await call(gw, 'GET', `/admin/payees/${PAYEE}/secret`), 404, 404, /has no signing secret/);
    expectError(await call(gw, 'DELETE', `/admin/payees/${PAYEE}/secret`), 404, 404, /has no signing secret/);
    expect(await gw.database.rows('select payee_id from payee_secrets')).toEqual([]);
  });

  it('takes the overlap from the body or the query, 0 switching at once, and refuses a bad one', async () => {
    const clock = new ManualClock();
    gw = await startTestGateway({ PAYHOOK_SECRET_ROTATION_OVERLAP: '60' }, { clock }, { listen: false });
    const put = async (query: string, json?: unknown) =>
      call(gw, 'PUT', `/admin/payees/${PAYEE}/secret${query}`, json === undefined ? {} : { json });
    expectOk(await put(''));
    expect(expectOk(await put('')).rotationEndsAt).toBe(clock.now() + 60_000); // the setting
    expect(expectOk(await put('', { overlapSeconds: 7200 })).rotationEndsAt).toBe(clock.now() + 7_200_000);
    expect(expectOk(await put('?overlapSeconds=30')).rotationEndsAt).toBe(clock.now() + 30_000);
    expect(expectOk(await put('?overlapSeconds=0')).rotationEndsAt).toBeNull();
    expect(expectOk(await call(gw, 'GET', `/admin/payees/${PAYEE}/secret`)).rotationEndsAt).toBeNull();
    expect(await gw.database.rows('select previous_secret from payee_secrets')).toEqual([{ previous_secret: null }]);

    for (const [query, json, message] of [
      ['?overlapSeconds=-1', undefined, /overlapSeconds: must be a whole number of seconds/],
      ['?overlapSeconds=1.5', undefined, /overlapSeconds: must be a whole number of seconds/],
      ['', { overlapSeconds: 1.5 }, /overlapSeconds: must be a whole number of seconds/],
      ['', { overlapSeconds: 2_592_001 }, /overlapSeconds: must be at most 2592000/],
      ['?overlapSeconds=1', { overlapSeconds: 1 }, /overlapSeconds: give it in the body or the query, not both/],
    ] as const) {
      expectError(await put(query, json), 400, 10011, message);
    }
  });

  it('lists the payees that sign, by payeeId, in pages, with rotationEndsAt only during an overlap and no secret', async () => {
    const clock = new ManualClock();
    gw = await startTestGateway({ PAYHOOK_SECRET_ROTATION_OVERLAP: '60' }, { clock }, { listen: false });
    const list = async (query = '') => expectOk(await call(gw, 'GET', `/admin/payees/secrets${query}`));
    expect(await list()).toEqual({ payees: [], next: null });

    const started = clock.now();
    const secrets = [await setSecret('payee-b'), await setSecret('payee-a'), await setSecret('secrets')];
    clock.advance(1000);
    secrets.push(await setSecret('payee-b')); // a rotation: the old secret signs too for 60 s
    const ends = clock.now() + 60_000;
    const during = await list();
    expect(during).toEqual({
      payees: [
        { payeeId: 'payee-a', signed: true, createdAt: started, rotationEndsAt: null },
        { payeeId: 'payee-b', signed: true, createdAt: ends - 60_000, rotationEndsAt: ends },
        { payeeId: 'secrets', signed: true, createdAt: started, rotationEndsAt: null },
      ],
      next: null,
    });
    for (const secret of secrets) expect(JSON.stringify(during)).not.toContain(secret.slice(6));
    // `secrets` is a payee like any other: its own route is not the list's.
    expect(expectOk(await call(gw, 'GET', '/admin/payees/secrets/secret')).payeeId).toBe('secrets');

    // Pages: `next` is the last payeeId, passed back as `after`.
    const first = await list('?limit=2');
    expect(first.payees.map((p: { payeeId: string }) => p.payeeId)).toEqual(['payee-a', 'payee-b']);
    expect(first.next).toBe('payee-b');
    expect(await list('?limit=2&after=payee-b')).toMatchObject({ payees: [{ payeeId: 'secrets' }], next: null });
    expectError(await call(gw, 'GET', '/admin/payees/secrets?limit=1001'), 400, 10011, /limit/);

    // At the overlap's end (exclusive) the rotation is over.
    clock.set(ends - 1);
    expect((await list()).payees[1].rotationEndsAt).toBe(ends);
    clock.set(ends);
    expect((await list()).payees.map((p: { rotationEndsAt: number | null }) => p.rotationEndsAt)).toEqual([
      null,
      null,
      null,
    ]);
    expectOk(await call(gw, 'DELETE', '/admin/payees/payee-a/secret'));
    expect((await list()).payees.map((p: { payeeId: string }) => p.payeeId)).toEqual(['payee-b', 'secrets']);
  });

  it('refuses a malformed payeeId', async () => {
    gw = await startTestGateway({}, {}, { listen: false });
    for (const payeeId of ['has%20space', 'dots.not.allowed', 'x'.repeat(65)]) {
      expectError(await call(gw, 'PUT', `/admin/payees/${payeeId}/secret`), 400, 10011, /payeeId/);
    }
    expect(await gw.database.rows('select payee_id from payee_secrets')).toEqual([]);
  });
});

describe('signed callbacks through a real receiver built with the merchant kit', () => {
  it('verifies the signature, still looks the payment up, and refuses tampered or stale copies', async () => {
    gw = await startTestGateway();
    const secret = await setSecret();

    // The shop: an order store, a client of this gateway that counts its lookups, the kit's handler.
    const store = new MemoryOrderStore();
    const client = new MixPayClient({ baseUrl: `${gw.url}/v1` });
    let lookups = 0;
    const source: ResultSource = {
      getPaymentResult: (lookup, include) => {
        lookups += 1;
        return client.getPaymentResult(lookup, include);
      },
    };
    const skew = { ms: 0 };
    const handler = createCallbackHandler({
      payeeId: PAYEE,
      store,
      source,
      signingSecret: secret,
      now: () => Date.now() + skew.ms,
    });
    const seen: { headers: IncomingHttpHeaders; body: string }[] = [];
    const node = nodeCallbackHandler(handler);
    const server: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => seen.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') }));
      void node(req, res);
    });
    const shop = await listenOnLoopback(server);
    cleanup.push(shop.close);
    const shopUrl = `${shop.origin}/mixpay/callback`;

    const payment = await gw.createPayment({ payeeId: PAYEE, orderId: 'order-signed-1', callbackUrl: shopUrl });
    const order: Order = makeOrder({
      orderId: 'order-signed-1',
      traceId: payment.traceId,
      payeeId: PAYEE,
      paymentUrl: null,
      createdAt: Date.now(),
      updatedAt: Date.now(),
    });
    await store.insert(order);
    expectOk(await call(gw, 'POST', '/v1/sandbox/transfers', { json: { traceId: payment.traceId } }));

    await waitFor(async () => (await store.findByOrderId(order.orderId))?.status === 'paid', { what: 'order paid' });
    const delivered = await waitFor(async () => {
      const list = expectOk(await call(gw, 'GET', `/admin/deliveries?traceId=${payment.traceId}`));
      return list.find((d: { state: string }) => d.state === 'delivered');
    });
    expect(lookups).toBe(1);
    const [first] = seen;
    if (!first) throw new Error('no callback reached the shop');
    expect(first.body).toBe(delivered.body); // the body is unchanged by signing
    expect(first.headers['webhook-id']).toBe(delivered.eventId);
    expect(first.headers['webhook-id']).toBe(first.headers['x-payhook-event-id']);
    expect(Math.abs(Number(first.headers['webhook-timestamp']) * 1000 - Date.now())).toBeLessThan(30_000);
    expect(first.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(verifies(secret, first.headers, first.body, Date.now())).toBe(true);

    // Replays straight to the shop, as an attacker who saw one callback would try them.
    const replay = async (headers: Record<string, string>, body: string) => {
      const res = await fetch(shopUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
      return { status: res.status, body: await res.json() };
    };
    const original = signingHeaders(first.headers) as Record<string, string>;
    const other = await gw.createPayment({ payeeId: PAYEE, orderId: 'order-signed-2' });
    await store.insert({ ...order, orderId: 'order-signed-2', traceId: other.traceId });
    const forged = JSON.stringify({ orderId: 'order-signed-2', traceId: other.traceId, payeeId: PAYEE });
    expect(await replay(original, forged)).toEqual({ status: 401, body: { code: 'BAD_SIGNATURE' } });
    const sig = original['webhook-signature'] as string;
    const flipped = `${sig.slice(0, 5)}${sig[5] === 'A' ? 'B' : 'A'}${sig.slice(6)}`;
    expect(await replay({ ...original, 'webhook-signature': flipped }, first.body)).toEqual({
      status: 401,
      body: { code: 'BAD_SIGNATURE' },
    });
    expect(await replay({}, forged)).toEqual({ status: 401, body: { code: 'BAD_SIGNATURE' } });
    skew.ms = 6 * 60_000; // the shop's clock is 6 minutes past the signature: stale
    expect(await replay(original, first.body)).toEqual({ status: 401, body: { code: 'BAD_SIGNATURE' } });
    expect(lookups).toBe(1); // no refused copy cost a lookup
    expect((await store.findByOrderId('order-signed-2'))?.status).toBe('waiting');
    skew.ms = 0; // within the tolerance the genuine copy is accepted again (the order is already final)
    expect(await replay(original, first.body)).toEqual({ status: 200, body: { code: 'SUCCESS' } });
  });

  it('sends no signature headers for a payee without a secret, or after its secret is removed', async () => {
    gw = await startTestGateway();
    const r = await receiver();
    await setSecret('payee-other'); // another payee's secret signs nothing of this one
    const plain = await gw.createPayment({ payeeId: 'payee-plain', callbackUrl: r.url });
    await call(gw, 'POST', '/v1/sandbox/transfers', { json: { traceId: plain.traceId } });
    await waitFor(() => r.received.length === 1, { what: 'the first callback' });

    await setSecret();
    expectOk(await call(gw, 'DELETE', `/admin/payees/${PAYEE}/secret`));
    const removed = await gw.createPayment({ payeeId: PAYEE, callbackUrl: r.url });
    await call(gw, 'POST', '/v1/sandbox/transfers', { json: { traceId: removed.traceId } });
    await waitFor(() => r.received.length === 2, { what: 'the second callback' });

    for (const { headers } of r.received) {
      expect(signingHeaders(headers)).toEqual({});
      expect(headers['x-payhook-event-id']).toBeTruthy();
    }
  });

  it('signs every attempt at send time: a retry after a rotation without overlap carries only the new secret', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
    gw = await startTestGateway({}, { clock });
    const r = await receiver();
    r.script(['status500'], 'success');
    const oldSecret = await setSecret();
    const payment = await gw.createPayment({ payeeId: PAYEE, callbackUrl: r.url });
    await call(gw, 'POST', '/v1/sandbox/transfers', { json: { traceId: payment.traceId } });
    await waitFor(() => r.received.length === 1, { what: 'the first attempt' });
    const firstAt = clock.now();
    const deliveries = async () => expectOk(await call(gw, 'GET', `/admin/deliveries?traceId=${payment.traceId}`));
    await waitFor(async () => (await deliveries())[0]?.attempts === 1, { what: 'the first attempt recorded' });

    const newSecret = await setSecret(PAYEE, 0); // rotate between the attempts, switching at once
    clock.advance(15_000); // past the retry's due time
    gw.gateway.dispatcher.notify();
    await waitFor(() => r.received.length === 2, { what: 'the retry' });
    const [one, two] = r.received as [Receiver['received'][0], Receiver['received'][0]];

    expect(one.headers['webhook-id']).toBe(two.headers['webhook-id']);
    expect(one.headers['webhook-timestamp']).toBe(String(Math.floor(firstAt / 1000)));
    expect(two.headers['webhook-timestamp']).toBe(String(Math.floor(clock.now() / 1000)));
    expect(verifies(oldSecret, one.headers, one.body, firstAt)).toBe(true);
    expect(verifies(newSecret, one.headers, one.body, firstAt)).toBe(false);
    expect(verifies(newSecret, two.headers, two.body, clock.now())).toBe(true);
    expect(verifies(oldSecret, two.headers, two.body, clock.now())).toBe(false);
    // A shop that accepts both while it rotates takes either.
    const rotating = createSignatureVerifier([newSecret, oldSecret]);
    expect(rotating(new Headers(one.headers as Record<string, string>), one.body, firstAt).ok).toBe(true);
    expect(rotating(new Headers(two.headers as Record<string, string>), two.body, clock.now()).ok).toBe(true);

    // Redelivered by hand: a new delivery of the same event, so the same webhook-id again.
    const delivered = await waitFor(async () =>
      (await deliveries()).find((d: { state: string }) => d.state === 'delivered'),
    );
    expectOk(await call(gw, 'POST', `/admin/deliveries/${delivered.id}/redeliver`, { json: {} }));
    await waitFor(() => r.received.length === 3, { what: 'the redelivery' });
    const three = r.received[2] as Receiver['received'][0];
    expect(three.headers['webhook-id']).toBe(one.headers['webhook-id']);
    expect(three.headers['x-payhook-delivery']).not.toBe(one.headers['x-payhook-delivery']);
    expect(verifies(newSecret, three.headers, three.body, clock.now())).toBe(true);
  });
});

describe('a rotation with overlap, through a real receiver', () => {
  const SIGNATURES = /^v1,[A-Za-z0-9+/]{43}= v1,[A-Za-z0-9+/]{43}=$/;

  it('signs every attempt with both secrets until the overlap ends, then with the new one only', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
    gw = await startTestGateway({}, { clock });
    const r = await receiver();
    r.script(['status500', 'status500', 'status500'], 'success');
    const oldSecret = await setSecret();
    const payment = await gw.createPayment({ payeeId: PAYEE, callbackUrl: r.url });
    await call(gw, 'POST', '/v1/sandbox/transfers', { json: { traceId: payment.traceId } });
    const recorded = (n: number) =>
      gw.afterAttempts(async () => {
        const [d] = expectOk(await call(gw, 'GET', `/admin/deliveries?traceId=${payment.traceId}`));
        return d?.attempts === n ? d : undefined;
      }, `attempt ${n} recorded`);
    await recorded(1);

    // Rotate with an hour of overlap (in the body).
    const newSecret = await setSecret(PAYEE, 3600);
    const rotatedAt = clock.now();
    const retry = async (n: number, advanceMs: number) => {
      clock.advance(advanceMs);
      gw.gateway.dispatcher.notify();
      await recorded(n);
      return r.received[n - 1] as Receiver['received'][0];
    };
    // A second before the end (retries are due 50 ms after a failure here), then at the end.
    const during = [await retry(2, 15_000), await retry(3, 3_600_000 - 15_000 - 1_000)];
    const after = await retry(4, 1_000);
    expect(clock.now()).toBe(rotatedAt + 3_600_000);

    const [first] = r.received as [Receiver['received'][0]];
    expect(first.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(verifies(oldSecret, first.headers, first.body, rotatedAt)).toBe(true);
    for (const attempt of during) {
      const at = Number(attempt.headers['webhook-timestamp']) * 1000;
      // One header, two signatures: the new one first; a receiver with either secret accepts it.
      expect(attempt.headers['webhook-signature']).toMatch(SIGNATURES);
      expect(verifies(newSecret, attempt.headers, attempt.body, at)).toBe(true);
      expect(verifies(oldSecret, attempt.headers, attempt.body, at)).toBe(true);
      expect(createSignatureVerifier([oldSecret, newSecret])(asHeaders(attempt.headers), attempt.body, at).ok).toBe(
        true,
      );
      const [fresh, old] = (attempt.headers['webhook-signature'] as string).split(' ');
      const only = (secret: string) =>
        signatureHeaders(secret, attempt.headers['webhook-id'] as string, at, attempt.body)['webhook-signature'];
      expect([fresh, old]).toEqual([only(newSecret), only(oldSecret)]);
    }
    // At the overlap's end (exclusive), only the new secret signs.
    const at = Number(after.headers['webhook-timestamp']) * 1000;
    expect(after.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(verifies(newSecret, after.headers, after.body, at)).toBe(true);
    expect(verifies(oldSecret, after.headers, after.body, at)).toBe(false);
    expect(new Set(r.received.map((c) => c.headers['webhook-id'])).size).toBe(1);
    expect(expectOk(await call(gw, 'GET', `/admin/payees/${PAYEE}/secret`)).rotationEndsAt).toBeNull();
  });

  it('a shop that knows only one of the two secrets accepts the callback (the merchant kit)', async () => {
    gw = await startTestGateway();
    const oldSecret = await setSecret();
    const newSecret = await setSecret(PAYEE, 600);
    const shops = await Promise.all(
      [[oldSecret], [newSecret], [newSecret, oldSecret]].map(async (secrets) => {
        const store = new MemoryOrderStore();
        const handler = createCallbackHandler({
          payeeId: PAYEE,
          store,
          source: new MixPayClient({ baseUrl: `${gw.url}/v1` }),
          signingSecret: secrets,
        });
        const shop = await listenOnLoopback(createServer(nodeCallbackHandler(handler)));
        cleanup.push(shop.close);
        return { store, url: `${shop.origin}/mixpay/callback` };
      }),
    );
    for (const [i, shop] of shops.entries()) {
      const payment = await gw.createPayment({ payeeId: PAYEE, orderId: `order-rot-${i}`, callbackUrl: shop.url });
      const now = Date.now();
      await shop.store.insert(
        makeOrder({
          orderId: `order-rot-${i}`,
          traceId: payment.traceId,
          payeeId: PAYEE,
          paymentUrl: null,
          createdAt: now,
          updatedAt: now,
        }),
      );
      expectOk(await call(gw, 'POST', '/v1/sandbox/transfers', { json: { traceId: payment.traceId } }));
    }
    for (const [i, shop] of shops.entries()) {
      await waitFor(async () => (await shop.store.findByOrderId(`order-rot-${i}`))?.status === 'paid', {
        what: `shop ${i} to take the callback`,
      });
    }
  });
});
