// Property-based fuzzing of every public, sandbox and admin route with fast-check, through
// inject(): thousands of generated bodies (JSON, form, raw bytes under any content type), query
// strings and path segments, near-valid and hostile. Whatever arrives, the gateway answers below
// 500, in MixPay's envelope (or, for browser routes, a page or a redirect), and a refused request
// changes nothing stored. Seeded: FUZZ_SEED reproduces a run (a failure prints its seed and
// path), FUZZ_RUNS scales it (default sized for CI: well under a minute per backend).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paymentBody as validPayment } from '../../../test-support/fixtures.js';
import { ManualClock } from '../src/clock.js';
import { call, expectOk } from './helpers/api.js';
import { type Fingerprinter, fingerprinter } from './helpers/fingerprint.js';
import { startTestGateway, type TestGateway, USDT_ID } from './helpers/gateway.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20_260_101);
const RUNS = Number(process.env.FUZZ_RUNS ?? 1500);
/** Generous: the runs take ~10 s per backend on an idle machine, and CI shares two cores. */
const TIMEOUT_MS = 180_000;
const TOKEN = 'fuzz-admin-token-0123456789';
const BTC_ID = 'c6d0c728-2624-429b-8e0d-d9d19b6592fa';

let gw: TestGateway;
let state: Fingerprinter;
/** Identifiers of real payments, so generated requests also hit existing rows. */
const known = { traceIds: [] as string[], codes: [] as string[], txids: [] as string[], deliveryIds: [] as string[] };

beforeAll(async () => {
  // A fixed clock: whether a generated expiredTimestamp is valid must not depend on the day.
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
  gw = await startTestGateway(
    { PAYHOOK_ADMIN_TOKEN: TOKEN, PAYHOOK_SETTLE_DELAY: '3600' },
    { clock },
    { listen: false },
  );
  const base = validPayment({ callbackUrl: 'http://127.0.0.1:9/callback' });
  const unpaid = await gw.createPayment({ ...base, orderId: 'fuzz-unpaid' });
  const confirming = await gw.createPayment({ ...base, orderId: 'fuzz-confirming', paymentAssetId: BTC_ID });
  const paid = await gw.createPayment({ ...base, orderId: 'fuzz-paid' });
  const oneTime = expectOk(await call(gw, 'POST', '/v1/one_time_payment', { json: { ...base, orderId: 'fuzz-code' } }));
  const t1 = expectOk(
    await call(gw, 'POST', '/v1/sandbox/transfers', {
      token: TOKEN,
      json: { traceId: confirming.traceId, confirmations: 0 },
    }),
  );
  const t2 = expectOk(
    await call(gw, 'POST', '/v1/sandbox/transfers', { token: TOKEN, json: { traceId: paid.traceId } }),
  );
  known.traceIds.push(unpaid.traceId, confirming.traceId, paid.traceId, oneTime.traceId);
  known.codes.push(oneTime.code);
  known.txids.push(t1.transfer.txid, t2.transfer.txid);
  const deliveries = expectOk(await call(gw, 'GET', '/admin/deliveries', { token: TOKEN }));
  known.deliveryIds.push(...deliveries.map((d: { id: string }) => d.id));
  state = await fingerprinter(gw.database);
});

afterAll(async () => {
  await state?.close();
  await gw?.close();
});

// ---- generators -------------------------------------------------------------------------

const hostileStrings = fc.constantFrom(
  '',
  ' ',
  '0',
  '-1',
  '10',
  '10.00',
  '0.00000001',
  '1e3',
  'NaN',
  'Infinity',
  '10.',
  '.5',
  ' 10',
  '١٠',
  '10\u0000',
  'null',
  'true',
  '__proto__',
  'constructor',
  'usd',
  USDT_ID,
  BTC_ID,
  '6f1c2b3a-5d4e-4f60-8a7b-9c0d1e2f3a4b',
  '6F1C2B3A-5D4E-4F60-8A7B-9C0D1E2F3A4B',
  'payee-1',
  'order-123456',
  'https://shop.example/cb',
  'http://127.0.0.1:1/cb',
  'http://169.254.169.254/latest',
  'javascript:alert(1)',
  'pending|settle',
  'settle|bogus',
  'success',
  'payment,transactions',
  '<script>alert(1)</script>',
  "' or 1=1 --",
  '%00',
  '../../etc/passwd',
  'x'.repeat(300),
  'é'.repeat(70),
  '\u{1F4B8}'.repeat(10),
);

