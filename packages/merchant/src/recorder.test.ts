// Record/replay: each callback is written down with the payments_result it was checked
// against, and replaying a record against the order as it was gives the same answer.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeOrder, PAYEE } from '../test/helpers/orders.js';
import { createCallbackHandler } from './handler.js';
import type { Order } from './order.js';
import { JsonlRecorder, readRecords, replayCallback } from './recorder.js';
import { MemoryOrderStore } from './stores/memory-store.js';
import { buildCallbackRequest, resultFor, ScriptedResultSource } from './testing.js';
import { lookupFor } from './verify.js';

let dir: string;
let path: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'payhook-recorder-'));
  path = join(dir, 'callbacks.jsonl');
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const NOW = 1_700_000_900_000;

const rawPost = (body: string) => new Request('http://shop.test/cb', { method: 'POST', body });

/** Runs a scripted session of callbacks through a recording handler. */
async function recordSession() {
  const store = new MemoryOrderStore();
  const source = new ScriptedResultSource();
  const recorder = new JsonlRecorder(path);
  let clock = NOW;
  const handler = createCallbackHandler({
    payeeId: PAYEE,
    store,
    source,
    recorder,
    subscribedEvents: ['paid_less', 'settle'],
    now: () => clock++,
  });
  const orders = {
    paid: makeOrder(),
    tampered: makeOrder({ amount: '1000', traceId: null }),
    pending: makeOrder(),
    underpaid: makeOrder(),
    unreachable: makeOrder(),
    failed: makeOrder(),
  };
  for (const order of Object.values(orders)) await store.insert(order);

  source.set(lookupFor(orders.paid), resultFor(orders.paid));
  source.set(lookupFor(orders.tampered), resultFor(orders.tampered, { quoteAmount: '0.01' }));
  source.set(lookupFor(orders.pending), resultFor(orders.pending, { status: 'pending' }));
  source.set(
    lookupFor(orders.underpaid),
    resultFor(orders.underpaid, {
      status: 'pending',
      payment: { isMultiPay: true, isFullyPaid: false, totalTransactionsAmount: '2.5' },
    }),
  );
  source.set(lookupFor(orders.unreachable), new Error('connect ECONNREFUSED 127.0.0.1:443'));
  source.set(lookupFor(orders.failed), resultFor(orders.failed, { status: 'failed', failureCode: '40000' }));

  /** Each order as it was when its callback arrived: a replay's starting point. */
  const sent: { orderBefore: Order | undefined }[] = [];
  const send = async (request: Request, order?: Order) => {
    sent.push({ orderBefore: order && (await store.findByOrderId(order.orderId)) });
    const response = await handler(request, { remoteAddress: '52.198.117.57' });
    return { status: response.status, code: ((await response.json()) as { code: string }).code };
  };

  const answers = [
    await send(buildCallbackRequest(orders.paid), orders.paid),
    await send(buildCallbackRequest(orders.paid), orders.paid), // a duplicate: already paid
    await send(buildCallbackRequest(orders.tampered), orders.tampered),
    await send(buildCallbackRequest(orders.pending), orders.pending),
    await send(buildCallbackRequest(orders.underpaid), orders.underpaid),
    await send(buildCallbackRequest(orders.unreachable), orders.unreachable),
    await send(buildCallbackRequest(orders.failed), orders.failed),
    await send(buildCallbackRequest(makeOrder())), // unknown order
    await send(rawPost('not json')),
  ];
  await recorder.flush();
  return { orders, answers, sent };
}

/** Records the session, then readies a replay of its `index`th callback on a fresh store holding only `which`. */
async function replaying(index: number, which: keyof Awaited<ReturnType<typeof recordSession>>['orders']) {
  const { orders } = await recordSession();
  const record = (await readRecords(path))[index];
  if (!record) throw new Error('nothing recorded');
  const store = new MemoryOrderStore();
  const order = orders[which];
  await store.insert(order);
  return { record, store, order };
}

