// The answers MixPay documents, and the variations seen in the wild (MIXPAY-API.md §1.1, §3.1,
// §3.3, §3.5, §10), each with the verdict a shop must reach. Every vector is served by a real
// HTTP server on loopback and goes through the kit's real MixPayClient, then its real callback
// handler and its reconciler: every tolerated variation is judged right, and nothing that
// cannot be checked ever marks an order paid. The shapes come from the docs' tables
// (packages/protocol/test/mixpay-documented.ts), not from payhook's schemas.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  documentedEnvelope,
  documentedError,
  documentedOnChainPaymentInfo,
  documentedOneTimePayment,
  documentedPaymentInfo,
  documentedPaymentProgress,
  documentedPaymentsResult,
  documentedResultShape,
  documentedShape,
  documentedTransaction,
  type ExampleIds,
  ONE_TIME_PAYMENT_FIELDS,
  PAYMENT_INFO_FIELDS,
} from '../../protocol/test/mixpay-documented.js';
import {
  createCallbackHandler,
  MemoryOrderStore,
  MixPayApiError,
  MixPayClient,
  MixPayResponseError,
  type Order,
  type OrderHooks,
  RateLimitedError,
  Reconciler,
} from '../src/index.js';
import { buildCallbackRequest } from '../src/testing.js';
import { makeOrder } from './helpers/orders.js';
import { type Responder, sendJson, startServer, type TestServer } from './helpers/server.js';

/** A UUID payee, as MixPay issues them. */
const PAYEE = '7f6e5d4c-3b2a-4190-8a7b-6c5d4e3f2a1b';
const OTHER_PAYEE = '7f6e5d4c-3b2a-4190-8a7b-6c5d4e3f2a1c';
const undashed = (id: string) => id.replaceAll('-', '');

type Verdict = 'paid' | 'waiting' | 'failed' | 'paid_less' | 'suspicious';

interface ResultVector {
  name: string;
  /** Where MIXPAY-API.md documents the shape or the variation. */
  source: string;
  /** `data` of payments_result for an order with these ids. */
  data: (ids: ExampleIds) => Record<string, unknown>;
  verdict: Verdict;
  /** A paylink order (no traceId): looked up by orderId and our payee. */
  paylink?: boolean;
}

/** The documented settled success, with `payment` (the kit asks `with=payment`). */
const documented = (ids: ExampleIds) => ({
  ...documentedPaymentsResult(ids),
  payment: documentedPaymentProgress(),
});
const patched =
  (patch: (ids: ExampleIds) => Record<string, unknown>) =>
  (ids: ExampleIds): Record<string, unknown> => ({ ...documented(ids), ...patch(ids) });
const set = (fields: Record<string, unknown>) => patched(() => fields);
const without =
  (...fields: string[]) =>
  (ids: ExampleIds) => {
    const data = documented(ids);
    for (const f of fields) delete (data as Record<string, unknown>)[f];
    return data;
  };

const SETTLE_AND_LATER_FIELDS = [
  'settleStatus',
  'settleAmount',
  'settleSymbol',
  'settleAsset',
  'settleAssetVersion',
  'quoteAssetVersion',
  'paymentAssetVersion',
  'payableSymbol',
  'payableAssetId',
  'payableAssetVersion',
  'blockExplorerUrl',
];

/** An answer from before 2023-04 (§10.4: none of SETTLE_AND_LATER_FIELDS, nor `alsoMissing`), with `fields` set. */
const olderAnswer =
  (fields: Record<string, unknown>, ...alsoMissing: string[]) =>
  (ids: ExampleIds): Record<string, unknown> => ({
    ...without(...SETTLE_AND_LATER_FIELDS, ...alsoMissing)(ids),
    ...fields,
  });

const underpaid = { isMultiPay: true, isFullyPaid: false, totalTransactionsAmount: '0.004' };