const text = fc.oneof(
  { weight: 3, arbitrary: hostileStrings },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
);

/** Any JSON value, biased to short strings. */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: text },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.array(text, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(text, text, { maxKeys: 3 }) },
);

const known$ = (pick: () => string[]) =>
  fc.integer({ min: 0, max: 1000 }).map((i) => pick()[i % pick().length] as string);
const traceId = fc.oneof(
  known$(() => known.traceIds),
  fc.uuid().map(String),
  text,
);
const orderId = fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{6,36}$/), fc.constantFrom('fuzz-unpaid', 'fuzz-paid'), text);
const asset = fc.constantFrom('usd', USDT_ID, BTC_ID, '43d61dcd-e413-450d-80b8-101d5e903357', 'eth', '');
const amount = fc.oneof(
  fc.constantFrom('10', '0.5', '1000000', '3.14159265', '0', '-5', '1e2', '10.000000001'),
  fc.double().map(String),
  fc.integer().map(String),
);

/** A value for a known field: mostly plausible, sometimes anything at all. */
const field = (plausible: fc.Arbitrary<unknown>) =>
  fc.oneof({ weight: 3, arbitrary: plausible }, { weight: 1, arbitrary: anyValue });

const paymentFields = {
  payeeId: fc.constantFrom('payee-1', 'payee-2', 'payee-fuzz'),
  orderId,
  traceId: fc.uuid().map(String),
  quoteAmount: amount,
  quoteAssetId: asset,
  paymentAssetId: asset,
  settlementAssetId: asset,
  callbackUrl: fc.constantFrom('http://127.0.0.1:9/cb', 'https://shop.example/cb', 'ftp://x/y'),
  callbackEvent: fc.constantFrom('pending', 'settle|paid_less', 'pending|bogus', ''),
  expiredTimestamp: fc.integer({ min: 1_767_268_000, max: 1_767_500_000 }),
  returnTo: fc.constantFrom('https://shop.example/ok', 'javascript:x'),
  remark: fc.string({ maxLength: 60 }),
  settlementMemo: fc.string({ maxLength: 210 }),
  strictMode: fc.constantFrom(true, false, '1', '0', 'yes'),
  isTemp: fc.constantFrom(1, '1', true),
};

const paymentBody = fc.record(
  { ...Object.fromEntries(Object.entries(paymentFields).map(([k, a]) => [k, field(a)])), extra: anyValue },
  { requiredKeys: [] },
);

const contentTypes = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/x-www-form-urlencoded',
  'text/plain',
  'application/xml',
  'multipart/form-data; boundary=zz',
  'application/octet-stream',
  'application/json; charset=utf-16',
  'APPLICATION/JSON',
  undefined,
);

/** A request body in any of the ways a client (or an attacker) might send one. */
const body = (values: fc.Arbitrary<Record<string, unknown>>) =>
  fc.oneof(
    values.map((v) => ({ payload: JSON.stringify(v), contentType: 'application/json' as string | undefined })),
    values.map((v) => ({ payload: formOf(v), contentType: 'application/x-www-form-urlencoded' as string | undefined })),
    fc.record({
      payload: fc.oneof(
        fc.string({ maxLength: 200 }),
        fc.jsonValue().map((v) => JSON.stringify(v)),
        values.map((v) => JSON.stringify(v).slice(0, -1)), // truncated JSON
        fc.constant('{"__proto__":{"polluted":1},"payeeId":"payee-1"}'),
        fc.constant(`{"remark":"${'x'.repeat(70_000)}"}`), // over the body limit
      ),
      contentType: contentTypes,
    }),
  );

function formOf(values: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) {
    for (const v of Array.isArray(value) ? value : [value]) {
      params.append(key, typeof v === 'string' ? v : (JSON.stringify(v) ?? ''));
    }
  }
  return params.toString();
}

/** A query string: known keys with plausible or wild values, repeated keys, or raw characters. */
const query = (keys: Record<string, fc.Arbitrary<unknown>>) =>
  fc.oneof(
    fc
      .record(Object.fromEntries(Object.entries(keys).map(([k, a]) => [k, field(a)])), { requiredKeys: [] })
      .map(formOf),
    fc
      .array(fc.tuple(fc.constantFrom(...Object.keys(keys), 'with', 'x'), text), { maxLength: 5 })
      .map((pairs) => new URLSearchParams(pairs.map(([k, v]): [string, string] => [k, String(v)])).toString()),
    fc.string({ unit: fc.constantFrom('a', '=', '&', '%', '2', 'F', '[', ']', '+', '.', ',', 'é', 'traceId', 'with') }),
  );

