// `payhook gateway`: the whole gateway in the CLI's process, configured by flags over the
// environment, answering /healthz and stopping cleanly on SIGTERM.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { killAllClis, runCli, runJson, startCli } from './helpers/cli.js';
import { startReceiver } from './helpers/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'payhook-cli-'));
afterEach(killAllClis);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('payhook gateway', () => {
  it('starts, answers /healthz, serves the other commands, and exits 0 on SIGTERM', async () => {
    const receiver = await startReceiver();
    // The flags win over the environment: PORT=1 would fail to bind, the wrong database is never created.
    const gateway = startCli(
      [
        'gateway',
        '--port',
        '0',
        '--database-url',
        `sqlite:${join(dir, 'flags.sqlite')}`,
        '--retry-schedule',
        '0,0.1',
        '--log-level',
        'warn',
      ],
      { PORT: '1', DATABASE_URL: `sqlite:${join(dir, 'env.sqlite')}`, PAYHOOK_MODE: 'sandbox' },
    );
    try {
      const line = await gateway.waitForLine(/payhook gateway \(sandbox, role all\) listening on http:\/\/\S+/, 20_000);
      const url = /listening on (\S+)/.exec(line)?.[1] as string;
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
    const gateway = startCli([
      'gateway',
      '--port',
      '0',
      '--database-url',
      `sqlite:${join(dir, 'guarded.sqlite')}`,
      '--admin-token',
      token,
      '--no-sandbox',
      '--log-level',
      'silent',
    ]);
    const line = await gateway.waitForLine(/listening on/, 20_000);
    const url = /listening on (\S+)/.exec(line)?.[1] as string;
    expect((await runCli(['deliveries', '--url', url])).stderr).toContain('error 2000');
    expect((await runCli(['deliveries', '--url', url, '--token', token])).code).toBe(0);
    const pay = await runCli(['trigger', 'success', '--url', url, '--token', token]);
    expect(pay.code).toBe(1);
    expect(pay.stderr).toContain('hint: the sandbox is off on this gateway');
    expect(await gateway.stop('SIGINT')).toMatchObject({ code: 0 });
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
