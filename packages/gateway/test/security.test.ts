// The security review as tests: in production every admin, sandbox-control, dashboard and
// metrics route needs the admin token (swept over the routes Fastify actually serves, so a
// route added later is covered too) while MixPay's public API stays public; unexpected errors
// answer -1 without internals; strict content types; and no secret ever reaches the logs.
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { tokenMatches } from '../src/http/auth.js';
import { createLogger } from '../src/logger.js';
import { call, expectError, expectOk, newOrderId, snapshot } from './helpers/api.js';
import { startTestGateway, type TestGateway, USDT_ID } from './helpers/gateway.js';
import { type Receiver, startReceiver } from './helpers/receiver.js';
import { servedRoutes } from './helpers/routes.js';
import { waitFor } from './helpers/wait.js';

const TOKEN = 'security-admin-token-0123456789';
/** What the inject()ed requests count as this gateway's own origin. */
const SAME_ORIGIN = 'http://localhost';

/** Routes anyone may use, in production too; everything else must refuse a request without the token. */
const PUBLIC = new Set([
  'POST /v1/payments',
  'POST /v1/one_time_payment',
  'GET /v1/payments_result',
  'GET /v1/payments_info',
  'GET /pay',
  'GET /code/:code',
  'GET /checkout/:traceId',
  // The payer's sandbox forms are public like MixPay's checkout (only with PAYHOOK_SANDBOX=1 in
  // production), refused when they come from another site.
  'POST /checkout/:traceId/pay',
  'POST /checkout/:traceId/expire',
  'POST /checkout/:traceId/transfers/:txid/confirmations',
  'GET /assets/payhook.css',
  'GET /assets/live.js',
  'GET /healthz',
  'GET /openapi.json',
  'GET /docs',
  // Signing in and out is how the token is presented; both check Origin.
  'GET /dashboard/login',
  'POST /dashboard/login',
  'POST /dashboard/logout',
]);

let gw: TestGateway;
let receiver: Receiver | undefined;

afterEach(async () => {
  await gw.close();
  await receiver?.close();
  receiver = undefined;
});

