// GET /healthz: 200 with the database answering and committing; 503 in MixPay's envelope when it
// fails, is closed, does not answer in time, or answers reads but refuses every commit.
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HEALTH_TIMEOUT_MS } from '../src/http/routes/operations.js';
import { call } from './helpers/api.js';
import { BACKEND, pgAdmin } from './helpers/database.js';
import { closeTestServers, startTestGateway, type TestGateway } from './helpers/gateway.js';
import { captureLogs } from './helpers/logs.js';

let gw: TestGateway | undefined;

afterEach(closeTestServers);

function expectUnavailable(res: Awaited<ReturnType<typeof call>>, message = 'database unreachable') {
  expect(res.status, res.raw).toBe(503);
  expect(res.body).toMatchObject({ code: -1, success: false, message, data: [] });
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

/**
 * Makes the test database refuse every commit for real, from outside the gateway, and returns
 * how to undo it. SQLite: the WAL file, where every commit is written, made immutable (as root,
 * permissions alone would not stop the writes; the -shm file is left alone, it is mapped in memory
 * and an immutable one kills the process with SIGBUS). PostgreSQL: the database turned read-only
 * for new sessions and the gateway's sessions ended, as a fail-over to a read-only standby would.
 */
async function refuseCommits(target: TestGateway): Promise<() => Promise<void>> {
  const url = target.database.url;
  if (BACKEND === 'sqlite') {
    const wal = `${url.replace(/^sqlite:/, '')}-wal`;
    execFileSync('chattr', ['+i', wal]);
    return async () => void execFileSync('chattr', ['-i', wal]);
  }
  const name = new URL(url).pathname.slice(1);
  const setReadOnly = (on: boolean) =>
    pgAdmin(async (c) => {
      await c.query(
        `ALTER DATABASE ${name} ${on ? 'SET default_transaction_read_only = on' : 'RESET default_transaction_read_only'}`,
      );
      await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
    });
  await setReadOnly(true);
  return () => setReadOnly(false);
}

describe('GET /healthz when nothing can be committed', () => {
  // What each backend says when it refuses a commit.
  const refusal = BACKEND === 'sqlite' ? /disk I\/O error/ : /read-only transaction/;

  it('answers 503 while writes fail, logs the database’s own error (not a failed rollback), and recovers', async () => {
    const logs = captureLogs();
    gw = await startTestGateway({}, { logger: logs.logger }, { listen: false });
    const payment = await gw.createPayment();
    expect((await call(gw, 'GET', '/healthz')).status).toBe(200);

    const restore = await refuseCommits(gw);
    try {
      // PostgreSQL: the pool first has to notice its sessions were ended.
      await vi.waitFor(
        async () => expectUnavailable(await call(gw!, 'GET', '/healthz'), 'database cannot commit writes'),
        {
          timeout: 10_000,
          interval: 100,
        },
      );
      const probe = logs.lines().find((l) => l.msg === 'health check: database cannot commit writes');
      expect(probe?.level).toBe(50);
      expect(probe?.err).toMatchObject({ message: expect.stringMatching(refusal) });

      // A real change (one transaction: payment, transfer, event, delivery) fails whole…
      const paid = await call(gw, 'POST', '/v1/sandbox/transfers', { json: { traceId: payment.traceId } });
      expect(paid.status, paid.raw).toBe(500);
      const failure = logs.lines().find((l) => l.msg === 'unhandled error');
      // …and its log says why: the failed COMMIT's error, not the ROLLBACK that followed it.
      expect(failure?.err).toMatchObject({ message: expect.stringMatching(refusal) });
      expect(logs.text()).not.toMatch(/cannot rollback/);
    } finally {
      await restore();
    }
    await vi.waitFor(async () => expect((await call(gw!, 'GET', '/healthz')).status).toBe(200), {
      timeout: 10_000,
      interval: 100,
    });
    // Nothing of the failed change was kept, and the same change now goes through.
    const result = await call(gw, 'GET', `/v1/payments_result?traceId=${payment.traceId}`);
    expect(result.body.data.status).toBe('unpaid');
    const retried = await call(gw, 'POST', '/v1/sandbox/transfers', { json: { traceId: payment.traceId } });
    expect(retried.status, retried.raw).toBe(200);
  });
});