const VECTORS: ResultVector[] = [
  // The documented answers.
  { name: 'the documented success, with=payment', source: '§3.5', data: documented, verdict: 'paid' },
  {
    name: 'with=payment,transactions in the documented item shape',
    source: '§3.5 transactions[]',
    data: set({
      transactions: [documentedTransaction(), documentedTransaction({ confirmations: 1, confirmSeconds: 12 })],
    }),
    verdict: 'paid',
  },
  { name: 'transactions: [] ', source: '§3.5', data: set({ transactions: [] }), verdict: 'paid' },
  { name: 'transactions: null', source: '§10.4', data: set({ transactions: null }), verdict: 'paid' },
  { name: 'no payment object (with= ignored)', source: '§10.4', data: without('payment'), verdict: 'paid' },
  // date has no stable type (§10.1).
  { name: 'date as a float', source: '§10.1', data: set({ date: 1_656_513_302.25 }), verdict: 'paid' },
  { name: 'date as a numeric string', source: '§10.1', data: set({ date: '1656513302' }), verdict: 'paid' },
  {
    name: 'date as an ISO string',
    source: '§10.1',
    data: set({ date: '2022-06-29T14:35:02.000000Z' }),
    verdict: 'paid',
  },
  { name: 'date ""', source: '§10.1', data: set({ date: '' }), verdict: 'paid' },
  { name: 'date null', source: '§10.1', data: set({ date: null }), verdict: 'paid' },
  { name: 'no date', source: '§10.1', data: without('date'), verdict: 'paid' },
  // failureCode is a string in the docs, a number in JS (§10.2).
  { name: 'failureCode 0 (a number)', source: '§10.2', data: set({ failureCode: 0 }), verdict: 'paid' },
  { name: 'failureCode ""', source: '§10.2', data: set({ failureCode: '' }), verdict: 'paid' },
  { name: 'failureCode null', source: '§10.2', data: set({ failureCode: null }), verdict: 'paid' },
  { name: 'no failureCode', source: '§10.2', data: without('failureCode', 'failureReason'), verdict: 'paid' },
  // Fields that appeared over time (§10.4).
  {
    name: 'an answer from before 2023-04: no settle, *Version, payable* or blockExplorerUrl fields',
    source: '§10.4',
    data: without(...SETTLE_AND_LATER_FIELDS),
    verdict: 'paid',
  },
  {
    name: 'settleStatus pending, settle fields ""',
    source: '§3.5 settle*',
    data: set({ settleStatus: 'pending', settleAmount: '', settleSymbol: '', settleAsset: '', settleAssetVersion: '' }),
    verdict: 'paid',
  },
  {
    name: 'no traceId (before 2022-09): our own lookup vouches',
    source: '§10.4',
    data: without('traceId'),
    verdict: 'paid',
  },
  // Unknown fields are ignored (§10.11).
  {
    name: 'undocumented fields (nonce, remark, a future object)',
    source: '§10.11',
    data: set({ nonce: 42, remark: 'hi', futureField: { a: [1, 2] } }),
    verdict: 'paid',
  },
  {
    name: 'wrong types in fields no decision reads',
    source: '§10',
    data: set({ payeeMixinNumber: 38000008, confirmations: 'n/a', txid: null, paymentAmount: 0.01, returnTo: null }),
    verdict: 'paid',
  },
  // surplusStatus (§10.13) and confirmations (§10.14).
  ...['yes', 'pending', 'sending', 'success', 'some-future-value'].map(
    (surplusStatus): ResultVector => ({
      name: `an overpayment with surplusStatus ${surplusStatus}`,
      source: '§10.13',
      data: set({ surplusStatus, surplusAmount: '0.5' }),
      verdict: 'paid',
    }),
  ),
  { name: 'confirmations -1 on success', source: '§10.14', data: set({ confirmations: -1 }), verdict: 'paid' },
  // Amounts as decimals (§10.5) and ids as MixPay issues them (§10.6).
  {
    name: 'quoteAmount with 8 decimals (WOO)',
    source: '§10.5',
    data: set({ quoteAmount: '10.00000000' }),
    verdict: 'paid',
  },
  { name: 'payeeId in upper case', source: '§10.6', data: set({ payeeId: PAYEE.toUpperCase() }), verdict: 'paid' },
  { name: 'payeeId as 32 undashed hex', source: '§10.6', data: set({ payeeId: undashed(PAYEE) }), verdict: 'paid' },
  { name: 'quoteAssetId in upper case', source: '§10.6', data: set({ quoteAssetId: 'USD' }), verdict: 'paid' },
  {
    name: 'traceId undashed, in upper case',
    source: '§10.6',
    data: patched((ids) => ({ traceId: undashed(ids.traceId).toUpperCase() })),
    verdict: 'paid',
  },
  {
    name: 'a paylink order (no orderId in the answer)',
    source: '§3.5',
    data: documented,
    verdict: 'paid',
    paylink: true,
  },
  {
    name: 'a paylink order, payee undashed',
    source: '§10.6',
    data: set({ payeeId: undashed(PAYEE) }),
    verdict: 'paid',
    paylink: true,
  },

  // Not final (§10.3): only `success` pays.
  ...['unpaid', 'auditing', 'processing', 'refunded', 'SUCCESS', 'paid'].map(
    (status): ResultVector => ({
      name: `status ${status}`,
      source: '§10.3',
      data: set({ status, settleStatus: '', settleAmount: '', date: '' }),
      verdict: 'waiting',
    }),
  ),
  {
    name: 'pending with confirmations 0',
    source: '§3.5 status rules',
    data: set({ status: 'pending', confirmations: 0, settleStatus: '', date: '' }),
    verdict: 'waiting',
  },
  {
    name: 'pending, no settle fields, no payment object',
    source: '§10.4',
    data: olderAnswer({ status: 'pending' }, 'payment'),
    verdict: 'waiting',
  },
  {
    name: 'pending and multi-pay but fully paid',
    source: '§3.5 status rules',
    data: set({ status: 'pending', payment: documentedPaymentProgress('0.010013', true, true) }),
    verdict: 'waiting',
  },
  // Underpaid (§3.5 status rules).
  {
    name: 'pending, isMultiPay, not fully paid',
    source: '§3.5 status rules',
    data: set({ status: 'pending', settleStatus: '', payment: underpaid }),
    verdict: 'paid_less',
  },
  {
    name: 'paid_less without settle fields, failureCode a number',
    source: '§10.2, §10.4',
    data: olderAnswer({ status: 'pending', failureCode: 0, payment: underpaid }),
    verdict: 'paid_less',
  },
  // Failed (§8.2).
  {
    name: 'failed 40000 "Payment overtime"',
    source: '§8.2',
    data: set({ status: 'failed', failureCode: '40000', failureReason: 'Payment overtime', settleStatus: '' }),
    verdict: 'failed',
  },
  {
    name: 'failed, failureCode 40024 as a number, no settle fields, date ""',
    source: '§10.2',
    data: olderAnswer({ status: 'failed', failureCode: 40024, failureReason: 'Wrong Amount paid', date: '' }),
    verdict: 'failed',
  },

  // Fail closed (§10.4, §3.5 status rules): never paid.
  {
    name: 'success without payeeId (before 2023-01)',
    source: '§10.4',
    data: without('payeeId'),
    verdict: 'suspicious',
  },
  {
    name: 'success without quoteAssetId (before 2022-12)',
    source: '§10.4',
    data: without('quoteAssetId'),
    verdict: 'suspicious',
  },
  { name: 'success without quoteAmount', source: '§10.4', data: without('quoteAmount'), verdict: 'suspicious' },
  {
    name: 'an answer from 2022: none of payeeId, quoteAssetId, paymentAssetId, traceId',
    source: '§10.4',
    data: without('payeeId', 'quoteAssetId', 'paymentAssetId', 'traceId', ...SETTLE_AND_LATER_FIELDS),
    verdict: 'suspicious',
  },
  { name: 'payeeId null', source: '§10.4', data: set({ payeeId: null }), verdict: 'suspicious' },
  { name: 'payeeId ""', source: '§10.4', data: set({ payeeId: '' }), verdict: 'suspicious' },
  { name: 'payeeId a number', source: '§10.4', data: set({ payeeId: 7 }), verdict: 'suspicious' },
  { name: 'quoteAmount ""', source: '§10.4', data: set({ quoteAmount: '' }), verdict: 'suspicious' },
  { name: 'quoteAmount a JSON number', source: '§10.5', data: set({ quoteAmount: 10 }), verdict: 'suspicious' },
  { name: 'quoteAmount with an exponent', source: '§10.5', data: set({ quoteAmount: '1e1' }), verdict: 'suspicious' },
  { name: 'quoteAssetId null', source: '§10.4', data: set({ quoteAssetId: null }), verdict: 'suspicious' },
  { name: 'another payee', source: '§3.5', data: set({ payeeId: OTHER_PAYEE }), verdict: 'suspicious' },
  {
    name: 'another payee, undashed',
    source: '§10.6',
    data: set({ payeeId: undashed(OTHER_PAYEE) }),
    verdict: 'suspicious',
  },
  {
    name: 'the tampered paylink: 0.01 paid for 10',
    source: 'SPEC §4',
    data: set({ quoteAmount: '0.01' }),
    verdict: 'suspicious',
  },
  {
    name: 'quoteAmount off by 1e-9',
    source: '§10.5',
    data: set({ quoteAmount: '10.000000001' }),
    verdict: 'suspicious',
  },
  { name: 'another quote asset', source: '§3.5', data: set({ quoteAssetId: 'eur' }), verdict: 'suspicious' },
  {
    name: "another payment's traceId",
    source: '§3.5',
    data: set({ traceId: '0b1f3a2e-6c2d-4a59-9a51-7f0c1e2d3b4a' }),
    verdict: 'suspicious',
  },
  {
    name: 'a paylink order paid to another payee',
    source: '§5',
    data: set({ payeeId: OTHER_PAYEE }),
    verdict: 'suspicious',
    paylink: true,
  },
  {
    name: 'failed, for another payee: suspicious, never failed',
    source: '§3.5',
    data: set({ status: 'failed', failureCode: '40020', payeeId: OTHER_PAYEE }),
    verdict: 'suspicious',
  },
];

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});

