// Rate limits per client IP: MixPay's 60 a minute on the public API with its headers and 1429,
// a separate larger budget for control routes, fixed windows on the injected clock, and one
// budget shared by every gateway on the same database.
import { MixPayApiError, MixPayClient, RateLimitedError } from '@payhook/merchant';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test-support/wait.js';
import { ManualClock } from '../src/clock.js';
import { CONTROL_FACTOR, RATE_WINDOW_MS } from '../src/http/rate-limit.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';

const TOKEN = 'rate-limit-admin-token-0123456789';
const running: TestGateway[] = [];

afterEach(async () => {
  // Gateways that borrowed a database close before the one that owns (and drops) it.
  for (const gw of running.splice(0).reverse()) await gw.close();
});

async function start(env: Record<string, string>, clock: ManualClock, database?: TestGateway['database']) {
  const gw = await startTestGateway(env, { clock }, { listen: false, ...(database ? { database } : {}) });
  running.push(gw);
  return gw;
}

/** A clock 15 s into a fixed window, so the window has 45 s left. */
function clockInWindow(): ManualClock {
  return new ManualClock(Math.ceil(Date.UTC(2026, 0, 1) / RATE_WINDOW_MS) * RATE_WINDOW_MS + 15_000);
}

async function send(
  gw: TestGateway,
  url: string,
  options: { ip?: string; method?: 'GET' | 'POST'; token?: string; accept?: string } = {},
) {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.accept) headers.accept = options.accept;
  const res = await gw.gateway.app.inject({
    method: options.method ?? 'GET',
    url,
    headers,
    remoteAddress: options.ip ?? '203.0.113.7',
  });
  return res;
}

const UNKNOWN = '/v1/payments_info?traceId=00000000-0000-4000-8000-000000000000';