describe('JsonlRecorder', () => {
  it('writes one JSON line per callback, with the result it was checked against', async () => {
    const { orders, answers } = await recordSession();
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(answers.length);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();

    const records = await readRecords(path);
    expect(records.map((r) => r.answer)).toEqual([
      { status: 200, code: 'SUCCESS', reason: 'recorded' },
      { status: 200, code: 'SUCCESS', reason: 'already_final' },
      { status: 200, code: 'SUCCESS', reason: 'recorded' },
      { status: 202, code: 'NOT_FINAL', reason: 'not_final' },
      { status: 200, code: 'SUCCESS', reason: 'acknowledged' },
      { status: 503, code: 'RETRY_LATER', reason: 'unverified' },
      { status: 200, code: 'SUCCESS', reason: 'recorded' },
      { status: 404, code: 'UNKNOWN_ORDER', reason: 'unknown_order' },
      { status: 400, code: 'BAD_REQUEST', reason: 'bad_request' },
    ]);
    expect(records.map((r) => ({ status: r.answer.status, code: r.answer.code }))).toEqual(answers);

    const [paid, duplicate, tampered, pending, underpaid, unreachable, failed, unknown, malformed] = records;
    expect(paid).toMatchObject({
      receivedAt: NOW,
      remoteAddress: '52.198.117.57',
      orderId: orders.paid.orderId,
      body: JSON.stringify({ orderId: orders.paid.orderId, traceId: orders.paid.traceId, payeeId: PAYEE }),
      error: null,
      outcome: { kind: 'paid', changed: true, result: resultFor(orders.paid) },
    });
    expect(duplicate?.outcome).toMatchObject({ kind: 'final', status: 'paid', result: resultFor(orders.paid) });
    expect(tampered?.outcome).toMatchObject({
      kind: 'suspicious',
      result: { quoteAmount: '0.01' },
      judgement: { kind: 'mismatch', mismatches: [{ field: 'quoteAmount', expected: '1000', actual: '0.01' }] },
    });
    expect(pending?.outcome).toMatchObject({ kind: 'waiting', result: { status: 'pending' } });
    expect(underpaid?.outcome).toMatchObject({ kind: 'paid_less', judgement: { paidAmount: '2.5' } });
    expect(unreachable).toMatchObject({ outcome: null, error: 'Error: connect ECONNREFUSED 127.0.0.1:443' });
    expect(failed?.outcome).toMatchObject({ kind: 'failed', result: { status: 'failed', failureCode: '40000' } });
    expect(unknown).toMatchObject({ orderId: null, outcome: null });
    expect(malformed).toMatchObject({ body: 'not json', orderId: null, outcome: null });
  });

  it('appends to what the file already holds', async () => {
    writeFileSync(path, '{"kept":true}\n');
    const recorder = new JsonlRecorder(path);
    const handler = createCallbackHandler({
      payeeId: PAYEE,
      store: new MemoryOrderStore(),
      source: new ScriptedResultSource(),
      recorder,
    });
    await handler(rawPost('{}'));
    await recorder.flush();
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('{"kept":true}');
    expect(JSON.parse(lines[1] ?? '')).toMatchObject({ answer: { status: 400 } });
  });

  it('keeps every record, one per line, under concurrent callbacks', async () => {
    const recorder = new JsonlRecorder(path);
    const store = new MemoryOrderStore();
    const source = new ScriptedResultSource();
    const handler = createCallbackHandler({ payeeId: PAYEE, store, source, recorder });
    const orders = Array.from({ length: 40 }, () => makeOrder());
    for (const o of orders) {
      await store.insert(o);
      source.set(lookupFor(o), resultFor(o));
    }
    await Promise.all(orders.map((o) => handler(buildCallbackRequest(o))));
    await recorder.flush();
    const records = await readRecords(path);
    expect(records).toHaveLength(40);
    expect(new Set(records.map((r) => r.orderId))).toEqual(new Set(orders.map((o) => o.orderId)));
  });
});

describe('replayCallback', () => {
  it('reproduces every recorded answer on a fresh store holding the order as it was', async () => {
    const { sent } = await recordSession();
    const records = await readRecords(path);
    expect(records).toHaveLength(sent.length);
    for (const [i, record] of records.entries()) {
      const store = new MemoryOrderStore();
      const orderBefore = sent[i]?.orderBefore;
      if (orderBefore) await store.insert(orderBefore);
      const replayed = await replayCallback(record, { store, payeeId: PAYEE, subscribedEvents: ['paid_less'] });
      expect({ i, ...replayed }).toEqual({ i, status: record.answer.status, code: record.answer.code });
    }
  });

  it('reproduces an answer given from memory: the order was seen waiting a moment before', async () => {
    const store = new MemoryOrderStore();
    const source = new ScriptedResultSource();
    const recorder = new JsonlRecorder(path);
    const order = makeOrder();
    await store.insert(order);
    source.set(lookupFor(order), resultFor(order, { status: 'unpaid' }));
    let clock = NOW;
    const handler = createCallbackHandler({ payeeId: PAYEE, store, source, recorder, now: () => clock++ });
    for (let i = 0; i < 2; i++) await handler(buildCallbackRequest(order), { remoteAddress: '203.0.113.7' });
    await recorder.flush();
    const [looked, remembered] = await readRecords(path);
    expect(looked?.outcome).toMatchObject({ kind: 'waiting' });
    expect(remembered?.outcome).toEqual({ kind: 'recent', status: 'waiting' });
    expect(source.calls).toHaveLength(1);
    for (const record of [looked, remembered]) {
      const fresh = new MemoryOrderStore();
      await fresh.insert(order);
      expect(await replayCallback(record as NonNullable<typeof record>, { store: fresh, payeeId: PAYEE })).toEqual({
        status: 202,
        code: 'NOT_FINAL',
      });
    }
  });

  it('replaying a paid callback pays the order again, at the recorded time', async () => {
    const { record, store, order } = await replaying(0, 'paid');
    expect(await replayCallback(record, { store, payeeId: PAYEE })).toEqual({ status: 200, code: 'SUCCESS' });
    expect(await store.findByOrderId(order.orderId)).toMatchObject({ status: 'paid', updatedAt: NOW });
  });

  it('replaying the tampered paylink still refuses to pay', async () => {
    const { record, store, order } = await replaying(2, 'tampered');
    expect(await replayCallback(record, { store, payeeId: PAYEE })).toEqual({ status: 200, code: 'SUCCESS' });
    expect((await store.findByOrderId(order.orderId))?.status).toBe('suspicious');
  });

  it('tells a different answer when the code under test has changed its mind (a regression shows)', async () => {
    const { record: pendingRecord, store } = await replaying(3, 'pending');
    // Recorded without a subscription (NOT_FINAL); replayed with one, the answer differs.
    expect(pendingRecord.answer.code).toBe('NOT_FINAL');
    expect(await replayCallback(pendingRecord, { store, payeeId: PAYEE, subscribedEvents: ['pending'] })).toEqual({
      status: 200,
      code: 'SUCCESS',
    });
  });
});
