// GET /healthz: 200 with the database answering; 503 in MixPay's envelope when it fails, is
// closed, or does not answer in time.
import { afterEach, describe, expect, it } from 'vitest';
import { HEALTH_TIMEOUT_MS } from '../src/http/routes/operations.js';
import { call } from './helpers/api.js';
import { BACKEND } from './helpers/database.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';
import { captureLogs } from './helpers/logs.js';

let gw: TestGateway | undefined;

afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

function expectUnavailable(res: Awaited<ReturnType<typeof call>>) {
  expect(res.status, res.raw).toBe(503);
  expect(res.body).toMatchObject({ code: -1, success: false, message: 'database unreachable', data: [] });
  expect(Number.isInteger(res.body.timestampMs)).toBe(true);
  expect(res.headers['cache-control']).toBe('no-store');
}

describe('GET /healthz', () => {
  it('answers ok with the mode and the database', async () => {
    gw = await startTestGateway({}, {}, { listen: false });
    const res = await call(gw, 'GET', '/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      code: 0,
      success: true,
      data: { status: 'ok', mode: 'sandbox', database: BACKEND },
    });
  });

  it('answers 503 in the envelope when the database fails, and logs why', async () => {
    const logs = captureLogs();
    gw = await startTestGateway({}, { logger: logs.logger }, { listen: false });
    gw.gateway.store.ping = async () => {
      throw new Error('connect ECONNREFUSED 10.0.0.9:5432');
    };
    expectUnavailable(await call(gw, 'GET', '/healthz'));
    const line = logs.lines().find((l) => l.msg === 'health check: database unreachable');
    expect(line?.level).toBe(50);
    expect(line?.err).toMatchObject({ message: 'connect ECONNREFUSED 10.0.0.9:5432' });
  });

  it('answers 503 once the store is closed', async () => {
    gw = await startTestGateway({}, {}, { listen: false });
    const { store } = gw.gateway;
    await store.close();
    expectUnavailable(await call(gw, 'GET', '/healthz'));
    // The gateway's own shutdown closes it again: make that a no-op for this test.
    store.close = async () => {};
  });

  it('answers 503 when the database does not answer in time', async () => {
    gw = await startTestGateway({}, {}, { listen: false });
    gw.gateway.store.ping = () => new Promise<void>(() => {});
    const started = Date.now();
    expectUnavailable(await call(gw, 'GET', '/healthz'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(HEALTH_TIMEOUT_MS - 50);
  });
});