describe('production mode', () => {
  it('asks for the token on every route but the public ones, and changes nothing without it', async () => {
    gw = await startTestGateway(
      { PAYHOOK_MODE: 'production', PAYHOOK_ADMIN_TOKEN: TOKEN, PAYHOOK_SANDBOX: '1' },
      {},
      { listen: false },
    );
    // Something to spoil: a paid payment with a pending delivery and a transfer.
    const payment = await gw.createPayment({ callbackUrl: 'https://shop.example/cb' });
    const paid = expectOk(
      await call(gw, 'POST', '/v1/sandbox/transfers', { json: { traceId: payment.traceId }, token: TOKEN }),
    );
    const [delivery] = expectOk(
      await call(gw, 'GET', `/admin/deliveries?traceId=${payment.traceId}`, { token: TOKEN }),
    );
    const sample: Record<string, string> = {
      traceId: payment.traceId,
      id: delivery.id,
      txid: paid.transfer.txid,
      payeeId: 'payee-1',
      code: 'nope',
    };
    const before = await snapshot(gw, TOKEN);
    const deliveries = () =>
      gw.database.rows('select id, state, attempts, next_attempt_at from deliveries order by id');
    const deliveriesBefore = await deliveries();

    const guarded = servedRoutes(gw.gateway.app).filter((r) => !PUBLIC.has(`${r.method} ${r.path}`));
    const paths = guarded.map((r) => r.path);
    // The sweep sees the routes the review is about (and whatever else is not public).
    for (const path of [
      '/',
      '/admin/payments',
      '/admin/payees/:payeeId/secret',
      '/v1/sandbox/transfers',
      '/dashboard/payments/:traceId',
    ]) {
      expect(paths).toContain(path);
    }
    expect(guarded.length).toBeGreaterThanOrEqual(20);

    for (const { method, path } of guarded) {
      const url = path.replace(/:([A-Za-z]+)/g, (_m, name: string) => sample[name] ?? 'x');
      const what = `${method} ${path}`;
      for (const credentials of [{}, { token: 'wrong-token-0123456789012' }, { headers: { authorization: TOKEN } }]) {
        const res = await call(gw, method as 'GET', url, {
          ...credentials,
          ...(method === 'POST' ? { json: { url: 'https://shop.example/cb', confirmations: 5 } } : {}),
        });
        if (path === '/' || path.startsWith('/dashboard')) {
          // Pages: a browser is sent to sign in, a form post is refused.
          if (method === 'GET') {
            expect(res.status, what).toBe(303);
            expect(res.headers.location, what).toMatch(/^\/dashboard\/login\?next=/);
          } else {
            expect(res.status, what).toBe(401);
          }
        } else {
          expectError(res, 401, 2000, /Authorization: Bearer/);
        }
      }
    }
    // Without the token nothing moved.
    expect(await snapshot(gw, TOKEN)).toEqual(before);
    expect(await deliveries()).toEqual(deliveriesBefore);
    expect(await gw.database.rows('select payee_id from payee_secrets')).toEqual([]);

    // With the token every one of them gets past the door (to whatever the route answers).
    for (const { method, path } of guarded) {
      const url = path.replace(/:([A-Za-z]+)/g, (_m, name: string) => sample[name] ?? 'x');
      const authorized = await call(gw, method as 'GET', url, {
        token: TOKEN,
        headers: { origin: SAME_ORIGIN },
        ...(method === 'POST' ? { json: {} } : {}),
      });
      expect([401, 403], `${method} ${path} with the token`).not.toContain(authorized.status);
    }
  });

  it('keeps the sandbox off unless PAYHOOK_SANDBOX=1, and MixPay’s API public', async () => {
    gw = await startTestGateway({ PAYHOOK_MODE: 'production', PAYHOOK_ADMIN_TOKEN: TOKEN }, {}, { listen: false });
    const routes = servedRoutes(gw.gateway.app).map((r) => `${r.method} ${r.path}`);
    expect(routes.filter((r) => r.includes('/sandbox/') || /^POST \/checkout\//.test(r))).toEqual([]);
    const created = expectOk(
      await call(gw, 'POST', '/v1/payments', {
        json: {
          payeeId: 'payee-1',
          orderId: newOrderId(),
          quoteAmount: '10',
          quoteAssetId: 'usd',
          paymentAssetId: USDT_ID,
          settlementAssetId: USDT_ID,
        },
      }),
    );
    expectOk(await call(gw, 'GET', `/v1/payments_result?traceId=${created.traceId}`));
    expectOk(await call(gw, 'GET', `/v1/payments_info?traceId=${created.traceId}`));
    expect((await call(gw, 'GET', `/checkout/${created.traceId}`)).status).toBe(200);
  });

  it('compares tokens in constant time whatever their lengths', () => {
    expect(tokenMatches(TOKEN, TOKEN)).toBe(true);
    for (const wrong of ['', 'x', TOKEN.slice(0, -1), `${TOKEN}x`, TOKEN.toUpperCase(), 'y'.repeat(10_000)]) {
      expect(tokenMatches(wrong, TOKEN)).toBe(false);
    }
  });
});

describe('unexpected errors', () => {
  it('answer -1 without a stack, a message or a class name, and are logged in full', async () => {
    const lines: string[] = [];
    const logger = createLogger(
      'info',
      new Writable({ write: (chunk, _e, done) => done(void lines.push(String(chunk))) }),
    );
    gw = await startTestGateway({ PAYHOOK_ADMIN_TOKEN: TOKEN }, { logger }, { listen: false });
    const store = gw.gateway.store as unknown as Record<string, unknown>;
    const boom = async () => {
      throw new TypeError('internal detail: relation "payments" at /srv/payhook/sql-store.ts:42');
    };
    store.findPayment = boom;
    store.listPayments = boom;
    const requests: [string, string, Record<string, unknown>][] = [
      ['GET', '/v1/payments_result?traceId=0b1f3a2e-6c2d-4a59-9a51-7f0c1e2d3b4a', {}],
      ['GET', '/checkout/0b1f3a2e-6c2d-4a59-9a51-7f0c1e2d3b4a', { headers: { accept: 'text/html' } }],
      ['GET', '/admin/payments', { token: TOKEN }],
    ];
    for (const [method, url, options] of requests) {
      const res = await call(gw, method as 'GET', url, options);
      expect(res.status, url).toBe(500);
      expect(res.body).toEqual({
        code: -1,
        success: false,
        message: 'Server error, please try again later.',
        data: [],
        timestampMs: expect.any(Number),
      });
      expect(res.raw).not.toMatch(/internal detail|sql-store|TypeError|\bat \//);
    }
    const logged = lines.join('');
    expect(logged).toContain('internal detail: relation');
    expect(logged).toMatch(/"stack":"TypeError: internal detail/);
  });
});

describe('request bodies', () => {
  it('refuses content types other than JSON and form, on every kind of route', async () => {
    gw = await startTestGateway({ PAYHOOK_ADMIN_TOKEN: TOKEN }, {}, { listen: false });
    const before = await snapshot(gw, TOKEN);
    for (const contentType of [
      'text/plain',
      'application/xml',
      'multipart/form-data; boundary=x',
      'application/x-www-form-urlencodedx',
      'text/html',
    ]) {
      for (const url of ['/v1/payments', '/v1/sandbox/transfers', '/admin/deliveries/redeliver-exhausted']) {
        const res = await call(gw, 'POST', url, { raw: 'payeeId=x', contentType, token: TOKEN });
        expectError(
          res,
          415,
          10011,
          /content-type: .* is not supported; send application\/json or application\/x-www-form-urlencoded/,
        );
      }
    }
    for (const url of ['/v1/one_time_payment', '/admin/deliveries/redeliver-exhausted']) {
      expectError(
        await call(gw, 'POST', url, {
          raw: `{"url":"${'x'.repeat(70_000)}"}`,
          contentType: 'application/json',
          token: TOKEN,
        }),
        413,
        10011,
        /Request body is too large/,
      );
    }
    expect(await snapshot(gw, TOKEN)).toEqual(before);
  });
});

describe('text input', () => {
  it('refuses the NUL character in any field, on SQLite and PostgreSQL alike', async () => {
    gw = await startTestGateway({ PAYHOOK_ADMIN_TOKEN: TOKEN }, {}, { listen: false });
    const before = await snapshot(gw, TOKEN);
    const requests: [string, string, Parameters<typeof call>[3], RegExp][] = [
      ['GET', '/code/10%00', {}, /code: must not contain the NUL character/],
      ['GET', '/v1/payments_info?code=a%00b', {}, /code: must not contain the NUL character/],
      ['GET', '/admin/payments?search=%00', { token: TOKEN }, /search: must not contain the NUL character/],
      ['GET', '/admin/deliveries/x%00', { token: TOKEN }, /id: must not contain the NUL character/],
      [
        'POST',
        '/v1/payments',
        {
          json: {
            payeeId: 'payee-1',
            orderId: newOrderId(),
            quoteAmount: '10',
            quoteAssetId: 'usd',
            paymentAssetId: USDT_ID,
            settlementAssetId: USDT_ID,
            remark: 'nul\u0000here',
          },
        },
        /remark: must not contain the NUL character/,
      ],
    ];
    for (const [method, url, options, message] of requests) {
      expectError(await call(gw, method as 'GET', url, options), 400, 10011, message);
    }
    expect(await snapshot(gw, TOKEN)).toEqual(before);
  });
});

describe('logs', () => {
  it('never contain the admin token, the session cookie or a signing secret', async () => {
    const lines: string[] = [];
    // The gateway's own logger as it is configured (at its most talkative level).
    const logger = createLogger(
      'trace',
      new Writable({ write: (chunk, _e, done) => done(void lines.push(String(chunk))) }),
    );
    gw = await startTestGateway({ PAYHOOK_ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'trace' }, { logger });
    receiver = await startReceiver();
    receiver.script(['status500'], 'success'); // a failed attempt logs more

    const secret = expectOk(await call(gw, 'PUT', '/admin/payees/payee-1/secret', { token: TOKEN })).secret as string;
    const login = await gw.gateway.app.inject({
      method: 'POST',
      url: '/dashboard/login',
      headers: { origin: SAME_ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ token: TOKEN, next: '/' }).toString(),
    });
    const cookie = String(login.headers['set-cookie']).split(';')[0] as string;
    expect(cookie).toMatch(/^payhook_session=\d+\./);
    expect((await gw.gateway.app.inject({ method: 'GET', url: '/admin/stats', headers: { cookie } })).statusCode).toBe(
      200,
    );
    await call(gw, 'GET', '/admin/stats', { token: 'a-wrong-token-0123456789' });

    const payment = await gw.createPayment({ callbackUrl: receiver.url });
    await call(gw, 'POST', '/v1/sandbox/transfers', { json: { traceId: payment.traceId }, token: TOKEN });
    await waitFor(() => receiver?.received.length === 2, { what: 'a failed and a signed successful attempt' });
    expect(receiver.received[1]?.headers['webhook-signature']).toBeTruthy();
    await waitFor(() => lines.some((l) => l.includes('"delivered"')), { what: 'the delivery to be logged' });

    const logged = lines.join('');
    expect(logged).toContain('"url":"/admin/payees/payee-1/secret"'); // requests are logged…
    for (const secretText of [TOKEN, secret, secret.slice(6), cookie.split('=')[1] as string]) {
      expect(logged).not.toContain(secretText); // …but never what proves who may do what
    }
  });
});

describe('logs of requests', () => {
  it('never carry a token sent in a header or query parameter of any credential-like name', async () => {
    const lines: string[] = [];
    const logger = createLogger(
      'trace',
      new Writable({ write: (chunk, _e, done) => done(void lines.push(String(chunk))) }),
    );
    gw = await startTestGateway({ PAYHOOK_ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'trace' }, { logger });
    const headers = {
      'x-api-key': TOKEN,
      'x-admin-token': TOKEN,
      'x-auth': TOKEN,
      'x-session-id': TOKEN,
      'x-client-secret': TOKEN,
      'x-hub-signature-256': TOKEN,
      'x-forwarded-password': TOKEN,
      'x-harmless': 'visible-value',
    };
    // Over real HTTP, as a client would send them, to a public, an admin and an unknown route.
    for (const path of ['/v1/payments_result?traceId=x', '/admin/stats', `/nowhere?access_token=${TOKEN}&page=2`]) {
      await fetch(`${gw.url}${path}`, { headers });
    }
    await waitFor(() => lines.filter((l) => l.includes('"incoming request"')).length >= 3, {
      what: 'the requests to be logged',
    });
    const logged = lines.join('');
    expect(logged).not.toContain(TOKEN);
    const requests = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'incoming request');
    for (const { req } of requests) {
      for (const name of Object.keys(headers).filter((h) => h !== 'x-harmless')) {
        expect(req.headers[name], name).toBe('[Redacted]'); // the name stays, for whoever debugs
      }
      expect(req.headers['x-harmless']).toBe('visible-value');
    }
    expect(requests.map((r) => r.req.url)).toContain('/nowhere?access_token=%5BRedacted%5D&page=2');
  });
});
