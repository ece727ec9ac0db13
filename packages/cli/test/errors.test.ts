// What the CLI says, and the exit code it ends with, when things go wrong: no gateway, an
// error envelope, a missing admin token, bad arguments.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { killAllClis, runCli, runJson } from './helpers/cli.js';
import { refusedUrl, startTestGateway, type TestGateway } from './helpers/fixtures.js';

const TOKEN = 'cli-test-admin-token-0123456789';
let open: TestGateway;
let guarded: TestGateway;

beforeAll(async () => {
  [open, guarded] = await Promise.all([startTestGateway(), startTestGateway({ PAYHOOK_ADMIN_TOKEN: TOKEN })]);
});
afterEach(killAllClis);
afterAll(async () => {
  await Promise.all([open?.close(), guarded?.close()]);
});

describe('an unreachable gateway', () => {
  it('exits 3 with "cannot reach the gateway at URL (ECONNREFUSED)", from --url or PAYHOOK_URL', async () => {
    const nobody = new URL(await refusedUrl()).origin;
    const run = await runCli(['deliveries', '--url', nobody]);
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`payhook: cannot reach the gateway at ${nobody} (ECONNREFUSED)\n`);

    const fromEnv = await runCli(['trigger', 'success'], { PAYHOOK_URL: nobody });
    expect(fromEnv.code).toBe(3);
    expect(fromEnv.stderr).toContain(`payhook: cannot reach the gateway at ${nobody} (ECONNREFUSED)`);
  });

  it("an answer that is not MixPay's envelope is reported, not parsed", async () => {
    const { createServer } = await import('node:http');
    const server = createServer((_req, res) =>
      res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad gateway</h1>'),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      const run = await runCli(['deliveries', '--url', base]);
      expect(run.code).toBe(3);
      expect(run.stderr).toContain(
        `the gateway at ${base} answered GET /admin/deliveries?limit=50 with HTTP 502 and no JSON: <h1>Bad gateway</h1>`,
      );
    } finally {
      server.close();
    }
  });
});

describe('error envelopes', () => {
  it('an unknown traceId: exit 1 with the code and message', async () => {
    const traceId = randomUUID();
    const pay = await runCli(['pay', traceId, '--url', open.url]);
    expect(pay.code).toBe(1);
    expect(pay.stderr).toBe(`payhook: error 404: no payment has traceId or one-time code ${traceId}\n`);

    const trigger = await runCli(['trigger', 'success', traceId, '--url', open.url]);
    expect(trigger.code).toBe(1);
    expect(trigger.stderr).toBe(`payhook: error 404: payment with traceId ${traceId} does not exist\n`);

    const redeliver = await runCli(['redeliver', 'no-such-delivery', '--url', open.url]);
    expect(redeliver.code).toBe(1);
    expect(redeliver.stderr).toContain('payhook: error 404: delivery no-such-delivery does not exist');
  });

  it('a parameter error names the field', async () => {
    const run = await runCli(['trigger', 'success', 'not-a-uuid', '--url', open.url]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^payhook: error 10011: .*traceId/);
  });

  it('a gateway with an admin token: 401 without it, with a hint; --token and PAYHOOK_ADMIN_TOKEN work', async () => {
    const run = await runCli(['deliveries', '--url', guarded.url]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'payhook: error 2000: Insufficient permissions: send Authorization: Bearer <admin token>\n' +
        'hint: pass --token <admin token> or set PAYHOOK_ADMIN_TOKEN\n',
    );
    const wrong = await runCli(['tail', '--url', guarded.url, '--token', 'wrong-token-wrong-token']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('error 2000: Insufficient permissions');

    const withFlag = await runJson(['trigger', 'success', '--url', guarded.url, '--token', TOKEN]);
    expect(withFlag.result.status).toBe('success');
    const withEnv = await runJson(['deliveries', '--url', guarded.url], { PAYHOOK_ADMIN_TOKEN: TOKEN });
    expect(Array.isArray(withEnv)).toBe(true);
  });
});

describe('bad arguments', () => {
  it('exit 2 with the problem and a pointer to the usage', async () => {
    const cases: [string[], RegExp][] = [
      [
        ['trigger', 'bogus'],
        /command-argument value 'bogus' is invalid for argument 'event'\. Allowed choices are success, fail, pending, paid_less, settle/,
      ],
      [['redeliver'], /give either a delivery id or --exhausted-url <url>/],
      [['redeliver', 'abc', '--exhausted-url', 'http://x'], /give either a delivery id or --exhausted-url <url>/],
      [['deliveries', '--limit', '0'], /option '--limit <n>' argument '0' is invalid/],
      [['deliveries', '--state', 'lost'], /Allowed choices are pending, retrying, delivered, exhausted/],
      [['pay'], /missing required argument 'traceId\|code'/],
      [['pay', randomUUID(), '--amount', '-1'], /'--amount <decimal>' argument '-1' is invalid/],
      [['frobnicate'], /unknown command 'frobnicate'/],
      [['deliveries', '--url', 'ftp://x'], /--url must be an http:\/\/ or https:\/\/ URL, got "ftp:\/\/x"/],
    ];
    for (const [args, message] of cases) {
      const run = await runCli(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr, args.join(' ')).toMatch(message);
    }
  });

  it('no command prints the usage; --help and --version exit 0', async () => {
    const none = await runCli([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage: payhook [options] [command]');
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['gateway', 'pay', 'trigger', 'deliveries', 'redeliver', 'tail']) {
      expect(help.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    }
    const version = await runCli(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