let counter = 0;
function newOrder(paylink = false): Order {
  counter += 1;
  return makeOrder({
    orderId: `vector-${String(counter).padStart(4, '0')}`,
    traceId: paylink ? null : crypto.randomUUID(),
    payeeId: PAYEE,
    paymentUrl: null,
  });
}

const idsOf = (order: Order): ExampleIds => ({
  payeeId: order.payeeId,
  traceId: order.traceId ?? '5a3e1c9e-2f4b-4d6a-9c1e-7b8d0f2a4c6e',
  quoteAmount: order.amount,
  quoteAssetId: order.assetId,
});

function hooks() {
  return {
    onPaid: vi.fn(),
    onFailed: vi.fn(),
    onPaidLess: vi.fn(),
    onSettled: vi.fn(),
    onMismatch: vi.fn(),
  } satisfies OrderHooks;
}

/** A client of its own per run: a server-side 1429 pauses only that client. */
const client = () => new MixPayClient({ baseUrl: `${server.origin}/v1`, timeoutMs: 5_000, requestsPerMinute: 100_000 });

async function withStore(order: Order) {
  const store = new MemoryOrderStore();
  await store.insert(order);
  return store;
}

async function callback(order: Order, respond: Responder) {
  server.respond(respond);
  const store = await withStore(order);
  const h = hooks();
  const handler = createCallbackHandler({ payeeId: PAYEE, store, source: client(), hooks: h });
  const hitsBefore = server.hits.length;
  const response = await handler(buildCallbackRequest({ ...order, traceId: order.traceId ?? '' }));
  const after = await store.findByOrderId(order.orderId);
  return {
    status: response.status,
    code: ((await response.json()) as { code: string }).code,
    order: after?.status,
    hooks: h,
    lookups: server.hits.slice(hitsBefore).map((hit) => new URL(hit.url, server.origin)),
  };
}