describe('the public API budget', () => {
  it('lets 60 requests a minute through with the headers, refuses the 61st with 1429, spares other clients', async () => {
    const clock = clockInWindow();
    const gw = await start({ PAYHOOK_RATE_LIMIT: '' }, clock); // unset: the default, MixPay's 60 a minute
    for (let i = 1; i <= 60; i++) {
      const res = await send(gw, UNKNOWN);
      expect(res.statusCode).toBe(404); // counted whatever the answer
      expect(res.headers['x-ratelimit-limit']).toBe('60');
      expect(res.headers['x-ratelimit-remaining']).toBe(String(60 - i));
      expect(res.headers['x-ratelimit-reset']).toBe('45');
    }
    const refused = await send(gw, UNKNOWN);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['x-ratelimit-limit']).toBe('60');
    expect(refused.headers['x-ratelimit-remaining']).toBe('0');
    expect(refused.headers['x-ratelimit-reset']).toBe('45');
    expect(refused.headers['retry-after']).toBe('45');
    expect(refused.json()).toEqual({
      code: 1429,
      success: false,
      message: 'Too many requests: at most 60 a minute per client; retry in 45 s',
      data: [],
      timestampMs: clock.now(),
    });
    // Creating is refused too, and creates nothing.
    const create = await gw.gateway.app.inject({
      method: 'POST',
      url: '/v1/payments',
      remoteAddress: '203.0.113.7',
      payload: { payeeId: 'payee-1', orderId: 'order-limited', quoteAmount: '1', quoteAssetId: 'usd' },
    });
    expect(create.statusCode).toBe(429);
    expect(create.json().code).toBe(1429);
    expect(await gw.database.rows('select trace_id from payments')).toEqual([]);

    // Another client has its own budget.
    const other = await send(gw, UNKNOWN, { ip: '198.51.100.20' });
    expect(other.statusCode).toBe(404);
    expect(other.headers['x-ratelimit-remaining']).toBe('59');
    // IPv6 clients are counted per /64: two addresses of one network share a budget.
    await send(gw, UNKNOWN, { ip: '2001:db8:1:2::a' });
    const sameNet = await send(gw, UNKNOWN, { ip: '2001:db8:1:2::b' });
    expect(sameNet.headers['x-ratelimit-remaining']).toBe('58');
  });

  it('starts a fresh budget when the clock enters the next window', async () => {
    const clock = clockInWindow();
    const gw = await start({ PAYHOOK_RATE_LIMIT: '3' }, clock);
    for (let i = 0; i < 3; i++) expect((await send(gw, UNKNOWN)).statusCode).toBe(404);
    expect((await send(gw, UNKNOWN)).statusCode).toBe(429);
    clock.advance(44_999); // still the same window
    const late = await send(gw, UNKNOWN);
    expect(late.statusCode).toBe(429);
    expect(late.headers['retry-after']).toBe('1');
    clock.advance(1); // the next window
    const fresh = await send(gw, UNKNOWN);
    expect(fresh.statusCode).toBe(404);
    expect(fresh.headers['x-ratelimit-remaining']).toBe('2');
    expect(fresh.headers['x-ratelimit-reset']).toBe('60');
  });

  it('counts the checkout pages in the same budget and shows browsers a page', async () => {
    const clock = clockInWindow();
    const gw = await start({ PAYHOOK_RATE_LIMIT: '2' }, clock);
    expect((await send(gw, '/code/nope')).statusCode).toBe(404);
    expect((await send(gw, UNKNOWN)).statusCode).toBe(404);
    const page = await send(gw, '/code/nope', { accept: 'text/html' });
    expect(page.statusCode).toBe(429);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['retry-after']).toBe('45');
    expect(page.body).toContain('<h1>Too many requests</h1>');
    expect(page.body).toContain('at most 2 a minute per client; retry in 45 s');
  });

  it('is off with PAYHOOK_RATE_LIMIT=0: no headers, no refusals', async () => {
    const gw = await start({ PAYHOOK_RATE_LIMIT: '0' }, clockInWindow());
    for (let i = 0; i < 80; i++) {
      const res = await send(gw, UNKNOWN);
      expect(res.statusCode).toBe(404);
      expect(res.headers['x-ratelimit-limit']).toBeUndefined();
    }
  });

  it('does not limit health checks and static assets', async () => {
    const gw = await start({ PAYHOOK_RATE_LIMIT: '1' }, clockInWindow());
    for (let i = 0; i < 5; i++) {
      const health = await send(gw, '/healthz');
      expect(health.statusCode).toBe(200);
      expect(health.headers['x-ratelimit-limit']).toBeUndefined();
      expect((await send(gw, '/assets/payhook.css')).statusCode).toBe(200);
    }
  });

  it('never lets more than the limit through under concurrent requests', async () => {
    const gw = await start({ PAYHOOK_RATE_LIMIT: '10' }, clockInWindow());
    const answers = await Promise.all(Array.from({ length: 25 }, () => send(gw, UNKNOWN)));
    const statuses = answers.map((a) => a.statusCode);
    expect(statuses.filter((s) => s === 404)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(15);
    const remaining = answers
      .filter((a) => a.statusCode === 404)
      .map((a) => Number(a.headers['x-ratelimit-remaining']));
    expect(remaining.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

describe('the merchant kit against the limit', () => {
  it("reads the gateway's 1429 and retry-after, and pauses instead of hammering", async () => {
    const clock = clockInWindow();
    const gw = await startTestGateway({ PAYHOOK_RATE_LIMIT: '3' }, { clock });
    running.push(gw);
    const client = new MixPayClient({ baseUrl: `${gw.url}/v1`, requestsPerMinute: 1000 });
    const traceId = '00000000-0000-4000-8000-000000000000';
    for (let i = 0; i < 3; i++) await expect(client.getPaymentsInfo(traceId)).rejects.toBeInstanceOf(MixPayApiError);
    const limited = await client.getPaymentsInfo(traceId).catch((error: unknown) => error);
    expect(limited).toBeInstanceOf(RateLimitedError);
    expect(limited).toMatchObject({ source: 'server', retryAfterMs: 45_000 });
    // The client now holds back on its own: the next call fails fast without reaching the gateway.
    const local = await client.getPaymentsInfo(traceId).catch((error: unknown) => error);
    expect(local).toMatchObject({ source: 'local' });
    const [counted] = await gw.database.rows<{ count: number }>('select count from rate_limits');
    expect(Number(counted?.count)).toBe(4);
  });
});

describe('the control budget (admin, sandbox, dashboard)', () => {
  it('is separate from the public one and ten times larger', async () => {
    const clock = clockInWindow();
    const gw = await start({ PAYHOOK_RATE_LIMIT: '2', PAYHOOK_ADMIN_TOKEN: TOKEN }, clock);
    await send(gw, UNKNOWN);
    await send(gw, UNKNOWN);
    expect((await send(gw, UNKNOWN)).statusCode).toBe(429);
    const admin = await send(gw, '/admin/stats', { token: TOKEN });
    expect(admin.statusCode).toBe(200);
    expect(admin.headers['x-ratelimit-limit']).toBe(String(2 * CONTROL_FACTOR));
    expect(admin.headers['x-ratelimit-remaining']).toBe(String(2 * CONTROL_FACTOR - 1));
    const sandbox = await send(gw, '/v1/sandbox/assets', { token: TOKEN });
    expect(sandbox.statusCode).toBe(200);
    expect(sandbox.headers['x-ratelimit-remaining']).toBe(String(2 * CONTROL_FACTOR - 2));
  });

  it('counts refused tokens too, so guessing the token is limited as well', async () => {
    const gw = await start({ PAYHOOK_RATE_LIMIT: '1', PAYHOOK_ADMIN_TOKEN: TOKEN }, clockInWindow());
    for (let i = 0; i < CONTROL_FACTOR; i++) {
      expect((await send(gw, '/admin/stats', { token: `wrong-token-${i}-0123456789` })).statusCode).toBe(401);
    }
    const refused = await send(gw, '/admin/stats', { token: TOKEN });
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ code: 1429, success: false, data: [] });
    // The dashboard is a control route as well.
    expect((await send(gw, '/dashboard/payments', { token: TOKEN })).statusCode).toBe(429);
  });
});

describe('several gateways on one database', () => {
  it('share one budget per client', async () => {
    const clock = clockInWindow();
    const a = await start({ PAYHOOK_RATE_LIMIT: '5' }, clock);
    const b = await start({ PAYHOOK_RATE_LIMIT: '5' }, clock, a.database);
    expect(b.gateway.store).not.toBe(a.gateway.store);
    for (let i = 0; i < 3; i++) expect((await send(a, UNKNOWN)).statusCode).toBe(404);
    const fromB = await send(b, UNKNOWN);
    expect(fromB.headers['x-ratelimit-remaining']).toBe('1');
    expect((await send(b, UNKNOWN)).headers['x-ratelimit-remaining']).toBe('0');
    expect((await send(a, UNKNOWN)).statusCode).toBe(429);
    expect((await send(b, UNKNOWN)).statusCode).toBe(429);
    // Another client is still welcome on either.
    expect((await send(b, UNKNOWN, { ip: '198.51.100.20' })).statusCode).toBe(404);
  });

  it('let no more than the limit through when both are hit at once', async () => {
    const clock = clockInWindow();
    const a = await start({ PAYHOOK_RATE_LIMIT: '10' }, clock);
    const b = await start({ PAYHOOK_RATE_LIMIT: '10' }, clock, a.database);
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => send(i % 2 === 0 ? a : b, UNKNOWN)));
    expect(answers.filter((r) => r.statusCode === 404)).toHaveLength(10);
    expect(answers.filter((r) => r.statusCode === 429)).toHaveLength(20);
  });

  it('forget past windows', async () => {
    const clock = clockInWindow();
    const gw = await start({ PAYHOOK_RATE_LIMIT: '5' }, clock);
    const windows = async () =>
      (await gw.database.rows<{ window_start: number }>('select distinct window_start from rate_limits'))
        .map((r) => Number(r.window_start))
        .sort((x, y) => x - y);
    const first = Math.floor(clock.now() / RATE_WINDOW_MS) * RATE_WINDOW_MS;
    await send(gw, UNKNOWN);
    clock.advance(RATE_WINDOW_MS);
    await send(gw, UNKNOWN);
    clock.advance(RATE_WINDOW_MS);
    await send(gw, UNKNOWN);
    // The window before the previous one is deleted in the background.
    await waitFor(async () => (await windows()).length === 2, { what: 'the oldest window to be deleted' });
    expect(await windows()).toEqual([first + RATE_WINDOW_MS, first + 2 * RATE_WINDOW_MS]);
  });
});
