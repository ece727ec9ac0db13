// Signed callbacks on the receiving side: the verifier (Standard Webhooks, injectable clock,
// tolerance, rotation) and the handler's rule that a signature is checked before anything else
// and never replaces the payments_result lookup.
import type { PaymentResult } from '@payhook/protocol';
import { Webhook } from 'standardwebhooks';
import { beforeEach, describe, expect, it } from 'vitest';
import { makeOrder, PAYEE } from '../test/helpers/orders.js';
import { type CallbackRecord, createCallbackHandler } from './handler.js';
import type { Order } from './order.js';
import { createSignatureVerifier, DEFAULT_SIGNATURE_TOLERANCE_MS } from './signature.js';
import { MemoryOrderStore } from './stores/memory-store.js';
import { buildCallbackRequest, resultFor, ScriptedResultSource, signCallback } from './testing.js';
import { lookupFor } from './verify.js';

const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const NEW_SECRET = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
const NOW = 1_767_225_600_000; // 2026-01-01T00:00:00Z
const BODY = '{"orderId":"order-0001","traceId":"0b1f3a2e-6c2d-4a59-9a51-7f0c1e2d3b4a","payeeId":"payee-shop"}';

const headersOf = (record: Record<string, string>) => new Headers(record);

describe('createSignatureVerifier', () => {
  const verify = createSignatureVerifier(SECRET);
  const signed = (overrides: Record<string, string> = {}, at = NOW) =>
    headersOf({ ...signCallback(BODY, { secret: SECRET, id: 'evt-1', timestampMs: at }), ...overrides });

  it('accepts the exact body signed with the secret', () => {
    expect(verify(signed(), BODY, NOW)).toEqual({ ok: true });
  });

  it('agrees with the standardwebhooks reference verifier', () => {
    const headers = signCallback(BODY, { secret: SECRET, id: 'evt-1' });
    expect(() => new Webhook(SECRET).verify(BODY, headers)).not.toThrow();
    expect(verify(headersOf(headers), BODY, Date.now())).toEqual({ ok: true });
  });

  it('refuses a tampered body, whatever changed', () => {
    for (const body of [
      BODY.replace('order-0001', 'order-0002'),
      `${BODY} `,
      BODY.replace('payee-shop', 'payee-evil'),
      '',
    ]) {
      expect(verify(signed(), body, NOW)).toEqual({ ok: false, reason: 'no matching signature' });
    }
  });

  it('refuses a tampered signature, id or timestamp', () => {
    const good = signed().get('webhook-signature') as string;
    const flipped = `${good.slice(0, 10)}${good[10] === 'A' ? 'B' : 'A'}${good.slice(11)}`;
    expect(verify(signed({ 'webhook-signature': flipped }), BODY, NOW).ok).toBe(false);
    expect(verify(signed({ 'webhook-signature': good.replace('v1,', 'v2,') }), BODY, NOW).ok).toBe(false);
    expect(verify(signed({ 'webhook-id': 'evt-2' }), BODY, NOW).ok).toBe(false);
    expect(verify(signed({ 'webhook-timestamp': String(NOW / 1000 + 1) }), BODY, NOW).ok).toBe(false);
    // Signed with another secret.
    const foreign = signCallback(BODY, { secret: NEW_SECRET, id: 'evt-1', timestampMs: NOW });
    expect(verify(headersOf(foreign), BODY, NOW)).toEqual({ ok: false, reason: 'no matching signature' });
  });

  it('refuses missing or malformed headers', () => {
    expect(verify(new Headers(), BODY, NOW)).toEqual({ ok: false, reason: 'missing signature headers' });
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
      const headers = signed();
      headers.delete(name);
      expect(verify(headers, BODY, NOW)).toEqual({ ok: false, reason: 'missing signature headers' });
    }
    for (const timestamp of ['1767225600.5', '-1', '1e9', 'now', '17672256000000']) {
      expect(verify(signed({ 'webhook-timestamp': timestamp }), BODY, NOW)).toEqual({
        ok: false,
        reason: 'malformed signature headers',
      });
    }
    expect(verify(signed({ 'webhook-id': 'x'.repeat(257) }), BODY, NOW).ok).toBe(false);
  });

  it('accepts timestamps within the tolerance of its clock and refuses stale or future ones', () => {
    expect(DEFAULT_SIGNATURE_TOLERANCE_MS).toBe(300_000);
    const at = (offsetMs: number) => verify(signed({}, NOW + offsetMs), BODY, NOW);
    expect(at(-300_000).ok).toBe(true);
    expect(at(300_000).ok).toBe(true);
    expect(at(-301_000)).toEqual({ ok: false, reason: 'timestamp outside the tolerance (stale or replayed)' });
    expect(at(301_000).ok).toBe(false);
    const strict = createSignatureVerifier(SECRET, 10_000);
    expect(strict(signed({}, NOW - 10_000), BODY, NOW).ok).toBe(true);
    expect(strict(signed({}, NOW - 11_000), BODY, NOW).ok).toBe(false);
  });

  it('accepts any of several secrets (rotation) and any of several signatures', () => {
    const both = createSignatureVerifier([NEW_SECRET, SECRET]);
    const old = signCallback(BODY, { secret: SECRET, id: 'evt-1', timestampMs: NOW });
    const fresh = signCallback(BODY, { secret: NEW_SECRET, id: 'evt-1', timestampMs: NOW });
    expect(both(headersOf(old), BODY, NOW).ok).toBe(true);
    expect(both(headersOf(fresh), BODY, NOW).ok).toBe(true);
    expect(createSignatureVerifier(NEW_SECRET)(headersOf(old), BODY, NOW).ok).toBe(false);
    const twoSignatures = { ...fresh, 'webhook-signature': `v1,bm90LWl0 ${old['webhook-signature']}` };
    expect(verify(headersOf(twoSignatures), BODY, NOW).ok).toBe(true);
  });

  it("accepts a rotating gateway's header (v1,<new> v1,<old>) with either secret, and refuses it with neither", () => {
    const rotating = headersOf(signCallback(BODY, { secret: [NEW_SECRET, SECRET], id: 'evt-1', timestampMs: NOW }));
    expect(rotating.get('webhook-signature')).toMatch(/^v1,\S+ v1,\S+$/);
    expect(createSignatureVerifier(SECRET)(rotating, BODY, NOW)).toEqual({ ok: true });
    expect(createSignatureVerifier(NEW_SECRET)(rotating, BODY, NOW)).toEqual({ ok: true });
    expect(createSignatureVerifier([NEW_SECRET, SECRET])(rotating, BODY, NOW)).toEqual({ ok: true });
    const stranger = `whsec_${Buffer.alloc(32, 11).toString('base64')}`;
    expect(createSignatureVerifier(stranger)(rotating, BODY, NOW)).toEqual({
      ok: false,
      reason: 'no matching signature',
    });
    // A tampered body matches neither signature.
    expect(createSignatureVerifier(SECRET)(rotating, `${BODY} `, NOW).ok).toBe(false);
  });

  it('refuses a malformed secret at once, without echoing it', () => {
    for (const secret of ['whsec_', '', 'whsec_not base64 hunter2!!', 'hunter2-is-not-base64']) {
      expect(() => createSignatureVerifier(secret)).toThrow(/signingSecret #1 is not a Standard Webhooks secret/);
      expect(() => createSignatureVerifier(secret)).not.toThrow(/hunter2/);
    }
    expect(() => createSignatureVerifier([])).toThrow(/at least one secret/);
  });
});

