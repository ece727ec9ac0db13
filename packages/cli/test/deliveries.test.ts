// `payhook deliveries`, `payhook redeliver` and `payhook tail` against a real gateway whose
// retry schedule is compressed to 50 ms, with real receivers that fail and recover.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { killAllClis, runCli, runJson, startCli } from './helpers/cli.js';
import {
  callbacksFor,
  type Receiver,
  startReceiver,
  startTestGateway,
  type TestGateway,
  waitFor,
} from './helpers/fixtures.js';

let gw: TestGateway;
let url: string[];
const receivers: Receiver[] = [];

beforeAll(async () => {
  gw = await startTestGateway();
  url = ['--url', gw.url];
});
afterEach(async () => {
  await killAllClis();
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});
afterAll(async () => {
  await gw?.close();
});

async function receiver(): Promise<Receiver> {
  const r = await startReceiver();
  receivers.push(r);
  return r;
}

/** A payment whose success callback has been refused ten times: an exhausted delivery. */
async function exhaustedPayment(r: Receiver) {
  r.script([], 'status500');
  const out = await runJson(['trigger', 'success', '--callback-url', r.url, '--no-wait', ...url]);
  const delivery = await waitFor(
    async () => {
      const list = (await gw.get(`/admin/deliveries?traceId=${out.traceId}`)).body.data;
      return list.find((d: any) => d.state === 'exhausted');
    },
    { what: 'an exhausted delivery', timeoutMs: 20_000 },
  );
  return { traceId: out.traceId as string, delivery };
}

describe('payhook deliveries', () => {
  it('prints a table, and JSON with --json, filtered by state and traceId', async () => {
    const ok = await receiver();
    const delivered = await runJson(['trigger', 'success', '--callback-url', ok.url, ...url]);
    const failing = await receiver();
    const { traceId, delivery } = await exhaustedPayment(failing);

    const table = await runCli(['deliveries', '--trace-id', traceId, ...url]);
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+EVENT\s+STATE\s+ATTEMPTS\s+NEXT ATTEMPT\s+UPDATED\s+TRACE ID\s+URL$/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(
      new RegExp(`^${delivery.id}\\s+success\\s+exhausted\\s+10\\s+-\\s+\\S+\\s+${traceId}\\s+${failing.url}$`),
    );

    const exhausted = await runJson(['deliveries', '--state', 'exhausted', ...url]);
    expect(exhausted.length).toBeGreaterThan(0);
    expect(exhausted.every((d: any) => d.state === 'exhausted')).toBe(true);
    expect(exhausted.map((d: any) => d.id)).toContain(delivery.id);
    // The dashboard's word is understood: pending after a failure (here none is left waiting).
    const retrying = await runJson(['deliveries', '--state', 'retrying', ...url]);
    expect(retrying.every((d: any) => d.state === 'pending' && d.attempts > 0)).toBe(true);

    const mine = await runJson(['deliveries', '--trace-id', delivered.traceId, ...url]);
    expect(mine).toEqual([expect.objectContaining({ traceId: delivered.traceId, state: 'delivered', attempts: 1 })]);

    const one = await runJson(['deliveries', '--limit', '1', ...url]);
    expect(one).toHaveLength(1);
  });

  it('says so when there is nothing to list', async () => {
    const run = await runCli(['deliveries', '--trace-id', '00000000-0000-4000-8000-000000000000', ...url]);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe('no deliveries');
  });
});

