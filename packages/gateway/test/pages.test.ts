// The dashboard and checkout pages without a browser: who may see and post what, that data is
// always escaped, and that the checkout forms drive the same ingestion path as the sandbox API.
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { paymentBody } from '../../../test-support/fixtures.js';
import { waitFor } from '../../../test-support/wait.js';
import { ManualClock } from '../src/clock.js';
import { closeTestServers, startTestGateway, type TestGateway, USDT_ID } from './helpers/gateway.js';
import { captureLogs } from './helpers/logs.js';
import { type Receiver, startReceiver } from './helpers/receiver.js';

const BTC_ID = 'c6d0c728-2624-429b-8e0d-d9d19b6592fa';
const TOKEN = 'pages-admin-token-0123456789';
const SAME = 'http://localhost';
const EVIL = 'http://evil.example';

let gw: TestGateway;
let receiver: Receiver | undefined;

afterEach(closeTestServers);

interface Req {
  method?: 'GET' | 'POST';
  url: string;
  origin?: string;
  cookie?: string;
  token?: string;
  ip?: string;
  form?: Record<string, string>;
  json?: unknown;
  html?: boolean;
}

/** A request as a browser (Accept: text/html) or a client sends it, from `ip` (default loopback). */
async function send(r: Req) {
  const headers: Record<string, string> = {};
  if (r.html !== false) headers.accept = 'text/html,application/xhtml+xml';
  if (r.origin) headers.origin = r.origin;
  if (r.cookie) headers.cookie = r.cookie;
  if (r.token) headers.authorization = `Bearer ${r.token}`;
  let payload: string | undefined;
  if (r.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    payload = new URLSearchParams(r.form).toString();
  } else if (r.json !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(r.json);
  }
  const res = await gw.gateway.app.inject({
    method: r.method ?? 'GET',
    url: r.url,
    headers,
    remoteAddress: r.ip ?? '127.0.0.1',
    ...(payload === undefined ? {} : { payload }),
  });
  return { status: res.statusCode, headers: res.headers, body: res.body };
}

async function result(traceId: string) {
  return (await gw.get(`/v1/payments_result?traceId=${traceId}&with=payment,transactions`)).body.data;
}

async function deliveredPayment() {
  receiver = await startReceiver();
  const payment = await gw.createPayment({ callbackUrl: receiver.url });
  await gw.post('/v1/sandbox/transfers', { traceId: payment.traceId });
  const [delivery] = await waitFor(
    async () => {
      const list = (await gw.get(`/admin/deliveries?traceId=${payment.traceId}&state=delivered`)).body.data;
      return list.length === 1 ? list : undefined;
    },
    { what: 'the success delivery' },
  );
  return { payment, delivery };
}

const deliveriesOf = async (traceId: string) =>
  (await gw.get(`/admin/deliveries?traceId=${traceId}`)).body.data as { id: string }[];

