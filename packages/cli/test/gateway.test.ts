// `payhook gateway`: the whole gateway in the CLI's process, configured by flags over the
// environment, answering /healthz and stopping cleanly on SIGTERM.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { killAllClis, runCli, runJson, startCli } from './helpers/cli.js';
import { startReceiver, waitFor } from './helpers/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'payhook-cli-'));
const OPERATOR_SECRET = `whsec_${Buffer.alloc(32, 8).toString('base64')}`;
afterEach(killAllClis);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `payhook gateway …flags` on a free port and its own SQLite file in `dir`, once it listens. */
async function startGateway(file: string, flags: readonly string[], env: Record<string, string> = {}) {
  const gateway = startCli(['gateway', '--port', '0', '--database-url', `sqlite:${join(dir, file)}`, ...flags], env);
  const line = await gateway.waitForLine(/listening on/, 20_000);
  return { gateway, line, url: /listening on (\S+)/.exec(line)?.[1] as string };
}

describe('payhook gateway', () => {
  it('starts, answers /healthz, serves the other commands, and exits 0 on SIGTERM', async () => {
    const receiver = await startReceiver();
    // The flags win over the environment: PORT=1 would fail to bind, the wrong database is never created.
    try {
      const { gateway, line, url } = await startGateway(
        'flags.sqlite',
        ['--retry-schedule', '0,0.1', '--log-level', 'warn'],
        {
          PORT: '1',
          DATABASE_URL: `sqlite:${join(dir, 'env.sqlite')}`,
          PAYHOOK_MODE: 'sandbox',
        },
      );
      expect(line).toMatch(/payhook gateway \(sandbox, role all\) listening on http:\/\/\S+/);
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      expect(existsSync(join(dir, 'flags.sqlite'))).toBe(true);
      expect(existsSync(join(dir, 'env.sqlite'))).toBe(false);
      expect(await health.json()).toMatchObject({
        code: 0,
        success: true,
        data: { status: 'ok', mode: 'sandbox', database: 'sqlite' },
      });

      const out = await runJson(['trigger', 'success', '--callback-url', receiver.url, '--url', url]);
      expect(out.events[0].deliveries[0].delivery.state).toBe('delivered');
      expect(receiver.received.map((r) => r.headers['x-payhook-event'])).toEqual(['success']);

      const exit = await gateway.stop('SIGTERM');
      expect(exit).toMatchObject({ code: 0, signal: null });
      expect((await runCli(['deliveries', '--url', url])).code).toBe(3);
    } finally {
      await receiver.close();
    }
  });

  it('--admin-token guards the admin routes; --no-sandbox removes the sandbox', async () => {
    const token = 'flag-admin-token-0123456789';
    const { gateway, url } = await startGateway('guarded.sqlite', [
      '--admin-token',
      token,
      '--no-sandbox',
      '--log-level',
      'silent',
    ]);
    expect((await runCli(['deliveries', '--url', url])).stderr).toContain('error 2000');
    expect((await runCli(['deliveries', '--url', url, '--token', token])).code).toBe(0);
    const pay = await runCli(['trigger', 'success', '--url', url, '--token', token]);
    expect(pay.code).toBe(1);
    expect(pay.stderr).toContain('hint: the sandbox is off on this gateway');
    expect(await gateway.stop('SIGINT')).toMatchObject({ code: 0 });
  });

  it('--rate-limit, --max-event-loop-delay and --operator-webhook-url reach the gateway, over their variables', async () => {
    const [merchant, operator] = await Promise.all([startReceiver(), startReceiver()]);
    merchant.script([], 'status500');
    try {
      const { gateway, url } = await startGateway(
        'settings.sqlite',
        [
          '--retry-schedule',
          '0',
          '--rate-limit',
          '7',
          // Just after start the event loop is still busy loading: shedding would answer the first request 503.
          '--max-event-loop-delay',
          '0',
          '--operator-webhook-url',
          operator.url,
          '--operator-webhook-secret',
          OPERATOR_SECRET,
          '--log-level',
          'silent',
        ],
        {
          PAYHOOK_RATE_LIMIT: '0',
          PAYHOOK_MAX_EVENT_LOOP_DELAY: '1',
          PAYHOOK_OPERATOR_WEBHOOK_URL: 'http://127.0.0.1:1/not-this-one',
        },
      );
      const assets = await fetch(`${url}/v1/setting/quote_assets`);
      expect(assets.status).toBe(200);
      expect(assets.headers.get('x-ratelimit-limit')).toBe('7');

      // One scheduled attempt, refused: the delivery is exhausted and the operator is told.
      const out = await runJson(['trigger', 'success', '--callback-url', merchant.url, '--no-wait', '--url', url]);
      const [notice] = await waitFor(() => operator.received.length > 0 && operator.received, {
        what: 'the operator webhook',
        timeoutMs: 20_000,
      });
      expect(notice?.headers['x-payhook-signal']).toBe('delivery.exhausted');
      expect(JSON.parse(notice?.body ?? '{}')).toMatchObject({ type: 'delivery.exhausted', traceId: out.traceId });
      // Signed with the flag's secret, which the operator's endpoint verifies.
      const verified = new Webhook(OPERATOR_SECRET).verify(
        notice?.body ?? '',
        notice?.headers as Record<string, string>,
      );
      expect(verified).toMatchObject({ traceId: out.traceId });
      expect(await gateway.stop('SIGTERM')).toMatchObject({ code: 0 });
    } finally {
      await Promise.all([merchant.close(), operator.close()]);
    }
  });

  it('every setting has a flag: a bad value of each newer flag is named by its variable', async () => {
    const run = await runCli([
      'gateway',
      '--record-window',
      'soon',
      '--quote-window',
      '15m',
      '--callback-allowed-subnets',
      'intranet',
      '--rate-limit',
      'sixty',
      '--max-event-loop-delay',
      'off',
      '--operator-webhook-url',
      'ftp://alerts.example.com/x',
      '--operator-webhook-secret',
      'not-a-secret',
      '--operator-webhook-retries',
      'soon',
      '--secret-rotation-overlap',
      '24h',
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('PAYHOOK_RECORD_WINDOW must be a number of seconds');
    expect(run.stderr).toContain('PAYHOOK_QUOTE_WINDOW must be a number of seconds');
    expect(run.stderr).toContain('PAYHOOK_CALLBACK_ALLOWED_SUBNETS: "intranet" is not a subnet such as 10.0.0.0/8');
    expect(run.stderr).toContain('PAYHOOK_RATE_LIMIT must be a number of requests per minute (0: no limit)');
    expect(run.stderr).toContain('PAYHOOK_MAX_EVENT_LOOP_DELAY must be a number of milliseconds (0: never shed load)');
    expect(run.stderr).toContain('PAYHOOK_OPERATOR_WEBHOOK_URL must be an http:// or https:// URL');
    expect(run.stderr).toContain('PAYHOOK_OPERATOR_WEBHOOK_SECRET must be whsec_ and at least 24 random bytes');
    expect(run.stderr).toContain('PAYHOOK_OPERATOR_WEBHOOK_RETRIES must be up to 10 comma-separated numbers');
    expect(run.stderr).toContain('PAYHOOK_SECRET_ROTATION_OVERLAP must be a number of seconds');
    expect(run.stderr).not.toContain('not-a-secret');
  });

  it('refuses an operator webhook URL without its secret, and says how to make one', async () => {
    const run = await runCli(['gateway', '--operator-webhook-url', 'http://127.0.0.1:9/ops']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('PAYHOOK_OPERATOR_WEBHOOK_SECRET is required with PAYHOOK_OPERATOR_WEBHOOK_URL');
    expect(run.stderr).toContain('openssl rand -base64 32');
  });

  it('invalid configuration: exit 2 with every problem listed', async () => {
    const run = await runCli(['gateway', '--mode', 'production', '--port', 'x', '--retry-schedule', 'soon']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('payhook: invalid configuration:');
    expect(run.stderr).toContain('PORT must be a port number');
    expect(run.stderr).toContain('PAYHOOK_RETRY_SCHEDULE');
    expect(run.stderr).toContain('PAYHOOK_ADMIN_TOKEN is required in production mode');
  });
});
