// MixPayClient against a real HTTP server on loopback: what it sends, and how it treats
// every kind of answer (no fetch mocks: the sockets, timeouts and caps are real).
import type { ServerResponse } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../test-support/net.js';
import { makeOrder } from '../test/helpers/orders.js';
import { sendJson, startServer, type TestServer } from '../test/helpers/server.js';
import { MixPayClient, type MixPayClientOptions } from './client.js';
import { MixPayApiError, MixPayNetworkError, MixPayResponseError, RateLimitedError } from './errors.js';
import type { LimiterClock } from './rate-limiter.js';
import { resultFor } from './testing.js';

let server: TestServer;
const hanging = new Set<ServerResponse>();

beforeEach(async () => {
  server = await startServer();
});

afterEach(async () => {
  for (const res of hanging) res.destroy();
  hanging.clear();
  await server.close();
});

const ok = (data: unknown) => ({ code: 0, success: true, message: '', data, timestampMs: Date.now() });
const fail = (code: number, message: string) => ({ code, success: false, message, data: [], timestampMs: 1 });

/** Answers every request with an HTML page, as a proxy or captive portal in front of MixPay would. */
function answerHtml(status: number, page: string, headers: Record<string, string> = {}) {
  server.respond((_hit, res) => {
    res.writeHead(status, { 'content-type': 'text/html', ...headers });
    res.end(page);
  });
}

function client(options: MixPayClientOptions = {}) {
  return new MixPayClient({ baseUrl: `${server.origin}/v1`, timeoutMs: 2_000, ...options });
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail, it succeeded');
}

const ORDER = makeOrder({ traceId: '5a3e1c9e-2f4b-4d6a-9c1e-7b8d0f2a4c6e' });
const RESULT = resultFor(ORDER);
const CALLBACK_URL = 'https://shop.example/mixpay/callback?shop=a b&x=1#frag';

const paymentParams = {
  payeeId: 'payee-shop',
  orderId: 'order-123456',
  quoteAmount: '10.50',
  quoteAssetId: 'usd',
  settlementAssetId: 'usdt',
  paymentAssetId: 'usdt',
  callbackUrl: CALLBACK_URL,
  callbackEvent: 'settle|paid_less',
};