describe('dashboard access in a sandbox without a token', () => {
  it('serves loopback clients and refuses everybody else', async () => {
    gw = await startTestGateway();
    const payment = await gw.createPayment();
    for (const url of ['/', '/dashboard/payments', `/dashboard/payments/${payment.traceId}`]) {
      for (const ip of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) {
        const res = await send({ url, ip });
        expect(res.status, `${url} from ${ip}`).toBe(200);
        expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      }
      for (const ip of ['203.0.113.5', '10.0.0.2', '::ffff:192.168.1.9']) {
        const res = await send({ url, ip });
        expect(res.status, `${url} from ${ip}`).toBe(403);
        expect(res.body).toContain('open to this machine only');
        expect(res.body).not.toContain(payment.traceId);
      }
    }
    // Forms are refused from afar before anything runs.
    const { status } = await send({ method: 'POST', url: '/dashboard/deliveries/x/redeliver', ip: '203.0.113.5' });
    expect(status).toBe(403);
  });

  it('takes a redelivery only from its own pages (Origin), then redirects back to the payment', async () => {
    gw = await startTestGateway();
    const { payment, delivery } = await deliveredPayment();
    const url = `/dashboard/deliveries/${delivery.id}/redeliver`;
    expect((await send({ method: 'POST', url })).status).toBe(403);
    expect((await send({ method: 'POST', url, origin: EVIL })).status).toBe(403);
    expect((await send({ method: 'POST', url, origin: 'null' })).status).toBe(403);
    expect(await deliveriesOf(payment.traceId)).toHaveLength(1);

    const ok = await send({ method: 'POST', url, origin: SAME });
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe(`/dashboard/payments/${payment.traceId}?notice=redelivered`);
    expect(await deliveriesOf(payment.traceId)).toHaveLength(2);
    await waitFor(() => ((receiver as Receiver).received.length === 2 ? true : undefined), { what: 'redelivery' });
    const page = await send({ url: ok.headers.location as string });
    expect(page.body).toContain('Redelivery scheduled');

    // An unknown delivery: a page that says so, not a JSON envelope.
    const refused = await send({
      method: 'POST',
      url: `/dashboard/deliveries/${randomUUID()}/redeliver`,
      origin: SAME,
    });
    expect(refused.status).toBe(404);
    expect(refused.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(refused.body).toContain('does not exist');
    expect(await deliveriesOf(payment.traceId)).toHaveLength(2);
  });

  it('rotates and removes a signing secret only from its own pages; the secret is on the answer alone', async () => {
    const logs = captureLogs('trace');
    gw = await startTestGateway({ PAYHOOK_SECRET_ROTATION_OVERLAP: '3600' }, { logger: logs.logger });
    const rotate = { method: 'POST' as const, url: '/dashboard/signing/rotate', form: { payeeId: 'payee-page' } };
    for (const origin of [undefined, EVIL, 'null']) expect((await send({ ...rotate, origin })).status).toBe(403);
    expect((await send({ ...rotate, origin: SAME, ip: '203.0.113.5' })).status).toBe(403);
    expect(await gw.database.rows('select payee_id from payee_secrets')).toEqual([]);

    const ok = await send({ ...rotate, origin: SAME });
    expect(ok.status).toBe(200);
    expect(ok.headers['cache-control']).toBe('no-store');
    const secret = /<code class="secret" id="new-secret">(whsec_[^<]+)<\/code>/.exec(ok.body)?.[1] as string;
    expect(secret).toMatch(/^whsec_/);
    const list = await send({ url: '/dashboard/signing' });
    expect(list.body).toContain('data-payee="payee-page"');
    expect(list.body).not.toContain(secret.slice(6));
    const bad = await send({ ...rotate, origin: SAME, form: { payeeId: 'payee-page', overlapHours: '721' } });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('overlapHours');

    const remove = { method: 'POST' as const, url: '/dashboard/signing/remove', form: { payeeId: 'payee-page' } };
    expect((await send({ ...remove, origin: EVIL })).status).toBe(403);
    expect(await gw.database.rows('select payee_id from payee_secrets')).toEqual([{ payee_id: 'payee-page' }]);
    const removed = await send({ ...remove, origin: SAME });
    expect(removed.headers.location).toBe('/dashboard/signing?notice=removed');
    expect((await send({ ...remove, origin: SAME })).headers.location).toBe('/dashboard/signing?notice=not-signed');
    expect(logs.text()).toContain('/dashboard/signing/rotate'); // requests are logged, the secret is not
    expect(logs.text()).not.toContain(secret.slice(6));
  });

  it('takes Retry now only from its own pages; a delivered delivery is refused with a page, unchanged', async () => {
    gw = await startTestGateway();
    const { payment, delivery } = await deliveredPayment();
    const url = `/dashboard/deliveries/${delivery.id}/retry-now`;
    expect((await send({ method: 'POST', url, origin: EVIL })).status).toBe(403);
    const refused = await send({ method: 'POST', url, origin: SAME });
    expect(refused.status).toBe(409);
    expect(refused.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(refused.body).toContain(`delivery ${delivery.id} is delivered, not pending`);
    expect((await gw.get(`/admin/deliveries/${delivery.id}`)).body.data.delivery).toEqual(delivery);
    expect(receiver?.received).toHaveLength(1);
    // Nothing to retry on the page either: no button on a delivered delivery.
    const page = await send({ url: `/dashboard/payments/${payment.traceId}` });
    expect(page.body).not.toContain('retry-now');
    expect(page.body).toContain('delivered at ');
  });

  it('refuses cross-site browser posts to the sandbox and admin APIs, but not clients without an Origin', async () => {
    gw = await startTestGateway();
    const payment = await gw.createPayment();
    const evil = await send({
      method: 'POST',
      url: '/v1/sandbox/transfers',
      origin: EVIL,
      form: { traceId: payment.traceId },
    });
    expect(evil.status).toBe(403);
    expect((await result(payment.traceId)).status).toBe('unpaid');
    const resend = await send({
      method: 'POST',
      url: '/admin/deliveries/redeliver-exhausted',
      origin: EVIL,
      form: { url: 'http://127.0.0.1:1/cb' },
    });
    expect(resend.status).toBe(403);
    const cli = await send({
      method: 'POST',
      url: '/v1/sandbox/transfers',
      json: { traceId: payment.traceId },
      html: false,
    });
    expect(cli.status).toBe(200);
    expect((await result(payment.traceId)).status).toBe('success');
  });
});

describe('dashboard access with an admin token', () => {
  const login = (token: string, origin = SAME, next = '/') =>
    send({ method: 'POST', url: '/dashboard/login', origin, form: { token, next }, ip: '198.51.100.7' });

  it('asks for the token, refuses a wrong one, and signs in with a strict HttpOnly cookie', async () => {
    const clock = new ManualClock(Date.now());
    gw = await startTestGateway({ PAYHOOK_MODE: 'production', PAYHOOK_ADMIN_TOKEN: TOKEN }, { clock });
    const page = await send({ url: '/dashboard/payments?status=unpaid' });
    expect(page.status).toBe(303);
    expect(page.headers.location).toBe('/dashboard/login?next=%2Fdashboard%2Fpayments%3Fstatus%3Dunpaid');
    expect((await send({ url: '/dashboard/login' })).body).toContain('name="token"');
    expect((await send({ url: '/admin/stats', html: false })).status).toBe(401);

    const wrong = await login('not-the-admin-token-0000');
    expect(wrong.status).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    expect(wrong.body).toContain('not the admin token');
    const forged = await login(TOKEN, EVIL);
    expect(forged.status).toBe(403);
    expect(forged.headers['set-cookie']).toBeUndefined();

    const ok = await login(TOKEN, SAME, '//evil.example/phish');
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe('/');
    const setCookie = String(ok.headers['set-cookie']);
    expect(setCookie).toMatch(/^payhook_session=[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/);
    expect(setCookie).not.toContain(TOKEN);
    const cookie = setCookie.split(';')[0] as string;
    expect((await login(TOKEN, SAME, '/dashboard/payments?x=1')).headers.location).toBe('/dashboard/payments?x=1');
    for (const next of ['/\\evil.example', '/\t/evil.example', '/\n/evil.example', 'https://evil.example/', 'x']) {
      expect((await login(TOKEN, SAME, next)).headers.location, JSON.stringify(next)).toBe('/');
    }

    // The cookie opens the pages (from anywhere: production admins are remote) and the JSON API.
    expect((await send({ url: '/', cookie, ip: '203.0.113.5' })).status).toBe(200);
    expect((await send({ url: '/admin/stats', cookie, html: false })).status).toBe(200);
    // A tampered MAC: one of its characters changed, always to another (a fixed suffix would equal
    // the real one once in 4,096 runs), and not the last, whose low bits base64 decoding drops.
    const at = cookie.length - 5;
    const tampered = `${cookie.slice(0, at)}${cookie[at] === 'A' ? 'B' : 'A'}${cookie.slice(at + 1)}`;
    expect((await send({ url: '/admin/stats', cookie: tampered, html: false })).status).toBe(401);

    // Twelve hours later it has expired.
    clock.advance(12 * 60 * 60 * 1000);
    expect((await send({ url: '/admin/stats', cookie, html: false })).status).toBe(401);
    expect((await send({ url: '/', cookie })).status).toBe(303);
    expect((await send({ url: '/admin/stats', token: TOKEN, html: false })).status).toBe(200);
  });

  it('takes state changes by cookie only from its own origin; the bearer token needs none', async () => {
    gw = await startTestGateway({ PAYHOOK_MODE: 'production', PAYHOOK_ADMIN_TOKEN: TOKEN });
    const cookie = String((await login(TOKEN)).headers['set-cookie']).split(';')[0] as string;
    const post = (extra: Partial<Req>) =>
      send({
        method: 'POST',
        url: '/admin/deliveries/redeliver-exhausted',
        json: { url: 'https://a.example/cb' },
        html: false,
        ...extra,
      });
    expect((await post({ cookie })).status).toBe(403);
    expect((await post({ cookie, origin: EVIL })).status).toBe(403);
    expect((await post({ cookie, origin: SAME })).status).toBe(200);
    expect((await post({ token: TOKEN })).status).toBe(200);
    expect((await post({})).status).toBe(401);

    const out = await send({ method: 'POST', url: '/dashboard/logout', cookie, origin: SAME });
    expect(out.status).toBe(303);
    expect(out.headers.location).toBe('/dashboard/login');
    expect(String(out.headers['set-cookie'])).toMatch(
      /^payhook_session=; Path=\/; HttpOnly; SameSite=Strict; Max-Age=0$/,
    );
  });
});

describe('escaping', () => {
  it('renders a remark, orderId and payeeId holding markup as text on every page', async () => {
    gw = await startTestGateway();
    const remark = '<script>alert(1)</script>';
    const created = await gw.createPayment({ remark, returnTo: 'javascript:alert(2)' });
    // Stored data the API would refuse (an older version, another writer): still only text.
    const { payment } = (await gw.gateway.store.payments.find({ traceId: created.traceId }))!;
    const hostile = {
      ...payment,
      traceId: randomUUID(),
      orderId: '<script>alert("o")</script>',
      payeeId: '"><img src=x onerror=alert(3)>',
    };
    await gw.gateway.store.payments.insert(hostile);
    await gw.post('/v1/sandbox/transfers', { traceId: created.traceId });

    const pages = [
      `/dashboard/payments`,
      `/dashboard/payments?search=${encodeURIComponent(hostile.orderId)}`,
      `/dashboard/payments/${created.traceId}`,
      `/dashboard/payments/${hostile.traceId}`,
      `/checkout/${created.traceId}`,
      `/checkout/${hostile.traceId}`,
    ];
    for (const url of pages) {
      const { status, body } = await send({ url });
      expect(status, url).toBe(200);
      // The only script element is the live-update script (absent where nothing can change).
      for (const tag of body.match(/<script[^>]*>/g) ?? [])
        expect(tag, url).toBe('<script src="/assets/live.js" defer>');
      expect(body, url).toContain('&lt;script&gt;');
      expect(body, url).not.toContain('<img');
      expect(body, url).not.toContain('javascript:');
    }
    expect((await send({ url: `/checkout/${created.traceId}` })).body).toContain(
      '&lt;script&gt;alert(1)&lt;/script&gt;',
    );
    const list = (await send({ url: `/dashboard/payments?search=${encodeURIComponent(hostile.orderId)}` })).body;
    expect(list).toContain('&lt;script&gt;alert(&quot;o&quot;)&lt;/script&gt;');
    expect(list).toContain('&quot;&gt;&lt;img src=x onerror=alert(3)&gt;');
    // The search box echoes the term as an attribute value, escaped.
    expect(list).toContain('value="&lt;script&gt;alert(&quot;o&quot;)&lt;/script&gt;"');
  });

  it('sends a content security policy that allows no inline script', async () => {
    gw = await startTestGateway();
    const res = await send({ url: '/' });
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    const js = await send({ url: '/assets/live.js' });
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await send({ url: '/assets/payhook.css' })).headers['content-type']).toBe('text/css; charset=utf-8');
  });
});

describe('checkout page actions (sandbox)', () => {
  const oneTime = async (extra: Record<string, unknown> = {}) => {
    const res = await gw.post('/v1/one_time_payment', paymentBody(extra));
    expect(res.status).toBe(200);
    // A one-time payment's code is its traceId.
    const { code } = res.body.data as { code: string };
    return { code, traceId: code };
  };
  const act = (traceId: string, action: string, form: Record<string, string> = {}) =>
    send({ method: 'POST', url: `/checkout/${traceId}/${action}`, origin: SAME, form });

  it('pays less (pending, remaining shown), then more than the rest (success with surplus)', async () => {
    gw = await startTestGateway({ PAYHOOK_SETTLE_DELAY: '3600' });
    const { code, traceId } = await oneTime();
    const less = await act(traceId, 'pay', { amount: '3.5', assetId: '', confirmations: '' });
    expect(less.status).toBe(303);
    expect(less.headers.location).toBe(`/code/${code}`);
    expect(await result(traceId)).toMatchObject({
      status: 'pending',
      payableAmount: '10',
      payment: { isFullyPaid: false, totalTransactionsAmount: '3.5' },
    });
    const page = await send({ url: `/code/${code}` });
    expect(page.body).toMatch(/id="remaining">6\.5 USDT</);

    const more = await act(traceId, 'pay', { amount: '8', assetId: USDT_ID });
    expect(more.headers.location).toBe(`/code/${code}`);
    expect(await result(traceId)).toMatchObject({ status: 'success', surplusAmount: '1.5', surplusStatus: 'pending' });
    const final = (await send({ url: `/code/${code}` })).body;
    expect(final).toContain('Payment received');
    expect(final).not.toContain('Pay in full');
    // API clients still get the payment's info.
    const json = await send({ url: `/code/${code}`, html: false });
    expect(JSON.parse(json.body).data).toMatchObject({ traceId, paymentAmount: '10', isChain: false });
  });

  it('lets the payer pick the asset of an open one-time payment, which then waits for its confirmations', async () => {
    gw = await startTestGateway();
    const { code, traceId } = await oneTime({ paymentAssetId: undefined, returnTo: 'https://shop.example/thanks?o=1' });
    expect((await send({ url: `/code/${code}` })).body).toContain('in the asset you choose');
    const paid = await act(traceId, 'pay', { assetId: BTC_ID, confirmations: '1' });
    expect(paid.headers.location).toBe(`/code/${code}`);
    const pending = await result(traceId);
    // 10 USD at 60000 USD per BTC, rounded up to 8 places; BTC needs 2 confirmations.
    expect(pending).toMatchObject({
      status: 'pending',
      confirmations: 1,
      paymentAssetId: BTC_ID,
      payableAmount: '0.00016667',
    });
    const txid = pending.transactions[0].txid as string;
    const page = (await send({ url: `/code/${code}` })).body;
    expect(page).toContain('1 of 2 (confirming)');
    const done = await act(traceId, `transfers/${txid}/confirmations`, { confirmations: '2' });
    expect(done.headers.location).toBe('https://shop.example/thanks?o=1');
    expect((await result(traceId)).status).toBe('success');
  });

  it('fails on the wrong asset and sends the payer to failedReturnTo', async () => {
    gw = await startTestGateway();
    const payment = await gw.createPayment({ failedReturnTo: 'https://shop.example/failed' });
    const res = await act(payment.traceId, 'pay', { assetId: BTC_ID });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('https://shop.example/failed');
    expect(await result(payment.traceId)).toMatchObject({ status: 'failed', failureCode: '40020' });
  });

  it('confirms a confirming transfer from the page, then redirects to returnTo', async () => {
    gw = await startTestGateway();
    const payment = await gw.createPayment({ returnTo: 'https://shop.example/thanks' });
    expect((await act(payment.traceId, 'pay', { confirmations: '0' })).headers.location).toBe(
      `/checkout/${payment.traceId}`,
    );
    const pending = await result(payment.traceId);
    expect(pending).toMatchObject({ status: 'pending', confirmations: 0 });
    const txid = pending.transactions[0].txid as string;
    const page = (await send({ url: `/checkout/${payment.traceId}` })).body;
    expect(page).toContain(`action="/checkout/${payment.traceId}/transfers/${txid}/confirmations"`);

    // Another payment's form cannot confirm this transfer.
    const other = await gw.createPayment();
    const foreign = await send({
      method: 'POST',
      url: `/checkout/${other.traceId}/transfers/${txid}/confirmations`,
      origin: SAME,
      form: { confirmations: '1' },
    });
    expect(foreign.status).toBe(404);
    expect((await result(payment.traceId)).status).toBe('pending');

    const done = await act(payment.traceId, `transfers/${txid}/confirmations`, { confirmations: '1' });
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe('https://shop.example/thanks');
    expect(await result(payment.traceId)).toMatchObject({ status: 'success', confirmations: -1 });
  });

  it('lets it expire; a javascript: returnTo is never followed', async () => {
    gw = await startTestGateway();
    const payment = await gw.createPayment({ failedReturnTo: 'javascript:alert(1)' });
    const res = await act(payment.traceId, 'expire');
    expect(res.headers.location).toBe(`/checkout/${payment.traceId}`);
    expect(await result(payment.traceId)).toMatchObject({ status: 'failed', failureCode: '40000' });
    const page = (await send({ url: res.headers.location as string })).body;
    expect(page).toContain('Payment failed');
    expect(page).toContain('Payment overtime');
    expect(page).not.toContain('javascript:');
  });

  it('shows the reason for a refused action and changes nothing', async () => {
    gw = await startTestGateway();
    const payment = await gw.createPayment();
    const forms: Record<string, string>[] = [
      { amount: 'ten' },
      { amount: '-1' },
      { assetId: 'no-such-asset' },
      { confirmations: '-2' },
    ];
    for (const form of forms) {
      const res = await act(payment.traceId, 'pay', form);
      expect(res.status, JSON.stringify(form)).toBe(400);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.body).toContain('class="error"');
      expect(res.body).toContain('Pay in full');
    }
    expect(await result(payment.traceId)).toMatchObject({ status: 'unpaid', transactions: [] });
    expect((await send({ method: 'POST', url: `/checkout/${payment.traceId}/pay`, origin: EVIL })).status).toBe(403);
    expect((await send({ method: 'POST', url: `/checkout/${randomUUID()}/pay`, origin: SAME })).status).toBe(404);
    expect((await result(payment.traceId)).status).toBe('unpaid');
  });

  it('serves a paylink as a page the payer can pay, then shows the final state', async () => {
    gw = await startTestGateway();
    const query = new URLSearchParams({
      payeeId: 'payee-1',
      orderId: 'order-paylink-1',
      quoteAmount: '25',
      quoteAssetId: 'usd',
    });
    const page = await send({ url: `/pay?${query}` });
    expect(page.status).toBe(200);
    expect(page.body).toContain('Pay in full');
    const traceId = /action="\/checkout\/([0-9a-f-]{36})\/pay"/.exec(page.body)?.[1] as string;
    expect(traceId).toBeDefined();
    const paid = await act(traceId, 'pay');
    expect(paid.headers.location).toBe(`/checkout/${traceId}`);
    expect(await result(traceId)).toMatchObject({ status: 'success', quoteAmount: '25', paymentAmount: '25' });
    // Opening the link again shows the same, now final, payment.
    const again = (await send({ url: `/pay?${query}` })).body;
    expect(again).toContain('Payment received');
    expect(again).not.toContain('Pay in full');
  });

  it('answers errors as pages to browsers and as the envelope to API clients', async () => {
    gw = await startTestGateway();
    for (const url of ['/code/no-such-code', `/checkout/${randomUUID()}`]) {
      const page = await send({ url });
      expect(page.status).toBe(404);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.body).toContain('does not exist');
      const api = await send({ url, html: false });
      expect(api.status).toBe(404);
      expect(JSON.parse(api.body)).toMatchObject({ success: false, code: 404 });
    }
    const bad = await send({ url: '/pay?payeeId=payee-1', html: false });
    expect(JSON.parse(bad.body)).toMatchObject({
      success: false,
      code: 10011,
      message: expect.stringMatching(/quoteAssetId: is required/),
    });
  });

  it('offers no payer actions when the sandbox is off', async () => {
    gw = await startTestGateway({ PAYHOOK_MODE: 'production', PAYHOOK_ADMIN_TOKEN: TOKEN });
    const payment = await gw.createPayment();
    const page = await send({ url: `/checkout/${payment.traceId}` });
    expect(page.status).toBe(200);
    expect(page.body).toContain('Send 10 USDT from your wallet');
    expect(page.body).not.toContain('Pay in full');
    expect((await act(payment.traceId, 'pay')).status).toBe(404);
    expect((await act(payment.traceId, 'expire')).status).toBe(404);
    expect((await result(payment.traceId)).status).toBe('unpaid');
  });
});