const segment = (plausible: fc.Arbitrary<string>) =>
  fc
    .oneof({ weight: 3, arbitrary: plausible }, { weight: 1, arbitrary: text })
    .map((s) => encodeURIComponent(s) || 'x');

const credentials = fc.constantFrom<Record<string, string>>(
  { authorization: `Bearer ${TOKEN}` },
  { authorization: `Bearer ${TOKEN}` },
  { authorization: `Bearer ${TOKEN}` },
  {},
  { authorization: 'Bearer wrong-token-0123456789' },
  { authorization: TOKEN },
);
const accept = fc.constantFrom('application/json', 'text/html,application/xhtml+xml', '*/*', undefined);

interface FuzzRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  payload?: string;
  contentType?: string | undefined;
  headers?: Record<string, string | undefined>;
}

// ---- the property -----------------------------------------------------------------------

/** Routes that may answer a page or a redirect instead of the envelope. */
const BROWSER = /^\/(pay|code|checkout|dashboard)(\/|\?|$)|^\/\?|^\/$/;

async function check(req: FuzzRequest): Promise<void> {
  const before = await state.take();
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...req.headers, 'content-type': req.contentType })) {
    if (value !== undefined) headers[name] = value;
  }
  const res = await gw.gateway.app.inject({
    method: req.method,
    url: req.url,
    headers,
    ...(req.payload === undefined ? {} : { payload: req.payload }),
  });
  const what = `${req.method} ${req.url} (${res.statusCode}) ${res.body.slice(0, 300)}`;
  expect(res.statusCode, what).toBeLessThan(500);
  const type = String(res.headers['content-type'] ?? '');
  let refused: boolean;
  if (res.statusCode >= 300 && res.statusCode < 400) {
    expect(BROWSER.test(req.url), what).toBe(true);
    expect(res.headers.location, what).toBeTruthy();
    refused = false;
  } else if (type.startsWith('text/html')) {
    expect(BROWSER.test(req.url), what).toBe(true);
    expect(res.body, what).toMatch(/^<!doctype html>/i);
    refused = res.statusCode >= 400;
  } else {
    expect(type, what).toMatch(/^application\/json/);
    const envelope = JSON.parse(res.body) as Record<string, unknown>;
    expect(Object.keys(envelope).sort(), what).toEqual(['code', 'data', 'message', 'success', 'timestampMs']);
    expect(Number.isInteger(envelope.code), what).toBe(true);
    expect(typeof envelope.message, what).toBe('string');
    expect(Number.isInteger(envelope.timestampMs), what).toBe(true);
    if (envelope.success === true) {
      expect(envelope.code, what).toBe(0);
      expect(res.statusCode, what).toBe(200);
    } else {
      expect(envelope.success, what).toBe(false);
      expect(envelope.code, what).not.toBe(0);
      expect(envelope.data, what).toEqual([]);
      expect(res.statusCode, what).toBeGreaterThanOrEqual(400);
    }
    refused = envelope.success === false;
  }
  if (refused) expect(await state.take(), `a refused request changed stored state: ${what}`).toBe(before);
}

async function fuzz(requests: fc.Arbitrary<FuzzRequest>, runs = RUNS): Promise<void> {
  await fc.assert(
    fc.asyncProperty(requests, check),
    // The failure message carries the seed and the path to replay the shrunk case.
    { seed: SEED, numRuns: runs, verbose: 1 },
  );
}

const paymentsResultKeys = {
  traceId,
  orderId,
  payeeId: fc.constantFrom('payee-1', 'payee-2'),
  with: fc.constantFrom('payment', 'transactions', 'payment,transactions', 'bogus'),
};

