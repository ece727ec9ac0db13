// `payhook recover` with the real binary against a real gateway: a dry run, a redelivery to a new
// URL followed until done, retry-now of a retrying delivery, and refusals with their exit codes.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { killAllClis, runCli, runJson } from './helpers/cli.js';
import { type Receiver, startReceiver, startTestGateway, type TestGateway, waitFor } from './helpers/fixtures.js';

let gw: TestGateway;
let url: string[];
const receivers: Receiver[] = [];

beforeAll(async () => {
  gw = await startTestGateway({ PAYHOOK_RECOVERY_BATCH: '1' });
  url = ['--url', gw.url];
});
afterEach(async () => {
  await killAllClis();
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});
afterAll(async () => {
  await gw?.close();
});

async function receiver(fallback: 'success' | 'status500' = 'success'): Promise<Receiver> {
  const r = await startReceiver();
  r.script([], fallback);
  receivers.push(r);
  return r;
}

/** `n` payments whose success callbacks to `r` were refused ten times. */
async function exhausted(r: Receiver, n: number, on: TestGateway = gw) {
  const traces: string[] = [];
  for (let i = 0; i < n; i++) {
    const out = await runJson(['trigger', 'success', '--callback-url', r.url, '--no-wait', '--url', on.url]);
    traces.push(out.traceId);
  }
  await waitFor(
    async () => {
      const list = (await on.get(`/admin/deliveries?state=exhausted&limit=500`)).body.data as any[];
      return traces.every((t) => list.some((d) => d.traceId === t)) || undefined;
    },
    { what: `${n} exhausted deliveries`, timeoutMs: 20_000 },
  );
  return traces;
}

describe('payhook recover', () => {
  it('--dry-run counts and shows the selection, then --redeliver --to-url sends it to the new URL until done', async () => {
    const old = await receiver('status500');
    const traces = await exhausted(old, 3);

    const dry = await runCli(['recover', '--state', 'exhausted', '--callback-url', old.url, '--dry-run', ...url]);
    expect(dry.code, dry.stderr).toBe(0);
    const lines = dry.stdout.trim().split('\n');
    expect(lines[0]).toBe('3 deliveries match');
    expect(lines[1]).toMatch(/^ID\s+EVENT\s+STATE/);
    expect(lines.slice(2).map((l) => l.split(/\s+/)[2])).toEqual(['exhausted', 'exhausted', 'exhausted']);
    const json = await runJson(['recover', '--state', 'exhausted', '--callback-url', old.url, ...url]);
    expect(json).toMatchObject({ action: 'redeliver', matched: 3 });
    expect(json.sample.map((d: any) => d.traceId).sort()).toEqual([...traces].sort());

    const moved = await receiver('success');
    const run = await runCli([
      'recover',
      '--state',
      'exhausted',
      '--callback-url',
      old.url,
      '--redeliver',
      '--to-url',
      moved.url,
      '--actor',
      'ops-anna',
      ...url,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(
      new RegExp(`recovery \\S+: redelivering to ${moved.url.replace(/[/.]/g, '\\$&')} 3 deliveries`),
    );
    expect(run.stdout.trim()).toBe('done: 3 of 3 deliveries redelivered');
    await waitFor(() => moved.received.length === 3 || undefined, { what: 'the redeliveries at the new URL' });
    const id = /recovery (\S+):/.exec(run.stderr)?.[1] as string;
    const recovery = (await gw.get(`/admin/recoveries/${id}`)).body.data;
    expect(recovery).toMatchObject({
      state: 'done',
      processed: 3,
      newUrl: moved.url,
      requestedBy: { auth: 'none', actor: 'ops-anna' },
      selection: { state: 'exhausted', url: old.url },
    });

    // Nothing left that nobody redelivered: --not-redelivered counts none.
    const none = await runJson([
      'recover',
      '--state',
      'exhausted',
      '--callback-url',
      old.url,
      '--not-redelivered',
      ...url,
    ]);
    expect(none.matched).toBe(0);
  });

  it('--retry-now makes a retrying delivery attempt at once, --json printing the recovery', async () => {
    const slow = await startTestGateway({ PAYHOOK_RETRY_SCHEDULE: '0,600' });
    try {
      const r = await receiver('status500');
      const { traceId } = await runJson([
        'trigger',
        'success',
        '--callback-url',
        r.url,
        '--no-wait',
        '--url',
        slow.url,
      ]);
      await waitFor(() => r.received.length === 1 || undefined, { what: 'the first attempt' });
      await waitFor(
        async () => {
          const [d] = (await slow.get(`/admin/deliveries?traceId=${traceId}`)).body.data;
          return (d?.attempts === 1 && d.lockedUntil === null) || undefined;
        },
        { what: 'the first attempt to be recorded' },
      );
      r.script([], 'success');
      const done = await runJson([
        'recover',
        '--state',
        'retrying',
        '--payee',
        'payhook-cli',
        '--retry-now',
        '--url',
        slow.url,
      ]);
      expect(done).toMatchObject({ action: 'retry_now', state: 'done', matched: 1, processed: 1, skipped: 0 });
      await waitFor(() => r.received.length === 2 || undefined, { what: 'the second attempt, now' });
      expect(r.received[1]?.headers['x-payhook-attempt']).toBe('2');
    } finally {
      await slow.close();
    }
  });

  it('refuses what makes no sense: bad arguments exit 2, a refused selection exits 1 with the reason', async () => {
    const both = await runCli(['recover', '--redeliver', '--retry-now', ...url]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('give one of --redeliver and --retry-now');
    const when = await runCli(['recover', '--since', 'yesterday', ...url]);
    expect(when.code).toBe(2);
    expect(when.stderr).toContain('must be an ISO 8601 date-time, epoch ms, or a time ago');
    const state = await runCli(['recover', '--state', 'lost', ...url]);
    expect(state.code).toBe(2);
    const refused = await runCli(['recover', '--state', 'pending', '--redeliver', ...url]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'payhook: error 10011: selection.state: pending deliveries are still on their schedule',
    );
    const blocked = await runCli(['recover', '--redeliver', '--to-url', 'ftp://shop.example/cb', ...url]);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain('newUrl: only HTTPS (or HTTP to loopback in sandbox mode) is supported');
  });
});
