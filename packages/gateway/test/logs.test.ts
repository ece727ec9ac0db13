// The gateway's JSON logs from a real gateway: request lines show headers but never a credential,
// and every line about a delivery names the delivery.
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test-support/wait.js';
import { call } from './helpers/api.js';
import { closeTestServers, startTestGateway, type TestGateway } from './helpers/gateway.js';
import { captureLogs } from './helpers/logs.js';
import { type Receiver, startReceiver } from './helpers/receiver.js';

const TOKEN = 'log-test-admin-token-5c1d9e';
let gw: TestGateway | undefined;
let receiver: Receiver | undefined;

afterEach(closeTestServers);

describe('logs', () => {
  it('never contain the admin token, whether sent as a header, a cookie or a form', async () => {
    const logs = captureLogs('trace');
    gw = await startTestGateway(
      { PAYHOOK_MODE: 'production', PAYHOOK_ADMIN_TOKEN: TOKEN },
      { logger: logs.logger },
      { listen: false },
    );
    const signed = await call(gw, 'GET', '/admin/stats', {
      token: TOKEN,
      headers: { 'x-payhook-signature': `v1=${TOKEN}`, 'user-agent': 'log-test/1' },
    });
    expect(signed.status).toBe(200);
    expect((await call(gw, 'GET', '/metrics', { token: TOKEN })).status).toBe(200);
    expect((await call(gw, 'GET', '/admin/stats', { headers: { cookie: `payhook_session=${TOKEN}` } })).status).toBe(
      401,
    );
    const login = await call(gw, 'POST', '/dashboard/login', {
      form: { token: TOKEN, next: '/' },
      headers: { origin: 'http://localhost' },
    });
    expect(login.status).toBe(303);
    const session = String(login.headers['set-cookie']).split(';')[0] as string;
    expect((await call(gw, 'GET', '/admin/stats', { headers: { cookie: session } })).status).toBe(200);

    const text = logs.text();
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(session.split('=')[1]);
    // Request lines do carry the headers: redaction, not their absence, is what hides the token.
    const incoming = logs
      .lines()
      .filter((l) => l.msg === 'incoming request')
      .map((l) => l.req as { url: string; headers: Record<string, string> });
    expect(incoming.length).toBeGreaterThanOrEqual(5);
    const first = incoming.find((r) => r.headers['user-agent'] === 'log-test/1');
    expect(first?.headers).toMatchObject({
      authorization: '[Redacted]',
      'x-payhook-signature': '[Redacted]',
      'user-agent': 'log-test/1',
    });
    expect(incoming.filter((r) => r.headers.cookie !== undefined).map((r) => r.headers.cookie)).toEqual([
      '[Redacted]',
      '[Redacted]',
    ]);
  });

  it('log the hot reads (payments_result, payments_info) at debug, every other request at info', async () => {
    for (const level of ['info', 'debug']) {
      const logs = captureLogs(level);
      gw = await startTestGateway({}, { logger: logs.logger }, { listen: false });
      const { traceId } = await gw.createPayment();
      expect((await call(gw, 'GET', `/v1/payments_result?traceId=${traceId}`)).status).toBe(200);
      expect((await call(gw, 'GET', `/v1/payments_info?traceId=${traceId}`)).status).toBe(200);
      const about = (path: string) =>
        logs.lines().filter((l) => (l.req as { url?: string } | undefined)?.url?.startsWith(path) === true);
      // The create is logged as any request is; the reads only at debug.
      expect(logs.lines().some((l) => (l.req as { url?: string } | undefined)?.url === '/v1/payments')).toBe(true);
      for (const path of ['/v1/payments_result', '/v1/payments_info']) {
        const lines = about(path);
        if (level === 'info') expect(lines).toEqual([]);
        else expect(lines.map((l) => [l.level, l.msg])).toEqual([[20, 'incoming request']]);
        const completed = logs.lines().filter((l) => l.msg === 'request completed' && l.level === 20);
        expect(completed.length).toBe(level === 'info' ? 0 : 2);
      }
      await gw.close();
      gw = undefined;
    }
  });

  it('name the delivery on every line about one', async () => {
    receiver = await startReceiver();
    receiver.script(['status500', 'not_json'], 'success');
    const logs = captureLogs('debug');
    gw = await startTestGateway({}, { logger: logs.logger });
    const payment = await gw.createPayment({ callbackUrl: receiver.url });
    await gw.post('/v1/sandbox/transfers', { traceId: payment.traceId });
    const line = await waitFor(() => logs.lines().find((l) => l.msg === 'delivered'), { what: 'the delivered line' });

    const [delivery] = (await gw.get(`/admin/deliveries?traceId=${payment.traceId}`)).body.data;
    const dispatcherLines = logs.lines().filter((l) => l.component === 'dispatcher');
    expect(dispatcherLines.map((l) => l.msg)).toEqual(['attempt failed', 'attempt failed', 'delivered']);
    for (const l of dispatcherLines) {
      expect(l).toMatchObject({ deliveryId: delivery.id, traceId: payment.traceId, event: 'success' });
    }
    expect(line).toMatchObject({ attemptNo: 3, statusCode: 200 });
  });
});