describe(`fuzzing (seed ${SEED}, ${RUNS} runs per route group)`, () => {
  it(
    'the public API: POST /v1/payments and /v1/one_time_payment',
    async () => {
      await fuzz(
        fc
          .record({ route: fc.constantFrom('/v1/payments', '/v1/one_time_payment'), body: body(paymentBody) })
          .map(({ route, body: b }) => ({ method: 'POST' as const, url: route, ...b })),
        RUNS * 2,
      );
    },
    TIMEOUT_MS,
  );

  it(
    'the public API: GET /v1/payments_result and /v1/payments_info',
    async () => {
      await fuzz(
        fc.oneof(
          query(paymentsResultKeys).map((q) => ({ method: 'GET' as const, url: `/v1/payments_result?${q}` })),
          query({
            traceId,
            code: fc.oneof(
              known$(() => known.codes),
              text,
            ),
            clientId: text,
          }).map((q) => ({
            method: 'GET' as const,
            url: `/v1/payments_info?${q}`,
          })),
        ),
      );
    },
    TIMEOUT_MS,
  );

  it(
    'the browser routes: /pay, /code/:code, /checkout/:traceId and its sandbox forms',
    async () => {
      const form = fc.record(
        {
          amount: field(amount),
          assetId: field(asset),
          confirmations: field(fc.integer({ min: -1, max: 10 }).map(String)),
        },
        { requiredKeys: [] },
      );
      await fuzz(
        fc.oneof(
          fc
            .tuple(query(paymentFields), accept)
            .map(([q, a]) => ({ method: 'GET' as const, url: `/pay?${q}`, headers: { accept: a } })),
          fc.tuple(segment(known$(() => known.codes)), accept).map(([code, a]) => ({
            method: 'GET' as const,
            url: `/code/${code}`,
            headers: { accept: a },
          })),
          fc.tuple(segment(traceId as fc.Arbitrary<string>), accept).map(([t, a]) => ({
            method: 'GET' as const,
            url: `/checkout/${t}`,
            headers: { accept: a },
          })),
          fc
            .tuple(
              segment(traceId as fc.Arbitrary<string>),
              fc.constantFrom('pay', 'expire', `transfers/${known.txids[0] ?? 'x'}/confirmations`),
              body(form),
              fc.constantFrom('http://localhost', 'http://evil.example', undefined),
              accept,
            )
            .map(([t, action, b, origin, a]) => ({
              method: 'POST' as const,
              url: `/checkout/${t}/${action}`,
              ...b,
              headers: { origin, accept: a },
            })),
        ),
      );
    },
    TIMEOUT_MS,
  );

  it(
    'the sandbox API',
    async () => {
      const transfer = fc.record(
        {
          traceId: field(traceId),
          code: field(known$(() => known.codes)),
          txid: field(fc.stringMatching(/^[A-Za-z0-9_.:-]{1,20}$/)),
          amount: field(amount),
          assetId: field(asset),
          confirmations: field(fc.integer({ min: -2, max: 20 })),
        },
        { requiredKeys: [] },
      );
      await fuzz(
        fc.oneof(
          fc.tuple(body(transfer), credentials).map(([b, h]) => ({
            method: 'POST' as const,
            url: '/v1/sandbox/transfers',
            ...b,
            headers: h,
          })),
          fc
            .tuple(
              segment(known$(() => known.txids)),
              body(fc.record({ confirmations: field(fc.integer({ min: -1, max: 20 })) }, { requiredKeys: [] })),
              credentials,
            )
            .map(([txid, b, h]) => ({
              method: 'POST' as const,
              url: `/v1/sandbox/transfers/${txid}/confirmations`,
              ...b,
              headers: h,
            })),
          fc
            .tuple(segment(traceId as fc.Arbitrary<string>), fc.constantFrom('expire', 'settle'), credentials)
            .map(([t, action, h]) => ({
              method: 'POST' as const,
              url: `/v1/sandbox/payments/${t}/${action}`,
              headers: h,
            })),
          credentials.map((h) => ({ method: 'GET' as const, url: '/v1/sandbox/assets', headers: h })),
        ),
      );
    },
    TIMEOUT_MS,
  );

  it(
    'the admin API, with and without the token',
    async () => {
      const listQuery = query({
        status: fc.constantFrom('unpaid', 'success', 'bogus'),
        search: text,
        deliveryState: fc.constantFrom('pending', 'retrying', 'exhausted', 'x'),
        state: fc.constantFrom('pending', 'delivered', 'nope'),
        limit: fc.integer({ min: -5, max: 600 }),
        before: text,
        after: text,
        traceId,
        minutes: fc.integer({ min: -1, max: 20_000 }),
        bucketSeconds: fc.integer({ min: -1, max: 100_000 }),
        host: text,
        url: fc.oneof(fc.constantFrom('http://127.0.0.1:9/callback', 'https://x.example'), text),
      });
      const deliveryId = segment(
        fc.oneof(
          known$(() => known.deliveryIds),
          text,
        ),
      );
      await fuzz(
        fc.oneof(
          fc
            .tuple(
              fc.constantFrom(
                '/admin/payments',
                '/admin/deliveries',
                '/admin/attempts',
                '/admin/stats',
                '/admin/stats/timeline',
                '/admin/endpoints',
                '/admin/endpoints/health',
                '/admin/recoveries',
                '/admin/payees/secrets',
                '/dashboard/payments',
                '/dashboard/signing',
                '/dashboard/endpoints',
                '/dashboard/recover',
              ),
              listQuery,
              credentials,
            )
            .map(([path, q, h]) => ({ method: 'GET' as const, url: `${path}?${q}`, headers: h })),
          fc.tuple(segment(traceId as fc.Arbitrary<string>), credentials).map(([t, h]) => ({
            method: 'GET' as const,
            url: `/admin/payments/${t}`,
            headers: h,
          })),
          fc.tuple(deliveryId, fc.constantFrom('', '/redeliver', '/retry-now'), credentials).map(([id, action, h]) => ({
            method: action ? ('POST' as const) : ('GET' as const),
            url: `/admin/deliveries/${id}${action}`,
            headers: h,
          })),
          fc.tuple(segment(fc.oneof(fc.uuid(), text)), fc.boolean(), credentials).map(([id, one, h]) => ({
            method: 'GET' as const,
            url: one ? `/admin/recoveries/${id}` : '/admin/retention',
            headers: h,
          })),
          // Recoveries: only dry runs or refusals, so that no recovery keeps writing in the background
          // between another request's before and after.
          fc
            .tuple(
              body(
                fc.record(
                  {
                    selection: field(
                      fc.record(
                        {
                          state: field(fc.constantFrom('pending', 'retrying', 'exhausted', 'delivered', 'x')),
                          url: field(fc.oneof(fc.constantFrom('http://127.0.0.1:9/callback'), text)),
                          createdFrom: field(fc.oneof(fc.integer(), fc.constantFrom('2026-01-01T00:00:00Z'), text)),
                          createdTo: field(fc.oneof(fc.integer(), text)),
                          payeeId: field(text),
                          eventType: field(fc.constantFrom('success', 'fail', 'settle', 'x')),
                          errorClass: field(fc.constantFrom('timeout', 'bad_status', 'x')),
                          notRedelivered: field(fc.constantFrom(true, 'yes')),
                        },
                        { requiredKeys: [] },
                      ),
                    ),
                    action: field(fc.constantFrom('redeliver', 'retry_now', 'delete')),
                    newUrl: field(fc.oneof(fc.constantFrom('http://127.0.0.1:9/new', 'ftp://x.example/cb'), text)),
                    dryRun: fc.constantFrom(true, 'yes', 1),
                    actor: field(text),
                  },
                  { requiredKeys: ['dryRun'] },
                ),
              ),
              credentials,
            )
            .map(([b, h]) => ({ method: 'POST' as const, url: '/admin/recoveries', ...b, headers: h })),
          fc
            .tuple(
              body(
                fc.record(
                  { url: field(fc.constantFrom('http://127.0.0.1:9/callback', 'https://x.example')) },
                  { requiredKeys: [] },
                ),
              ),
              credentials,
            )
            .map(([b, h]) => ({
              method: 'POST' as const,
              url: '/admin/deliveries/redeliver-exhausted',
              ...b,
              headers: h,
            })),
          fc
            .tuple(
              fc.constantFrom('pause', 'resume'),
              body(
                fc.record(
                  {
                    url: field(fc.oneof(fc.constantFrom('http://127.0.0.1:9/callback', 'ftp://x.example/cb'), text)),
                    reason: field(text),
                    actor: field(text),
                  },
                  { requiredKeys: [] },
                ),
              ),
              credentials,
            )
            .map(([action, b, h]) => ({
              method: 'POST' as const,
              url: `/admin/endpoints/${action}`,
              ...b,
              headers: h,
            })),
          fc
            .tuple(
              fc.constantFrom<'GET' | 'PUT' | 'DELETE'>('GET', 'PUT', 'DELETE'),
              segment(fc.constantFrom('payee-1', 'payee-2', 'payee-fuzz')),
              credentials,
            )
            .map(([method, payee, h]) => ({ method, url: `/admin/payees/${payee}/secret`, headers: h })),
        ),
      );
    },
    TIMEOUT_MS,
  );
});
