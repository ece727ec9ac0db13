// The security review as tests: in production every admin, sandbox-control, dashboard and
// metrics route needs the admin token (swept over the routes Fastify actually serves, so a
// route added later is covered too) while MixPay's public API stays public; unexpected errors
// answer -1 without internals; strict content types; and no secret ever reaches the logs.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { paymentBody } from '../../../test-support/fixtures.js';
import { waitFor } from '../../../test-support/wait.js';
import { declareAccess, recordRoutes, registeredRoutes } from '../src/http/access.js';
import { tokenMatches } from '../src/http/auth.js';
import { createLogger } from '../src/logger.js';
import { type CallOptions, call, expectError, expectOk, snapshot } from './helpers/api.js';
import { closeTestServers, startTestGateway, type TestGateway, USDT_ID } from './helpers/gateway.js';
import { type Receiver, startReceiver } from './helpers/receiver.js';
import { servedRoutes } from './helpers/routes.js';

const TOKEN = 'security-admin-token-0123456789';
/** What the inject()ed requests count as this gateway's own origin. */
const SAME_ORIGIN = 'http://localhost';

/**
 * The state-changing routes that answer without credentials even when a token is set, each
 * with the reason it must. Every other POST/PUT/PATCH/DELETE route must refuse a request
 * without the token; a route added later that does not is a test failure here.
 */
const PUBLIC_WRITES: Record<string, { why: string; answers: boolean }> = {
  'POST /v1/payments': {
    why: "MixPay's API: a merchant creates a payment, no credentials (as at MixPay)",
    answers: true,
  },
  'POST /v1/one_time_payment': {
    why: "MixPay's API: a one-time payment, no credentials (as at MixPay)",
    answers: true,
  },
  'POST /v1/payments/refresh': {
    why: "MixPay's API ('Public Access'): a new quote window for an existing payment; moves no money",
    answers: true,
  },
  'POST /v1/multisig': {
    why: "MixPay's API: derives a multisig payee id from its members; stores nothing",
    answers: true,
  },
  'POST /dashboard/logout': { why: "clears the caller's own session cookie; changes nothing stored", answers: true },
  // Swept like the guarded ones: it must refuse a missing or wrong token.
  'POST /dashboard/login': { why: 'how a person presents the token (a session cookie comes back)', answers: false },
};

/** GET routes anyone may read, in production too; every other GET needs the token. */
const PUBLIC_READS = new Set([
  'GET /v1/payments_result',
  'GET /v1/payments_info',
  // MixPay's other public look-ups (issue 9).
  'POST /v1/payments/refresh',
  'GET /v1/payments_estimated',
  'GET /v1/setting/payment_assets',
  'GET /v1/setting/quote_assets',
  'GET /v1/setting/settlement_assets',
  'GET /v1/user/mixin_uuid/:mixinId',
  'POST /v1/multisig',
  'GET /assets/icons/:file',
  'GET /pay',
  'GET /code/:code',
  'GET /checkout/:traceId',
  'GET /assets/payhook.css',
  'GET /assets/live.js',
  'GET /healthz',
  'GET /openapi.json',
  'GET /docs',
  'GET /dashboard/login',
]);

const isWrite = (method: string) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(method);

let gw: TestGateway;
let receiver: Receiver | undefined;

afterEach(closeTestServers);