describe('retrying deliveries', () => {
  it('are counted in /admin/stats and on the overview, and filter the payment list', async () => {
    gw = await startTestGateway({ PAYHOOK_RETRY_SCHEDULE: '0,3600' });
    receiver = await startReceiver();
    receiver.script([], 'status500');
    const failing = await gw.createPayment({ callbackUrl: receiver.url });
    const quiet = await gw.createPayment();
    await gw.post('/v1/sandbox/transfers', { traceId: failing.traceId });
    await gw.post('/v1/sandbox/transfers', { traceId: quiet.traceId });
    const stats = await waitFor(
      async () => {
        const data = (await gw.get('/admin/stats')).body.data;
        return data.retrying === 1 ? data : undefined;
      },
      { what: 'a retrying delivery' },
    );
    expect(stats.deliveries).toEqual({ pending: 1, delivered: 0, exhausted: 0 });
    const listed = (await gw.get('/admin/payments?deliveryState=retrying')).body.data.payments;
    expect(listed.map((p: { traceId: string }) => p.traceId)).toEqual([failing.traceId]);
    expect((await gw.get('/admin/payments?deliveryState=delivered')).body.data.payments).toEqual([]);

    expect((await send({ url: '/' })).body).toContain('data-count="retrying">1<');
    const page = (await send({ url: '/dashboard/payments?deliveryState=retrying&status=' })).body;
    expect(page).toContain(`data-trace-id="${failing.traceId}"`);
    expect(page).not.toContain(`data-trace-id="${quiet.traceId}"`);
    expect(page).toContain('<option value="retrying" selected>');
  });
});