async function reconcile(order: Order, respond: Responder) {
  server.respond(respond);
  const store = await withStore(order);
  const h = hooks();
  const errors: unknown[] = [];
  const reconciler = new Reconciler({
    store,
    source: client(),
    hooks: h,
    olderThanMs: 0,
    onError: (error) => errors.push(error),
  });
  const pass = await reconciler.runOnce();
  return { pass, order: (await store.findByOrderId(order.orderId))?.status, hooks: h, errors };
}

const answering =
  (body: unknown, status = 200, headers: Record<string, string> = {}): Responder =>
  (_hit, res) =>
    sendJson(res, status, body, headers);

const EXPECTED: Record<Verdict, { status: number; code: string; order: Order['status'] }> = {
  paid: { status: 200, code: 'SUCCESS', order: 'paid' },
  failed: { status: 200, code: 'SUCCESS', order: 'failed' },
  // A result that cannot be judged is recorded as suspicious (final, for a human to look at) and
  // acknowledged, so MixPay stops resending it; it never pays and never retries for ever.
  suspicious: { status: 200, code: 'SUCCESS', order: 'suspicious' },
  waiting: { status: 202, code: 'NOT_FINAL', order: 'waiting' },
  paid_less: { status: 202, code: 'NOT_FINAL', order: 'waiting' },
};