describe('production mode', () => {
  it('asks for the token on every route but the public ones, and changes nothing without it', async () => {
    gw = await startTestGateway(
      { PAYHOOK_MODE: 'production', PAYHOOK_ADMIN_TOKEN: TOKEN, PAYHOOK_SANDBOX: '1' },
      {},
      { listen: false },
    );
    // Something to spoil: a paid payment with a pending delivery and a transfer, and one that
    // is still waiting (the checkout forms would pay it).
    const payment = await gw.createPayment({ callbackUrl: 'https://shop.example/cb' });
    const waiting = await gw.createPayment({ callbackUrl: 'https://shop.example/cb', paymentAssetId: USDT_ID });
    const paid = expectOk(
      await call(gw, 'POST', '/v1/sandbox/transfers', {
        json: { traceId: payment.traceId },
        token: TOKEN,
      }),
    );
    const [delivery] = expectOk(
      await call(gw, 'GET', `/admin/deliveries?traceId=${payment.traceId}`, { token: TOKEN }),
    );
    const sample: Record<string, string> = {
      traceId: waiting.traceId,
      id: delivery.id,
      txid: paid.transfer.txid,
      payeeId: 'payee-1',
      code: 'nope',
    };
    const fill = (path: string, traceId = sample.traceId) =>
      path.replace(/:([A-Za-z]+)/g, (_m, name: string) => (name === 'traceId' ? traceId : sample[name]) ?? 'x');
    const before = await snapshot(gw, TOKEN);
    const deliveries = () =>
      gw.database.rows('select id, state, attempts, next_attempt_at from deliveries order by id');
    const deliveriesBefore = await deliveries();

    // Every route Fastify registered (its onRoute hook), the checkout page's forms included, and
    // nothing Fastify serves that the record misses.
    const routes = registeredRoutes(gw.gateway.app);
    const served = servedRoutes(gw.gateway.app).map((r) => `${r.method} ${r.path}`);
    expect(routes.map((r) => `${r.method} ${r.url}`).sort()).toEqual([...new Set(served)].sort());
    const writes = routes.filter((r) => isWrite(r.method));
    for (const route of [
      'POST /checkout/:traceId/pay',
      'POST /checkout/:traceId/expire',
      'POST /checkout/:traceId/transfers/:txid/confirmations',
      'POST /v1/sandbox/transfers',
      'PUT /admin/payees/:payeeId/secret',
      'DELETE /admin/payees/:payeeId/secret',
    ]) {
      expect(writes.map((r) => `${r.method} ${r.url}`)).toContain(route);
    }
    // The allow-list names only routes that exist and that are declared public.
    for (const route of Object.keys(PUBLIC_WRITES)) {
      expect(routes.find((r) => `${r.method} ${r.url}` === route)?.access, route).toBe('public');
    }
    // A state-changing route declared public must be on the allow-list, with its reason.
    for (const r of writes.filter((w) => w.access === 'public')) {
      expect(PUBLIC_WRITES, `${r.method} ${r.url} is public`).toHaveProperty([`${r.method} ${r.url}`]);
    }

    const forgedSession = `payhook_session=${Date.now() + 60_000}.${'A'.repeat(43)}`;
    const withoutCredentials: CallOptions[] = [
      {},
      { headers: { origin: SAME_ORIGIN } }, // a same-site form, or curl pretending to be one
      { token: 'wrong-token-0123456789012' },
      { headers: { authorization: TOKEN } }, // the token, but not as a bearer
      { headers: { 'x-api-key': TOKEN, 'x-admin-token': TOKEN } }, // the token, in headers we do not read
      { headers: { cookie: forgedSession, origin: SAME_ORIGIN } },
    ];
    const checkedWrites = writes.filter((r) => PUBLIC_WRITES[`${r.method} ${r.url}`]?.answers !== true);
    expect(checkedWrites.length).toBeGreaterThanOrEqual(12);
    for (const { method, url: path, access } of checkedWrites) {
      for (const credentials of withoutCredentials) {
        // Both payments: the waiting one (a form would pay it) and the paid one (confirmations).
        for (const traceId of [waiting.traceId, payment.traceId]) {
          const what = `${method} ${path} ${JSON.stringify(credentials)}`;
          const res = await call(gw, method as 'POST', fill(path, traceId), {
            ...credentials,
            json: { url: 'https://shop.example/cb', confirmations: 5, traceId },
          });
          expect([401, 403], what).toContain(res.status);
          if (access !== 'dashboard' && path !== '/dashboard/login') {
            expectError(res, res.status, 2000, /Authorization: Bearer|Refused/);
          }
        }
      }
    }
    for (const { method, url: path, access } of routes.filter(
      (r) => !isWrite(r.method) && !PUBLIC_READS.has(`${r.method} ${r.url}`),
    )) {
      const what = `${method} ${path}`;
      for (const credentials of withoutCredentials) {
        const res = await call(gw, method as 'GET', fill(path), credentials);
        if (access === 'dashboard') {
          // Pages: a browser is sent to sign in.
          expect(res.status, what).toBe(303);
          expect(res.headers.location, what).toMatch(/^\/dashboard\/login\?next=/);
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
    for (const { method, url: path } of routes) {
      const authorized = await call(gw, method as 'GET', fill(path), {
        token: TOKEN,
        headers: { origin: SAME_ORIGIN },
        // Signing in takes the token in its form, as the sign-in page sends it.
        ...(isWrite(method) ? { json: path === '/dashboard/login' ? { token: TOKEN } : {} } : {}),
      });
      expect([401, 403], `${method} ${path} with the token`).not.toContain(authorized.status);
    }
  });

  it('refuses to start with a route registered outside a scope that declares its access', async () => {
    const app = Fastify();
    recordRoutes(app);
    await app.register(async (scope) => {
      declareAccess(scope, 'operator');
      scope.post('/declared', async () => 'ok');
    });
    await expect(
      app.register(async (scope) => {
        scope.post('/forgotten', async () => 'ok');
      }),
    ).rejects.toThrow(/POST \/forgotten is registered outside an access scope/);
    await app.close();
  });

  it('keeps the sandbox off unless PAYHOOK_SANDBOX=1, and MixPay’s API public', async () => {
    gw = await startTestGateway({ PAYHOOK_MODE: 'production', PAYHOOK_ADMIN_TOKEN: TOKEN }, {}, { listen: false });
    const routes = servedRoutes(gw.gateway.app).map((r) => `${r.method} ${r.path}`);
    expect(routes.filter((r) => r.includes('/sandbox/') || /^POST \/checkout\//.test(r))).toEqual([]);
    const created = expectOk(
      await call(gw, 'POST', '/v1/payments', {
        json: paymentBody(),
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

/** The gateway's own logger as it is configured, at `level`, writing into `lines`. */
function capturedLogger(level: string) {
  const lines: string[] = [];
  const logger = createLogger(
    level,
    new Writable({ write: (chunk, _e, done) => done(void lines.push(String(chunk))) }),
  );
  return { lines, logger };
}

describe('unexpected errors', () => {
  it('answer -1 without a stack, a message or a class name, and are logged in full', async () => {
    const { lines, logger } = capturedLogger('info');
    gw = await startTestGateway({ PAYHOOK_ADMIN_TOKEN: TOKEN }, { logger }, { listen: false });
    const { store } = gw.gateway;
    const boom = async () => {
      throw new TypeError('internal detail: relation "payments" at /srv/payhook/sql-store.ts:42');
    };
    store.payments.find = boom;
    store.admin.listPayments = boom;
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
          json: paymentBody({
            remark: 'nul\u0000here',
          }),
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
    // At its most talkative level.
    const { lines, logger } = capturedLogger('trace');
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
    const { lines, logger } = capturedLogger('trace');
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

describe('the checkout page’s sandbox forms with a token set', () => {
  const page = (url: string, headers: Record<string, string> = {}) =>
    gw.gateway.app.inject({ method: 'GET', url, headers: { accept: 'text/html', ...headers } });
  const post = (url: string, headers: Record<string, string> = {}) =>
    gw.gateway.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      payload: '',
    });
  const status = async (traceId: string) =>
    expectOk(await call(gw, 'GET', `/v1/payments_result?traceId=${traceId}`)).status as string;

  it('need the credentials /v1/sandbox/* needs; the page stays public and says where to sign in', async () => {
    gw = await startTestGateway({ PAYHOOK_ADMIN_TOKEN: TOKEN }, {}, { listen: false });
    const payment = await gw.createPayment();
    const path = `/checkout/${payment.traceId}`;

    const locked = await page(path);
    expect(locked.statusCode).toBe(200);
    expect(locked.body).toContain(`href="/dashboard/login?next=${encodeURIComponent(path)}"`);
    expect(locked.body).not.toContain(`action="${path}/pay"`);

    // The review's request (curl, no Origin) and a browser's form post: refused, nothing paid.
    const variants: Record<string, string>[] = [
      {},
      { origin: SAME_ORIGIN },
      { origin: SAME_ORIGIN, accept: 'text/html' },
    ];
    for (const headers of variants) {
      for (const action of ['pay', 'expire', 'transfers/tx-1/confirmations']) {
        const res = await post(`${path}/${action}`, headers);
        expect(res.statusCode, `${action} ${JSON.stringify(headers)}`).toBe(401);
      }
    }
    const asPage = await post(`${path}/pay`, {
      accept: 'text/html',
      origin: SAME_ORIGIN,
      referer: `${SAME_ORIGIN}${path}`,
    });
    expect(asPage.headers['content-type']).toMatch(/^text\/html/);
    expect(asPage.body).toContain('Sign in needed');
    expect(asPage.body).toContain(`href="/dashboard/login?next=${encodeURIComponent(path)}"`);
    expectError(await call(gw, 'POST', `${path}/pay`), 401, 2000, /Authorization: Bearer/);
    expect(await status(payment.traceId)).toBe('unpaid');

    // Signed in, the page offers its forms and they work, from this gateway's own pages only.
    const login = await gw.gateway.app.inject({
      method: 'POST',
      url: '/dashboard/login',
      headers: { origin: SAME_ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ token: TOKEN, next: path }).toString(),
    });
    const cookie = String(login.headers['set-cookie']).split(';')[0] as string;
    expect((await page(path, { cookie })).body).toContain(`action="${path}/pay"`);
    expect((await post(`${path}/pay`, { cookie, origin: 'http://evil.example' })).statusCode).toBe(403);
    expect((await post(`${path}/pay`, { cookie })).statusCode).toBe(403); // a cookie alone proves no origin
    expect(await status(payment.traceId)).toBe('unpaid');
    const paid = await post(`${path}/pay`, { cookie, origin: SAME_ORIGIN });
    expect(paid.statusCode, paid.body).toBe(303);
    expect(await status(payment.traceId)).toBe('success');

    // The bearer token works as on the sandbox API.
    const other = await gw.createPayment();
    const expired = await post(`/checkout/${other.traceId}/expire`, { authorization: `Bearer ${TOKEN}` });
    expect(expired.statusCode).toBe(303);
    expect(await status(other.traceId)).toBe('failed');
  });
});

describe('the Host header (DNS rebinding)', () => {
  /** A real HTTP request to the gateway with whatever Host and Origin a client claims. */
  const send = (method: string, path: string, headers: Record<string, string>, json?: unknown) =>
    new Promise<{ status: number; body: string; headers: IncomingHttpHeaders }>((resolve, reject) => {
      const target = new URL(gw.url);
      const payload = json === undefined ? undefined : JSON.stringify(json);
      const req = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method,
          path,
          headers: { ...headers, ...(payload ? { 'content-type': 'application/json' } : {}) },
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            body += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  const status = async (traceId: string) =>
    expectOk(await call(gw, 'GET', `/v1/payments_result?traceId=${traceId}`)).status as string;

  it('without a token, refuses every request to a name that is not the gateway’s', async () => {
    gw = await startTestGateway({});
    const port = new URL(gw.url).port;
    const payment = await gw.createPayment();
    const rebound = { host: `rebind.evil.test:${port}`, origin: `http://rebind.evil.test:${port}` };
    const transfer = { traceId: payment.traceId };
    // The rebinding page's requests: same-origin as far as its browser knows, and from 127.0.0.1.
    expect((await send('POST', '/v1/sandbox/transfers', rebound, transfer)).status).toBe(403);
    expect((await send('POST', `/checkout/${payment.traceId}/pay`, rebound, {})).status).toBe(403);
    const read = await send('GET', '/', { ...rebound, accept: 'text/html' }); // nor may it read the dashboard
    expect(read.status).toBe(403);
    expect(read.body).not.toContain(payment.traceId);
    const refused = await send('GET', `/v1/payments_result?traceId=${payment.traceId}`, { host: rebound.host });
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toMatchObject({ code: 2000, success: false, data: [] });
    expect(JSON.parse(refused.body).message).toMatch(/Host "rebind\.evil\.test:\d+" is not a name of this gateway/);
    // The right name on the wrong port is not the gateway either, as Host or as Origin.
    const otherPort = String(Number(port) === 65535 ? 1 : Number(port) + 1);
    expect((await send('GET', '/healthz', { host: `localhost:${otherPort}` })).status).toBe(403);
    expect(
      (
        await send(
          'POST',
          '/v1/sandbox/transfers',
          { host: `localhost:${port}`, origin: `http://localhost:${otherPort}` },
          transfer,
        )
      ).status,
    ).toBe(403);
    expect(await status(payment.traceId)).toBe('unpaid');

    // Its own names: the address it is bound to, and the loopback names, on its port.
    for (const name of ['127.0.0.1', 'localhost', 'LOCALHOST', '[::1]']) {
      expect((await send('GET', '/healthz', { host: `${name}:${port}` })).status, name).toBe(200);
    }
    const paid = await send(
      'POST',
      '/v1/sandbox/transfers',
      { host: `localhost:${port}`, origin: `http://127.0.0.1:${port}` },
      transfer,
    );
    expect(paid.status, paid.body).toBe(200);
    expect(await status(payment.traceId)).toBe('success');
  });

  it('answers to the configured public URL’s name, as a proxy in front would send it', async () => {
    gw = await startTestGateway({ PAYHOOK_PUBLIC_URL: 'https://pay.example.test' });
    const payment = await gw.createPayment();
    const proxied = { host: 'pay.example.test', origin: 'https://pay.example.test' };
    expect((await send('POST', '/v1/sandbox/transfers', proxied, { traceId: payment.traceId })).status).toBe(200);
    expect((await send('GET', '/healthz', { host: 'pay.example.test:443' })).status).toBe(200);
    expect((await send('GET', '/healthz', { host: 'pay.example.test:8443' })).status).toBe(403);
    // The public URL is https: the same name over plain http is another origin.
    const other = await gw.createPayment();
    expect(
      (
        await send(
          'POST',
          '/v1/sandbox/transfers',
          { ...proxied, origin: 'http://pay.example.test' },
          { traceId: other.traceId },
        )
      ).status,
    ).toBe(403);
  });

  it('with a token, judges a cookie’s Origin against the gateway’s own origins, never against Host', async () => {
    gw = await startTestGateway({ PAYHOOK_ADMIN_TOKEN: TOKEN });
    const port = new URL(gw.url).port;
    const payment = await gw.createPayment();
    const login = await send(
      'POST',
      '/dashboard/login',
      { host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}` },
      { token: TOKEN, next: '/' },
    );
    expect(login.status).toBe(303);
    const cookie = String(login.headers['set-cookie']).split(';')[0] as string;
    expect(cookie).toMatch(/^payhook_session=/);
    // A forged Host with a "matching" Origin: the check used to build the expected origin from Host.
    const forged = { host: `rebind.evil.test:${port}`, origin: `http://rebind.evil.test:${port}`, cookie };
    const res = await send('POST', '/v1/sandbox/transfers', forged, { traceId: payment.traceId });
    expect(res.status, res.body).toBe(403);
    expect(JSON.parse(res.body).message).toMatch(/cross-site request/);
    expect(await status(payment.traceId)).toBe('unpaid');
    // With a token the public API answers whatever the name (a rebound page gains nothing there).
    expect((await send('GET', `/v1/payments_info?traceId=${payment.traceId}`, { host: forged.host })).status).toBe(200);
    const ok = await send(
      'POST',
      '/v1/sandbox/transfers',
      { host: `localhost:${port}`, origin: `http://localhost:${port}`, cookie },
      { traceId: payment.traceId },
    );
    expect(ok.status, ok.body).toBe(200);
  });
});