describe('payhook redeliver', () => {
  it('redelivers one delivery by id and reports its first attempt', async () => {
    const r = await receiver();
    const { traceId, delivery } = await exhaustedPayment(r);
    r.script([], 'success');
    const run = await runCli(['redeliver', delivery.id, ...url]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`redelivering success of ${traceId} as delivery (\\S+)`));
    expect(run.stdout).toMatch(/^delivered {2}success → .* attempt 1: 200 SUCCESS/m);
    const calls = callbacksFor(r.received, traceId);
    expect(calls).toHaveLength(11);
    // Same event, same idempotency key, a new delivery.
    expect(new Set(calls.map((c) => c.eventId)).size).toBe(1);
    expect(calls.at(-1)?.delivery).not.toBe(delivery.id);

    // A delivered delivery can be sent again too; --json for scripts.
    const again = await runJson(['redeliver', calls.at(-1)?.delivery as string, ...url]);
    expect(again.count).toBe(1);
    expect(again.deliveries[0].delivery).toMatchObject({ state: 'delivered', redeliveryOf: calls.at(-1)?.delivery });
    expect(again.deliveries[0].attempts[0]).toMatchObject({ attemptNo: 1, success: true, statusCode: 200 });
  });

  it('--exhausted-url redelivers every exhausted delivery to that URL, with progress on stderr', async () => {
    const r = await receiver();
    const first = await exhaustedPayment(r);
    const second = await exhaustedPayment(r);
    r.script([], 'success');
    const run = await runCli(['redeliver', '--exhausted-url', r.url, ...url]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`redelivering exhausted deliveries to ${r.url}…`);
    expect(run.stderr).toContain('waiting for the first attempt of 2 deliveries…');
    expect(run.stdout).toContain(`redelivering 2 exhausted deliveries to ${r.url}`);
    expect(run.stdout.match(/^delivered {2}success/gm)).toHaveLength(2);
    for (const { traceId } of [first, second]) {
      expect(callbacksFor(r.received, traceId).map((c) => c.event)).toEqual(Array(11).fill('success'));
    }
    // Already redelivered: nothing left to send.
    const none = await runCli(['redeliver', '--exhausted-url', r.url, ...url]);
    expect(none.stdout).toContain(`no exhausted delivery to ${r.url} is waiting for a redelivery`);
  });

  it('a delivery still being retried cannot be redelivered: the gateway says why', async () => {
    const r = await receiver();
    r.script([], 'hang');
    const out = await runJson(['trigger', 'success', '--callback-url', r.url, '--no-wait', ...url]);
    const list = (await gw.get(`/admin/deliveries?traceId=${out.traceId}`)).body.data;
    const run = await runCli(['redeliver', list[0].id, ...url]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`payhook: error 10011: delivery ${list[0].id} is still being retried`);
  });
});

describe('payhook tail', () => {
  it('prints each attempt as it ends, until Ctrl-C', async () => {
    const tail = startCli(['tail', '--lines', '0', ...url]);
    await tail.waitForStderr(/following attempts at .* \(Ctrl-C to stop\)/);

    const r = await receiver();
    r.script(['status500', 'reset'], 'success');
    const { traceId } = await runJson(['trigger', 'success', '--callback-url', r.url, '--no-wait', ...url]);
    const pattern = (n: number, outcome: string) =>
      new RegExp(`^\\S+Z {2}success +${traceId} +#${n} +${outcome} +\\d+ms {2}${r.url.replace(/[/.]/g, '\\$&')}$`);
    await tail.waitForLine(pattern(1, 'FAIL bad_status 500'));
    await tail.waitForLine(pattern(2, 'FAIL reset'));
    await tail.waitForLine(pattern(3, 'ok 200 SUCCESS'));

    const exit = await tail.stop('SIGINT');
    expect(exit.code).toBe(0);
    // Only new attempts, each once and in order.
    const mine = exit.stdout.split('\n').filter((l) => l.includes(traceId));
    expect(mine.map((l) => /#(\d+)/.exec(l)?.[1])).toEqual(['1', '2', '3']);
  });

  it('--json prints NDJSON; --lines shows the latest attempts first', async () => {
    const r = await receiver();
    const { traceId } = await runJson(['trigger', 'success', '--callback-url', r.url, ...url]);
    const tail = startCli(['tail', '--json', '--lines', '1', ...url]);
    // The backlog: the latest attempt, which is the success just delivered.
    await tail.waitForLine(new RegExp(`"traceId":"${traceId}"`));
    await tail.waitForStderr(/following attempts/);
    const next = await runJson(['trigger', 'fail', '--callback-url', r.url, '--no-wait', ...url]);
    await tail.waitForLine(new RegExp(`"traceId":"${next.traceId}"`));
    const exit = await tail.stop('SIGTERM');
    expect(exit.code).toBe(0);
    const records = exit.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(records.map((a) => [a.traceId, a.eventType, a.attemptNo, a.success])).toEqual([
      [traceId, 'success', 1, true],
      [next.traceId, 'fail', 1, true],
    ]);
    expect(records[1]).toMatchObject({ url: r.url, statusCode: 200, errorClass: null });
  });

  it('--trace-id follows one payment only', async () => {
    const r = await receiver();
    const created = await gw.createPayment({ callbackUrl: r.url });
    const tail = startCli(['tail', '--lines', '0', '--trace-id', created.traceId, ...url]);
    await tail.waitForStderr(/following attempts/);
    const other = await runJson(['trigger', 'success', '--callback-url', r.url, ...url]);
    await runJson(['trigger', 'success', created.traceId, ...url]);
    await tail.waitForLine(new RegExp(`${created.traceId}  #1`));
    const exit = await tail.stop();
    expect(exit.stdout).not.toContain(other.traceId);
  });
});