describe('payments_result vectors through the real client and callback handler', () => {
  it.each(VECTORS.map((v) => [`${v.name} (${v.source}) → ${v.verdict}`, v] as const))('%s', async (_title, vector) => {
    const order = newOrder(vector.paylink);
    const run = await callback(order, answering(documentedEnvelope(vector.data(idsOf(order)))));
    const expected = EXPECTED[vector.verdict];
    expect({ status: run.status, code: run.code, order: run.order }).toEqual(expected);

    // Looked up once, with the order's own identifiers, asking for the payment object.
    expect(run.lookups).toHaveLength(1);
    const query = Object.fromEntries(run.lookups[0]?.searchParams ?? []);
    expect(run.lookups[0]?.pathname).toBe('/v1/payments_result');
    expect(query).toEqual(
      order.traceId
        ? { traceId: order.traceId, with: 'payment' }
        : { orderId: order.orderId, payeeId: PAYEE, with: 'payment' },
    );

    expect(run.hooks.onPaid).toHaveBeenCalledTimes(vector.verdict === 'paid' ? 1 : 0);
    expect(run.hooks.onFailed).toHaveBeenCalledTimes(vector.verdict === 'failed' ? 1 : 0);
    expect(run.hooks.onMismatch).toHaveBeenCalledTimes(vector.verdict === 'suspicious' ? 1 : 0);
    expect(run.hooks.onPaidLess).toHaveBeenCalledTimes(vector.verdict === 'paid_less' ? 1 : 0);
  });

  it('hands the shop decoded values: date in Unix seconds or null, failureCode as an integer string', async () => {
    const cases: [unknown, number | null][] = [
      [1_656_513_302, 1_656_513_302],
      [1_656_513_302.25, 1_656_513_302.25],
      ['1656513302', 1_656_513_302],
      ['2022-06-29T14:35:02.000000Z', 1_656_513_302],
      ['', null],
      [null, null],
    ];
    for (const [date, seconds] of cases) {
      const order = newOrder();
      const run = await callback(order, answering(documentedEnvelope(set({ date })(idsOf(order)))));
      expect(run.hooks.onPaid.mock.calls[0]?.[1].date, `date ${JSON.stringify(date)}`).toBe(seconds);
    }
    const order = newOrder();
    const failed = set({ status: 'failed', failureCode: 40000, failureReason: 'Payment overtime' })(idsOf(order));
    const run = await callback(order, answering(documentedEnvelope(failed)));
    expect(run.hooks.onFailed.mock.calls[0]?.[1]).toMatchObject({
      failureCode: '40000',
      failureReason: 'Payment overtime',
    });
  });

  it('tells the shop what an underpaying payer still owes: payableAmount − totalTransactionsAmount', async () => {
    const order = newOrder();
    const data = set({ status: 'pending', payableAmount: '0.010013', payment: underpaid })(idsOf(order));
    const run = await callback(order, answering(documentedEnvelope(data)));
    expect(run.hooks.onPaidLess.mock.calls[0]?.[2]).toMatchObject({ paidAmount: '0.004', remainingAmount: '0.006013' });
  });

  it('keeps the documented transactions items as sent', async () => {
    const order = newOrder();
    const item = documentedTransaction();
    const run = await callback(order, answering(documentedEnvelope(set({ transactions: [item] })(idsOf(order)))));
    expect(run.hooks.onPaid.mock.calls[0]?.[1].transactions).toEqual([item]);
  });
});

describe('payments_result vectors through the reconciler', () => {
  const KIND: Record<Verdict, string> = {
    paid: 'paid',
    failed: 'failed',
    suspicious: 'suspicious',
    waiting: 'waiting',
    paid_less: 'paid_less',
  };

  it.each(VECTORS.map((v) => [`${v.name} → ${v.verdict}`, v] as const))('%s', async (_title, vector) => {
    const order = newOrder(vector.paylink);
    const run = await reconcile(order, answering(documentedEnvelope(vector.data(idsOf(order)))));
    expect(run.errors).toEqual([]);
    expect(run.pass.checked).toBe(1);
    expect(run.pass.outcomes[KIND[vector.verdict] as keyof typeof run.pass.outcomes]).toBe(1);
    expect(run.order).toBe(EXPECTED[vector.verdict].order);
    if (vector.verdict !== 'paid') expect(run.hooks.onPaid).not.toHaveBeenCalled();
  });
});

interface EnvelopeVector {
  name: string;
  respond: Responder;
  error: typeof MixPayApiError | typeof MixPayResponseError | typeof RateLimitedError;
  fields?: Record<string, unknown>;
}