describe('requests', () => {
  it('createPayment POSTs a form-encoded body with callbackUrl URL-encoded', async () => {
    server.respond((_hit, res) =>
      sendJson(res, 200, ok({ traceId: ORDER.traceId, payeeId: 'payee-shop', quoteAmount: '10.50', expire: 1 })),
    );
    const info = await client().createPayment(paymentParams);
    expect(info).toMatchObject({ traceId: ORDER.traceId, payeeId: 'payee-shop', quoteAmount: '10.50' });

    const [hit] = server.hits;
    expect(server.hits).toHaveLength(1);
    expect(hit?.method).toBe('POST');
    expect(hit?.url).toBe('/v1/payments');
    expect(hit?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(hit?.headers.accept).toBe('application/json');
    expect(hit?.body).toContain(`callbackUrl=${encodeURIComponent(CALLBACK_URL).replace(/%20/g, '+')}`);
    expect(hit?.body).not.toContain('https://');
    expect(Object.fromEntries(new URLSearchParams(hit?.body))).toEqual(paymentParams);
  });

  it('createOneTimePayment POSTs isTemp=1 and builds the checkout link from the code', async () => {
    // MixPay's whole answer: the code, which is the traceId that was sent (§3.3).
    const traceId = ORDER.traceId as string;
    server.respond((_hit, res) => sendJson(res, 200, ok({ code: traceId })));
    const params = { ...paymentParams, traceId };
    const payment = await client({ checkoutBaseUrl: 'https://pay.test/code/' }).createOneTimePayment(params);
    expect(payment).toEqual({ code: traceId, traceId, paymentUrl: `https://pay.test/code/${traceId}` });

    const [hit] = server.hits;
    expect(hit?.method).toBe('POST');
    expect(hit?.url).toBe('/v1/one_time_payment');
    expect(hit?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const sent = new URLSearchParams(hit?.body);
    expect(sent.get('isTemp')).toBe('1');
    expect(sent.get('callbackUrl')).toBe(CALLBACK_URL);
    expect(hit?.body).toContain('callbackUrl=https%3A%2F%2Fshop.example%2Fmixpay%2Fcallback%3Fshop%3Da');
  });

  it('createOneTimePayment without a traceId takes the code MixPay generated as the traceId', async () => {
    const code = crypto.randomUUID();
    server.respond((_hit, res) => sendJson(res, 200, ok({ code })));
    expect(await client().createOneTimePayment(paymentParams)).toEqual({
      code,
      traceId: code,
      paymentUrl: `https://mixpay.me/code/${code}`,
    });
  });

  it('createOneTimePayment prefers the link and traceId the API answers', async () => {
    const traceId = crypto.randomUUID();
    server.respond((_hit, res) => sendJson(res, 200, ok({ code: 'c1', traceId, paymentUrl: 'https://x.test/c1' })));
    const payment = await client().createOneTimePayment(paymentParams);
    expect(payment).toEqual({ code: 'c1', traceId, paymentUrl: 'https://x.test/c1' });
  });

  it('createOneTimePayment defaults to MixPay checkout links', async () => {
    server.respond((_hit, res) => sendJson(res, 200, ok({ code: 'c2' })));
    expect((await client().createOneTimePayment(paymentParams)).paymentUrl).toBe('https://mixpay.me/code/c2');
  });

  it('getPaymentResult queries by traceId with=payment by default', async () => {
    server.respond((_hit, res) => sendJson(res, 200, ok(RESULT)));
    const result = await client().getPaymentResult({ traceId: ORDER.traceId as string });
    expect(result).toEqual(RESULT);
    const [hit] = server.hits;
    expect(hit?.method).toBe('GET');
    const url = new URL(hit?.url ?? '', server.origin);
    expect(url.pathname).toBe('/v1/payments_result');
    expect(Object.fromEntries(url.searchParams)).toEqual({ traceId: ORDER.traceId, with: 'payment' });
    expect(hit?.body).toBe('');
  });

  it('getPaymentResult queries by orderId and payeeId, with what is asked for', async () => {
    server.respond((_hit, res) => sendJson(res, 200, ok(RESULT)));
    await client().getPaymentResult({ orderId: 'order-1&x=y', payeeId: 'payee-shop' }, ['payment', 'transactions']);
    await client().getPaymentResult({ orderId: 'order-2', payeeId: 'payee-shop' }, []);
    const [first, second] = server.hits.map((h) => new URL(h.url, server.origin).searchParams);
    expect(Object.fromEntries(first ?? [])).toEqual({
      orderId: 'order-1&x=y',
      payeeId: 'payee-shop',
      with: 'payment,transactions',
    });
    expect(Object.fromEntries(second ?? [])).toEqual({ orderId: 'order-2', payeeId: 'payee-shop' });
  });

  it('accepts a base URL with a trailing slash', async () => {
    server.respond((_hit, res) => sendJson(res, 200, ok(RESULT)));
    await new MixPayClient({ baseUrl: `${server.origin}/v1/` }).getPaymentResult({ traceId: 'x' });
    expect(server.hits[0]?.url.startsWith('/v1/payments_result?')).toBe(true);
  });

  it('keeps extra result fields MixPay may add', async () => {
    server.respond((_hit, res) => sendJson(res, 200, ok({ ...RESULT, newField: 'kept' })));
    const result = await client().getPaymentResult({ traceId: 'x' });
    expect((result as Record<string, unknown>).newField).toBe('kept');
  });
});

describe('answers are validated', () => {
  it('a non-JSON error page is an API error whose code is the HTTP status (as pandodao/mixpay-go does)', async () => {
    answerHtml(502, '<html>Bad gateway</html>');
    const error = await rejection(client().getPaymentResult({ traceId: 'x' }));
    expect(error).toBeInstanceOf(MixPayApiError);
    expect(error).toMatchObject({ code: 502, httpStatus: 502, retryable: true });
    expect(server.hits).toHaveLength(1);
  });

  it('refuses a 200 answer that is not JSON', async () => {
    answerHtml(200, '<html>Sign in to the Wi-Fi</html>');
    const error = await rejection(client().getPaymentResult({ traceId: 'x' }));
    expect(error).toBeInstanceOf(MixPayResponseError);
    expect(error.message).toMatch(/not JSON \(HTTP 200\)/);
    expect((error as MixPayResponseError).httpStatus).toBe(200);
    expect((error as MixPayResponseError).excerpt).toBe('<html>Sign in to the Wi-Fi</html>');
  });

  it.each([
    ['an object without the envelope', { status: 'success' }],
    ['an array', [RESULT]],
    ['a string', 'SUCCESS'],
    ['null', null],
    ['a code that is a string', { code: '0', success: true, data: RESULT }],
  ])('refuses %s', async (_name, body) => {
    server.respond((_hit, res) => sendJson(res, 200, body));
    const error = await rejection(client().getPaymentResult({ traceId: 'x' }));
    expect(error).toBeInstanceOf(MixPayResponseError);
    expect(error.message).toMatch(/not a MixPay envelope/);
  });

  it('refuses a success envelope without data', async () => {
    server.respond((_hit, res) => sendJson(res, 200, { code: 0, success: true, message: '' }));
    const error = await rejection(client().getPaymentResult({ traceId: 'x' }));
    expect(error).toBeInstanceOf(MixPayResponseError);
    expect(error.message).toMatch(/envelope without data/);
  });

  it('turns success:false into MixPayApiError with its code and message', async () => {
    server.respond((_hit, res) => sendJson(res, 200, fail(10011, 'quoteAmount: must be positive')));
    const error = await rejection(client().createPayment(paymentParams));
    expect(error).toBeInstanceOf(MixPayApiError);
    expect(error).toMatchObject({ code: 10011, httpStatus: 200, retryable: false });
    expect(error.message).toContain('quoteAmount: must be positive');
  });

  it('marks a server error (-1 or HTTP 5xx) as retryable', async () => {
    server.respond((_hit, res) => sendJson(res, 500, fail(-1, 'boom')));
    const error = await rejection(client().getPaymentResult({ traceId: 'x' }));
    expect(error).toBeInstanceOf(MixPayApiError);
    expect(error).toMatchObject({ code: -1, httpStatus: 500, retryable: true });
  });

  it('treats 404 as an API error, not a network error', async () => {
    server.respond((_hit, res) => sendJson(res, 404, fail(404, 'payment not found')));
    const error = await rejection(client().getPaymentResult({ traceId: 'x' }));
    expect(error).toBeInstanceOf(MixPayApiError);
    expect(error).toMatchObject({ code: 404 });
    expect(server.hits).toHaveLength(1);
  });

  it.each([
    ['null data', null],
    ['an array as data', [RESULT]],
    ['no status', { ...RESULT, status: undefined }],
    ['a numeric status (the pre-v1 API)', { ...RESULT, status: 1 }],
  ])('refuses a result with %s (MixPayResponseError)', async (_name, data) => {
    server.respond((_hit, res) => sendJson(res, 200, ok(data)));
    const error = await rejection(client().getPaymentResult({ traceId: 'x' }));
    expect(error).toBeInstanceOf(MixPayResponseError);
    expect(error.message).toMatch(/unexpected data/);
    expect(server.hits).toHaveLength(1);
  });

  // These were refused (and every callback answered 503 for ever); MixPay sends such answers
  // (§10), so they decode, and the judgement refuses to pay on what cannot be checked.
  type Decoded = Awaited<ReturnType<MixPayClient['getPaymentResult']>>;
  it.each<[string, unknown, (r: Decoded) => void]>([
    ['no traceId', { ...RESULT, traceId: undefined }, (r) => expect(r).not.toHaveProperty('traceId')],
    ['no payeeId', { ...RESULT, payeeId: undefined }, (r) => expect(r).not.toHaveProperty('payeeId')],
    [
      'a status this kit does not know',
      { ...RESULT, status: 'processing' },
      (r) => expect(r.status).toBe('processing'),
    ],
    [
      'a JSON-number quoteAmount (dropped: an amount is never a float)',
      { ...RESULT, quoteAmount: 10 },
      (r) => expect(r.quoteAmount).toBeUndefined(),
    ],
    [
      'an exponent quoteAmount (kept as sent)',
      { ...RESULT, quoteAmount: '1e1' },
      (r) => expect(r.quoteAmount).toBe('1e1'),
    ],
    [
      'a payment with a non-boolean isFullyPaid (dropped)',
      { ...RESULT, payment: { ...RESULT.payment, isFullyPaid: 'yes' } },
      (r) => expect(r.payment).toEqual({ isMultiPay: false, isFullyPaid: undefined, totalTransactionsAmount: '10' }),
    ],
  ])('decodes a result with %s, leaving the verdict to the judgement', async (_name, data, check) => {
    server.respond((_hit, res) => sendJson(res, 200, ok(data)));
    check(await client().getPaymentResult({ traceId: 'x' }));
  });

  it('refuses a payment answer without traceId', async () => {
    server.respond((_hit, res) => sendJson(res, 200, ok({ payeeId: 'payee-shop' })));
    const error = await rejection(client().createPayment(paymentParams));
    expect(error).toBeInstanceOf(MixPayResponseError);
    expect(error.message).toMatch(/traceId/);
  });

  it('refuses a one-time answer with an empty code', async () => {
    server.respond((_hit, res) => sendJson(res, 200, ok({ code: '' })));
    expect(await rejection(client().createOneTimePayment(paymentParams))).toBeInstanceOf(MixPayResponseError);
  });

  it('caps the size of an answer', async () => {
    const big = JSON.stringify(ok({ ...RESULT, filler: 'x'.repeat(200_000) }));
    server.respond((_hit, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(big);
    });
    const error = await rejection(client({ maxAnswerBytes: 64 * 1024 }).getPaymentResult({ traceId: 'x' }));
    expect(error).toBeInstanceOf(MixPayResponseError);
    expect(error.message).toMatch(/larger than 65536 bytes/);
    // The same answer under a larger cap is fine: the cap, not the content, refused it.
    await expect(client({ maxAnswerBytes: 1024 * 1024 }).getPaymentResult({ traceId: 'x' })).resolves.toMatchObject({
      status: 'success',
    });
  });

  it('caps an endless answer by the default 1 MiB without reading it all', async () => {
    server.respond((_hit, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = 'x'.repeat(64 * 1024);
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      hanging.add(res);
      pump();
    });
    const error = await rejection(client({ timeoutMs: 10_000 }).getPaymentResult({ traceId: 'x' }));
    expect(error).toBeInstanceOf(MixPayResponseError);
    expect(error.message).toMatch(/larger than 1048576 bytes/);
  });

  it('does not follow redirects', async () => {
    server.respond((hit, res) => {
      if (hit.url.startsWith('/elsewhere')) return sendJson(res, 200, ok(RESULT));
      res.writeHead(302, { location: '/elsewhere' });
      res.end();
    });
    const error = await rejection(client().getPaymentResult({ traceId: 'x' }));
    expect(error).toBeInstanceOf(MixPayResponseError);
    expect(server.hits.map((h) => h.url.split('?')[0])).toEqual(['/v1/payments_result']);
  });
});

describe('rate limits', () => {
  class FakeClock implements LimiterClock {
    t = 1_000_000;
    now = () => this.t;
    sleep = async (ms: number) => {
      this.t += ms;
    };
  }

  it('turns 1429 into RateLimitedError, then pauses the limiter for Retry-After', async () => {
    server.respond((_hit, res) => sendJson(res, 429, fail(1429, 'too many requests'), { 'retry-after': '30' }));
    const clock = new FakeClock();
    const c = client({ clock });
    const error = await rejection(c.getPaymentResult({ traceId: 'x' }));
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error).toMatchObject({ source: 'server', retryAfterMs: 30_000, retryable: true });
    expect(server.hits).toHaveLength(1);

    // Paused: the next request fails locally without reaching the server.
    server.respond((_hit, res) => sendJson(res, 200, ok(RESULT)));
    const local = await rejection(c.getPaymentResult({ traceId: 'x' }));
    expect(local).toBeInstanceOf(RateLimitedError);
    expect(local).toMatchObject({ source: 'local', retryAfterMs: 30_000 });
    expect(server.hits).toHaveLength(1);

    clock.t += 30_000;
    await expect(c.getPaymentResult({ traceId: 'x' })).resolves.toMatchObject({ status: 'success' });
    expect(server.hits).toHaveLength(2);
  });

  it('recognises 1429 in a 200 envelope, and pauses a minute when no header says otherwise', async () => {
    server.respond((_hit, res) => sendJson(res, 200, fail(1429, 'rate limited')));
    const c = client({ clock: new FakeClock() });
    expect(await rejection(c.createPayment(paymentParams))).toMatchObject({ source: 'server', retryAfterMs: 60_000 });
    expect(await rejection(c.createPayment(paymentParams))).toMatchObject({ source: 'local', retryAfterMs: 60_000 });
    expect(server.hits).toHaveLength(1);
  });

  it('uses x-ratelimit-reset when there is no Retry-After', async () => {
    server.respond((_hit, res) => sendJson(res, 429, fail(1429, 'slow down'), { 'x-ratelimit-reset': '12' }));
    const error = await rejection(client({ clock: new FakeClock() }).getPaymentResult({ traceId: 'x' }));
    expect(error).toMatchObject({ source: 'server', retryAfterMs: 12_000 });
  });

  it('treats HTTP 429 as rate limited even when the body is not an envelope (a proxy in front)', async () => {
    answerHtml(429, '<html>Too Many Requests</html>', { 'retry-after': '30' });
    const c = client({ clock: new FakeClock() });
    expect(await rejection(c.getPaymentResult({ traceId: 'x' }))).toMatchObject({
      name: 'RateLimitedError',
      source: 'server',
      retryAfterMs: 30_000,
    });
    expect(await rejection(c.getPaymentResult({ traceId: 'x' }))).toMatchObject({ source: 'local' });
    expect(server.hits).toHaveLength(1);
  });

  it('sends at most requestsPerMinute, then fails fast locally', async () => {
    server.respond((_hit, res) => sendJson(res, 200, ok(RESULT)));
    const c = client({ requestsPerMinute: 3, maxRateLimitWaitMs: 0, clock: new FakeClock() });
    for (let i = 0; i < 3; i++) await c.getPaymentResult({ traceId: 'x' });
    const error = await rejection(c.getPaymentResult({ traceId: 'x' }));
    // A slot comes back when its request leaves the window (a minute and a second).
    expect(error).toMatchObject({ name: 'RateLimitedError', source: 'local', retryAfterMs: 61_000 });
    expect(server.hits).toHaveLength(3);
  });

  it('waits for a token when the wait is short enough', async () => {
    server.respond((_hit, res) => sendJson(res, 200, ok(RESULT)));
    const clock = new FakeClock();
    const c = client({ requestsPerMinute: 1, maxRateLimitWaitMs: 61_000, clock });
    await c.getPaymentResult({ traceId: 'x' });
    const before = clock.t;
    await c.getPaymentResult({ traceId: 'x' });
    expect(clock.t - before).toBe(61_000);
    expect(server.hits).toHaveLength(2);
  });
});

describe('network trouble', () => {
  it('times out a server that never answers (MixPayNetworkError), retrying reads', async () => {
    server.respond((_hit, res) => {
      hanging.add(res);
    });
    const started = Date.now();
    const error = await rejection(client({ timeoutMs: 200, readRetries: 2 }).getPaymentResult({ traceId: 'x' }));
    expect(error).toBeInstanceOf(MixPayNetworkError);
    expect(error).toMatchObject({ retryable: true });
    expect(server.hits).toHaveLength(3);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('times out an answer that stalls after its headers', async () => {
    server.respond((_hit, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"code":0,');
      hanging.add(res);
    });
    const error = await rejection(client({ timeoutMs: 200, readRetries: 0 }).getPaymentResult({ traceId: 'x' }));
    expect(error).toBeInstanceOf(MixPayNetworkError);
    expect(server.hits).toHaveLength(1);
  });

  it('reports a refused connection as MixPayNetworkError', async () => {
    const port = await freePort();
    const c = new MixPayClient({ baseUrl: `http://127.0.0.1:${port}/v1`, readRetries: 1 });
    const read = await rejection(c.getPaymentResult({ traceId: 'x' }));
    expect(read).toBeInstanceOf(MixPayNetworkError);
    expect(read.message).toMatch(/GET \/payments_result/);
    expect(await rejection(c.createPayment(paymentParams))).toBeInstanceOf(MixPayNetworkError);
  });

  it('retries a read after a reset connection and returns the answer that finally came', async () => {
    server.respond((_hit, res, req) => {
      if (server.hits.length < 3) return req.socket.destroy();
      sendJson(res, 200, ok(RESULT));
    });
    const result = await client({ readRetries: 2 }).getPaymentResult({ traceId: 'x' });
    expect(result.status).toBe('success');
    expect(server.hits).toHaveLength(3);
  });

  it('gives up on reads after readRetries extra tries', async () => {
    server.respond((_hit, _res, req) => req.socket.destroy());
    const error = await rejection(client({ readRetries: 1 }).getPaymentResult({ traceId: 'x' }));
    expect(error).toBeInstanceOf(MixPayNetworkError);
    expect(server.hits).toHaveLength(2);
  });

  it('never retries a write: a retry could create a second payment', async () => {
    server.respond((_hit, _res, req) => req.socket.destroy());
    const c = client({ readRetries: 5 });
    expect(await rejection(c.createPayment(paymentParams))).toBeInstanceOf(MixPayNetworkError);
    expect(server.hits).toHaveLength(1);
    expect(await rejection(c.createOneTimePayment(paymentParams))).toBeInstanceOf(MixPayNetworkError);
    expect(server.hits).toHaveLength(2);
  });

  it('does not retry reads on answers that are not network errors', async () => {
    server.respond((_hit, res) => sendJson(res, 500, fail(-1, 'server error')));
    const c = client({ readRetries: 3 });
    expect(await rejection(c.getPaymentResult({ traceId: 'x' }))).toBeInstanceOf(MixPayApiError);
    server.respond((_hit, res) => sendJson(res, 200, ok({})));
    expect(await rejection(c.getPaymentResult({ traceId: 'x' }))).toBeInstanceOf(MixPayResponseError);
    expect(server.hits).toHaveLength(2);
  });
});