describe('the overview’s retention card', () => {
  const DAY = 86_400_000;
  const card = (body: string) => {
    const at = body.indexOf('<section class="card" id="retention">');
    expect(at).toBeGreaterThan(-1);
    const text = body.slice(at, body.indexOf('</section>', at)).replace(/<[^>]+>/g, ' ');
    return text.replace(/\s+/g, ' ').replaceAll('&#39;', "'").trim();
  };

  /** One payment whose callback fails once, then is delivered 10 s later: two attempts. */
  async function twoAttempts(env: Record<string, string>, clock: ManualClock) {
    gw = await startTestGateway({ PAYHOOK_RETRY_SCHEDULE: '0,10', ...env }, { clock }, { listen: false });
    receiver = await startReceiver();
    receiver.script(['status500'], 'success');
    const payment = await gw.createPayment({ callbackUrl: receiver.url });
    await gw.post('/v1/sandbox/transfers', { traceId: payment.traceId });
    expect(await gw.gateway.dispatcher.runDue()).toBe(1);
    clock.advance(10_000);
    expect(await gw.gateway.dispatcher.runDue()).toBe(1);
  }

  it('tells the retention, the last pass and the total pruned', async () => {
    const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));
    await twoAttempts({ PAYHOOK_ATTEMPT_RETENTION: '30' }, clock);
    expect(card((await send({ url: '/' })).body)).toBe(
      "Retention Setting attempts older than 30 days are pruned (each delivery's last attempt kept) " +
        'Last pass no pass yet Pruned in all 0 attempts',
    );

    clock.advance(31 * DAY);
    const pass = await gw.gateway.pruner.runPass();
    expect(pass).toMatchObject({ pruned: 1, cutoff: clock.now() - 30 * DAY });
    const when = new Date(clock.now()).toISOString().slice(0, 19).replace('T', ' ');
    const cutoff = new Date(clock.now() - 30 * DAY).toISOString().slice(0, 19).replace('T', ' ');
    const pages = pass?.reclaimedPages === 1 ? '1 page' : `${pass?.reclaimedPages} pages`;
    expect(card((await send({ url: '/' })).body)).toBe(
      "Retention Setting attempts older than 30 days are pruned (each delivery's last attempt kept) " +
        `Last pass ${when}Z: cutoff ${cutoff}Z, 1 attempt pruned, ${pages} given back ` +
        'Pruned in all 1 attempt',
    );
  });

  it('says every attempt is kept with a retention of 0', async () => {
    const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));
    await twoAttempts({ PAYHOOK_ATTEMPT_RETENTION: '0' }, clock);
    clock.advance(3650 * DAY);
    expect(await gw.gateway.pruner.runPass()).toBeNull();
    expect(card((await send({ url: '/' })).body)).toBe(
      'Retention Setting every attempt is kept (PAYHOOK_ATTEMPT_RETENTION=0) Last pass no pass yet Pruned in all 0 attempts',
    );
    expect((await gw.get('/admin/attempts?limit=50')).body.data.attempts).toHaveLength(2);
  });
});