const raw =
  (status: number, body: string, headers: Record<string, string> = {}): Responder =>
  (_hit, res) => {
    res.writeHead(status, headers);
    res.end(body);
  };

const ENVELOPE_VECTORS: EnvelopeVector[] = [
  {
    name: '200 + success:false, data [] (§1.2: business errors may come with 200)',
    respond: answering(documentedError(10011, 'parameter error')),
    error: MixPayApiError,
    fields: { code: 10011, httpStatus: 200, retryable: false },
  },
  {
    name: '200 + the documented 10008 error',
    respond: answering(documentedError()),
    error: MixPayApiError,
    fields: { code: 10008, httpStatus: 200 },
  },
  {
    name: '200 + success:false with data {} instead of []',
    respond: answering({ ...documentedError(10002, 'asset'), data: {} }),
    error: MixPayApiError,
    fields: { code: 10002 },
  },
  {
    name: '400 + envelope',
    respond: answering(documentedError(10011, 'traceId: must be a UUID'), 400),
    error: MixPayApiError,
    fields: { code: 10011, httpStatus: 400, retryable: false },
  },
  {
    name: '404 + envelope (payment not found)',
    respond: answering(documentedError(404, 'not found'), 404),
    error: MixPayApiError,
    fields: { code: 404, httpStatus: 404 },
  },
  {
    name: '500 + envelope -1',
    respond: answering(documentedError(-1, 'server error'), 500),
    error: MixPayApiError,
    fields: { code: -1, httpStatus: 500, retryable: true },
  },
  {
    name: '502 + an HTML page (code = the HTTP status, as pandodao/mixpay-go does)',
    respond: raw(502, '<html><body>502 Bad Gateway</body></html>', { 'content-type': 'text/html' }),
    error: MixPayApiError,
    fields: { code: 502, httpStatus: 502, retryable: true },
  },
  {
    name: '503 with an empty body',
    respond: raw(503, ''),
    error: MixPayApiError,
    fields: { code: 503, retryable: true },
  },
  {
    name: '500 + a success envelope (a non-2xx status is a failure)',
    respond: answering(documentedEnvelope(documentedPaymentsResult(idsOf(newOrder()))), 500),
    error: MixPayApiError,
    fields: { code: 500, httpStatus: 500 },
  },
  {
    name: '200 + success:true with a non-zero code',
    respond: answering({ ...documentedEnvelope({}), code: 10008 }),
    error: MixPayApiError,
    fields: { code: 10008 },
  },
  {
    name: '1429 with 200',
    respond: answering(documentedError(1429, 'request frequency too high')),
    error: RateLimitedError,
    fields: { source: 'server', retryAfterMs: 60_000 },
  },
  {
    name: '1429 with 429',
    respond: answering(documentedError(1429, 'request frequency too high'), 429, { 'retry-after': '20' }),
    error: RateLimitedError,
    fields: { source: 'server', retryAfterMs: 20_000 },
  },
  {
    name: '429 with an HTML page',
    respond: raw(429, '<html>Too Many Requests</html>', { 'content-type': 'text/html' }),
    error: RateLimitedError,
    fields: { source: 'server' },
  },
  {
    name: '200 + success with data [] (an error body dressed as success)',
    respond: answering(documentedEnvelope([])),
    error: MixPayResponseError,
  },
  {
    name: '200 + JSON that is no envelope',
    respond: answering({ status: 'success' }),
    error: MixPayResponseError,
  },
];

describe('envelope vectors: the client decodes the envelope whatever the status', () => {
  it.each(ENVELOPE_VECTORS.map((v) => [v.name, v] as const))('%s', async (_title, vector) => {
    const order = newOrder();
    server.respond(vector.respond);
    const error = await client()
      .getPaymentResult({ traceId: order.traceId as string })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(vector.error);
    if (vector.fields) expect(error).toMatchObject(vector.fields);

    // The callback cannot be verified: 503, the order untouched, MixPay will come back.
    const run = await callback(order, vector.respond);
    expect({ status: run.status, code: run.code, order: run.order }).toEqual({
      status: 503,
      code: 'RETRY_LATER',
      order: 'waiting',
    });
    expect(run.hooks.onPaid).not.toHaveBeenCalled();

    const pass = await reconcile(order, vector.respond);
    expect(pass.pass.outcomes.error).toBe(1);
    expect(pass.order).toBe('waiting');
    expect(pass.errors[0]).toBeInstanceOf(vector.error);
  });
});

