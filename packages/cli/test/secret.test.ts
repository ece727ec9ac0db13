// `payhook secret rotate|show|remove|list` against a real gateway: the secret is printed once, a
// rotation's overlap is shown and reaches the callbacks (two signatures), and removal stops it.
import { createSignatureVerifier } from '@payhook/merchant';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { killAllClis, runCli, runJson } from './helpers/cli.js';
import { type Receiver, startReceiver, startTestGateway, type TestGateway, waitFor } from './helpers/fixtures.js';

let gw: TestGateway;
let url: string[];
let receiver: Receiver | undefined;

beforeAll(async () => {
  gw = await startTestGateway();
  url = ['--url', gw.url];
});
afterEach(async () => {
  await killAllClis();
  await receiver?.close();
});
afterAll(async () => {
  await gw?.close();
});

describe('payhook secret', () => {
  it('rotates with an overlap, shows it without the secret, and removes both secrets', async () => {
    const payee = 'payee-cli-rotate';
    const missing = await runCli(['secret', 'show', payee, ...url]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`error 404: payee ${payee} has no signing secret`);

    const first = await runJson(['secret', 'rotate', payee, ...url]);
    expect(first).toEqual({
      payeeId: payee,
      secret: expect.stringMatching(/^whsec_/),
      createdAt: expect.any(Number),
      rotationEndsAt: null,
    });
    const second = await runCli(['secret', 'rotate', payee, '--overlap', '2h', ...url]);
    expect(second.code, second.stderr).toBe(0);
    const newSecret = /^secret\s+(whsec_\S+)$/m.exec(second.stdout)?.[1] as string;
    expect(newSecret).toMatch(/^whsec_/);
    expect(second.stdout).toMatch(/^rotation\s+the previous secret signs too until \d{4}-\d\d-\d\dT/m);
    expect(second.stderr).toContain('shown this once');

    const shown = await runJson(['secret', 'show', payee, ...url]);
    expect(shown.rotationEndsAt - shown.createdAt).toBe(7_200_000);
    const table = await runCli(['secret', 'show', payee, ...url]);
    expect(table.stdout).toContain(`until ${new Date(shown.rotationEndsAt).toISOString()}`);
    expect(table.stdout).not.toContain('whsec_');

    // A callback during the overlap carries both signatures; each secret verifies it.
    const shop = await startReceiver();
    receiver = shop;
    const out = await runJson(['trigger', 'success', '--payee-id', payee, '--callback-url', shop.url, ...url]);
    const [callback] = await waitFor(() => shop.received.length > 0 && shop.received, { what: 'the callback' });
    expect(JSON.parse(callback?.body ?? '{}').traceId).toBe(out.traceId);
    const headers = new Headers(callback?.headers as Record<string, string>);
    expect(headers.get('webhook-signature')?.split(' ')).toHaveLength(2);
    for (const secret of [first.secret, newSecret]) {
      expect(createSignatureVerifier(secret)(headers, callback?.body ?? '', Date.now()).ok).toBe(true);
    }

    const now = await runJson(['secret', 'rotate', payee, '--overlap', '0', ...url]);
    expect(now.rotationEndsAt).toBeNull();
    const removed = await runCli(['secret', 'remove', payee, ...url]);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toContain(`payee ${payee}: callbacks are no longer signed`);
    expect((await runCli(['secret', 'show', payee, ...url])).code).toBe(1);
  });

  it('lists the payees that sign with their rotation, never a secret', async () => {
    const [a, b] = ['payee-cli-list-a', 'payee-cli-list-b'];
    const ours = (payees: { payeeId: string }[]) => payees.filter((p) => p.payeeId.startsWith('payee-cli-list-'));
    expect(ours((await runJson(['secret', 'list', ...url])).payees)).toEqual([]);
    const one = await runJson(['secret', 'rotate', a, ...url]);
    await runJson(['secret', 'rotate', b, ...url]);
    const rotated = await runJson(['secret', 'rotate', b, '--overlap', '1h', ...url]);
    expect(rotated.rotationEndsAt - rotated.createdAt).toBe(3_600_000);

    const listed = await runJson(['secret', 'list', ...url]);
    expect(listed.next).toBeNull();
    expect(ours(listed.payees)).toEqual([
      { payeeId: a, signed: true, createdAt: one.createdAt, rotationEndsAt: null },
      { payeeId: b, signed: true, createdAt: rotated.createdAt, rotationEndsAt: rotated.rotationEndsAt },
    ]);
    const text = await runCli(['secret', 'list', ...url]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^PAYEE\s+SIGNED SINCE\s+ROTATION$/m);
    expect(text.stdout).toMatch(
      new RegExp(`^${a}\\s+${new Date(one.createdAt).toISOString()}\\s+none \\(one secret signs\\)$`, 'm'),
    );
    expect(text.stdout).toContain(
      `the previous secret signs too until ${new Date(rotated.rotationEndsAt).toISOString()}`,
    );
    expect(text.stdout + JSON.stringify(listed)).not.toContain('whsec_');
    for (const payee of [a, b]) expect((await runCli(['secret', 'remove', payee, ...url])).code).toBe(0);
    expect(ours((await runJson(['secret', 'list', ...url])).payees)).toEqual([]);
  });

  it('refuses a malformed --overlap before calling the gateway', async () => {
    const run = await runCli(['secret', 'rotate', 'payee-cli-bad', '--overlap', 'soon', ...url]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('must be seconds, or a number with s, m, h or d (24h)');
    expect((await gw.get('/admin/payees/payee-cli-bad/secret')).status).toBe(404);
  });
});