describe('the callback handler with a signing secret', () => {
  let store: MemoryOrderStore;
  let source: ScriptedResultSource;
  let records: CallbackRecord[];
  let order: Order;
  let clock: number;

  beforeEach(async () => {
    store = new MemoryOrderStore();
    source = new ScriptedResultSource();
    records = [];
    order = makeOrder();
    await store.insert(order);
    clock = NOW;
  });

  const handler = (secret: string | readonly string[] = SECRET, tolerance?: number) =>
    createCallbackHandler({
      payeeId: PAYEE,
      store,
      source,
      signingSecret: secret,
      ...(tolerance === undefined ? {} : { signatureToleranceMs: tolerance }),
      recorder: { record: (entry) => records.push(entry) },
      now: () => clock,
    });

  const send = async (request: Request, secret?: string | readonly string[]) => {
    const response = await handler(secret)(request, { remoteAddress: '127.0.0.1' });
    return { status: response.status, body: await response.json() };
  };

  const signedFor = (o: Order, at = clock, secret = SECRET) =>
    buildCallbackRequest(o, undefined, { secret, id: 'evt-1', timestampMs: at });

  it('refuses an unsigned callback with 401 BAD_SIGNATURE, before any lookup', async () => {
    source.set(lookupFor(order), resultFor(order));
    expect(await send(buildCallbackRequest(order))).toEqual({ status: 401, body: { code: 'BAD_SIGNATURE' } });
    expect(source.calls).toEqual([]);
    expect((await store.findByOrderId(order.orderId))?.status).toBe('waiting');
    expect(records.at(-1)).toMatchObject({
      answer: { status: 401, code: 'BAD_SIGNATURE', reason: 'bad_signature' },
      error: 'signature: missing signature headers',
      orderId: null,
    });
  });

  it('refuses a tampered body, a tampered signature and a stale timestamp the same way', async () => {
    source.set(lookupFor(order), resultFor(order));
    const good = signedFor(order);
    const headers = Object.fromEntries(good.headers);
    const other = makeOrder();
    await store.insert(other);
    const tamperedBody = new Request(good.url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ orderId: other.orderId, traceId: other.traceId, payeeId: PAYEE }),
    });
    expect(await send(tamperedBody)).toEqual({ status: 401, body: { code: 'BAD_SIGNATURE' } });
    const sig = headers['webhook-signature'] as string;
    const tamperedSig = new Request(good.url, {
      method: 'POST',
      headers: { ...headers, 'webhook-signature': `${sig.slice(0, -4)}AAA=` },
      body: await good.clone().text(),
    });
    expect(await send(tamperedSig)).toEqual({ status: 401, body: { code: 'BAD_SIGNATURE' } });
    expect(await send(signedFor(order, clock - 6 * 60_000))).toEqual({ status: 401, body: { code: 'BAD_SIGNATURE' } });
    expect(records.at(-1)?.error).toBe('signature: timestamp outside the tolerance (stale or replayed)');
    expect(source.calls).toEqual([]);
    expect((await store.findByOrderId(order.orderId))?.status).toBe('waiting');
    expect((await store.findByOrderId(other.orderId))?.status).toBe('waiting');
  });

  it('takes a callback signed by a rotating gateway (two signatures) whichever secret the shop has', async () => {
    source.set(lookupFor(order), resultFor(order));
    const rotating = buildCallbackRequest(order, undefined, {
      secret: [NEW_SECRET, SECRET],
      id: 'evt-1',
      timestampMs: clock,
    });
    // The shop has not switched yet: it knows only the old secret.
    expect(await send(rotating, SECRET)).toEqual({ status: 200, body: { code: 'SUCCESS' } });
    expect((await store.findByOrderId(order.orderId))?.status).toBe('paid');
  });

  it('still looks the payment up and verifies it after a good signature', async () => {
    source.set(lookupFor(order), resultFor(order));
    expect(await send(signedFor(order))).toEqual({ status: 200, body: { code: 'SUCCESS' } });
    expect(source.calls).toEqual([lookupFor(order)]);
    expect((await store.findByOrderId(order.orderId))?.status).toBe('paid');
  });

  it('does not let a good signature vouch for a wrong result', async () => {
    // A correctly signed callback for an order whose result is for the wrong amount.
    const tampered: PaymentResult = resultFor(order, { quoteAmount: '0.01' });
    source.set(lookupFor(order), tampered);
    expect(await send(signedFor(order))).toEqual({ status: 200, body: { code: 'SUCCESS' } });
    expect((await store.findByOrderId(order.orderId))?.status).toBe('suspicious');
  });

  it('does not let a good signature stand in for an unreachable payments_result', async () => {
    source.set(lookupFor(order), new Error('connect ECONNREFUSED'));
    expect(await send(signedFor(order))).toEqual({ status: 503, body: { code: 'RETRY_LATER' } });
    expect((await store.findByOrderId(order.orderId))?.status).toBe('waiting');
  });

  it('takes its clock and tolerance from the options', async () => {
    source.set(lookupFor(order), resultFor(order));
    const request = signedFor(order, NOW);
    clock = NOW + 20_000;
    const response = await handler(SECRET, 10_000)(request, {});
    expect(response.status).toBe(401);
    clock = NOW + 9_000;
    expect((await handler(SECRET, 10_000)(signedFor(order, NOW), {})).status).toBe(200);
  });

  it('accepts the old and the new secret while the shop rotates', async () => {
    const second = makeOrder();
    await store.insert(second);
    source.set(lookupFor(order), resultFor(order));
    source.set(lookupFor(second), resultFor(second));
    const rotating = [NEW_SECRET, SECRET];
    expect((await send(signedFor(order, clock, SECRET), rotating)).status).toBe(200);
    expect((await send(signedFor(second, clock, NEW_SECRET), rotating)).status).toBe(200);
    expect((await send(signedFor(second, clock, SECRET), NEW_SECRET)).status).toBe(401);
  });

  it('refuses to start with a malformed secret', () => {
    expect(() => handler('whsec_%%%')).toThrow(/not a Standard Webhooks secret/);
  });
});