describe('the other answers the kit decodes (§3.1, §3.3, §3.4)', () => {
  const ids = idsOf({ ...newOrder(), traceId: '5a3e1c9e-2f4b-4d6a-9c1e-7b8d0f2a4c6e' });
  const params = {
    payeeId: PAYEE,
    quoteAmount: '10',
    quoteAssetId: 'usd',
    settlementAssetId: ids.traceId,
    paymentAssetId: ids.traceId,
  };

  it('one_time_payment: MixPay answers only {code}, and the code is the traceId', async () => {
    const code = crypto.randomUUID();
    server.respond(answering(documentedEnvelope(documentedOneTimePayment(code))));
    expect(await client().createOneTimePayment(params)).toEqual({
      code,
      traceId: code,
      paymentUrl: `https://mixpay.me/code/${code}`,
    });
    server.respond(answering(documentedEnvelope({ code, codeUrl: 'https://mixpay.me/code/x' })));
    expect((await client().createOneTimePayment(params)).traceId).toBe(code);
  });

  it('payments: the documented Mixin answer decodes, and so does the on-chain one (no orderId, empty memo)', async () => {
    server.respond(answering(documentedEnvelope(documentedPaymentInfo(ids))));
    expect(await client().createPayment(params)).toMatchObject({
      traceId: ids.traceId,
      payeeId: PAYEE,
      expire: 1_659_340_995,
      seconds: 60,
      isChain: false,
      paymentAmount: '0.00593523',
      recipient: '3539c3ce-52c0-4b0b-9573-c035ecb98d48',
    });
    server.respond(answering(documentedEnvelope(documentedOnChainPaymentInfo(ids))));
    expect(await client().createPayment(params)).toMatchObject({
      isChain: true,
      memo: '',
      destination: expect.any(String),
    });
  });

  it.each([
    ['an expire already past (§10.18)', { expire: 1_000_000_000 }, 1_000_000_000],
    ['no expire (§10.18)', { expire: undefined }, undefined],
    ['expire as a string', { expire: '1659340995' }, 1_659_340_995],
    ['expire ""', { expire: '' }, undefined],
  ])('payments_info with %s decodes (refresh is the shop’s call)', async (_name, patch, expire) => {
    server.respond(answering(documentedEnvelope({ ...documentedPaymentInfo(ids), ...patch })));
    const info = await client().getPaymentsInfo(ids.traceId);
    expect(info.traceId).toBe(ids.traceId);
    expect(info.expire).toBe(expire);
  });

  it('a payments answer without a traceId is refused: the payment could never be looked up', async () => {
    const { traceId: _gone, ...info } = documentedPaymentInfo(ids);
    server.respond(answering(documentedEnvelope(info)));
    await expect(client().createPayment(params)).rejects.toBeInstanceOf(MixPayResponseError);
  });
});

describe('the documented shapes themselves', () => {
  it('every documented example has every documented field with its documented type', () => {
    const ids = idsOf(newOrder());
    expect(
      documentedResultShape({
        ...documentedPaymentsResult(ids),
        payment: documentedPaymentProgress(),
        transactions: [documentedTransaction()],
      }),
    ).toEqual([]);
    expect(documentedShape(PAYMENT_INFO_FIELDS, documentedPaymentInfo(ids))).toEqual([]);
    expect(documentedShape(PAYMENT_INFO_FIELDS, documentedOnChainPaymentInfo(ids))).toEqual([]);
    expect(documentedShape(ONE_TIME_PAYMENT_FIELDS, documentedOneTimePayment(ids.traceId))).toEqual([]);
  });

  it('documentedShape names what is missing and what has another type', () => {
    const ids = idsOf(newOrder());
    const { payeeId: _gone, ...data } = documentedPaymentsResult(ids);
    expect(
      documentedResultShape({
        ...data,
        date: '1656513302',
        failureCode: 0,
        transactions: [{ txid: 'x', amount: '1' }],
      }),
    ).toEqual(
      expect.arrayContaining([
        { path: 'payeeId', problem: 'missing', expected: 'string' },
        { path: 'date', problem: 'type', expected: 'integer', actual: 'string' },
        { path: 'failureCode', problem: 'type', expected: 'string', actual: 'integer' },
        { path: 'transactions.0.paymentAmount', problem: 'missing', expected: 'decimal' },
      ]),
    );
  });
});