describe('events without a delivery', () => {
  it('say why: not subscribed to the event, or no callbackUrl at all', async () => {
    gw = await startTestGateway();
    receiver = await startReceiver();
    const subscribed = await gw.createPayment({ callbackUrl: receiver.url });
    const silent = await gw.createPayment();
    for (const { traceId } of [subscribed, silent]) {
      expect((await gw.post('/v1/sandbox/transfers', { traceId })).status).toBe(200);
    }
    // The settlement (0.1 s later) raises `settle`, which neither payment subscribed to.
    const page = await waitFor(
      async () => {
        const res = await send({ url: `/dashboard/payments/${subscribed.traceId}` });
        return res.body.includes('data-event="settle"') ? res.body : undefined;
      },
      { what: 'the settle event' },
    );
    expect(page).toContain('not subscribed: the payment did not subscribe to this event');
    expect(page).not.toContain('not sent');
    const bare = (await send({ url: `/dashboard/payments/${silent.traceId}` })).body;
    expect(bare).toContain('no callback: the payment has no callbackUrl');

    const list = (await send({ url: '/dashboard/payments' })).body;
    const row = (traceId: string) => list.slice(list.indexOf(`data-trace-id="${traceId}"`)).split('</tr>')[0] ?? '';
    expect(row(subscribed.traceId)).toContain('settle <span class="muted">not subscribed</span>');
    expect(row(silent.traceId)).toContain('success <span class="muted">no callback</span>');
    expect(list).not.toContain('not sent');
  });
});
