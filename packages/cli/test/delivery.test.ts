// `payhook delivery <id>` (one delivery as its receiver saw it: each attempt's request and answer)
// and `payhook retry-now <id>`, the real binary against a real gateway whose schedule waits an
// hour after a first failure, with a real receiver.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { call, expectOk } from '../../gateway/test/helpers/api.js';
import { killAllClis, runCli, runJson } from './helpers/cli.js';
import { closeReceivers, startReceiver, startTestGateway, type TestGateway } from './helpers/fixtures.js';

let gw: TestGateway;
let url: string[];

beforeAll(async () => {
  gw = await startTestGateway({ PAYHOOK_RETRY_SCHEDULE: '0,3600,0.05' });
  url = ['--url', gw.url];
});
afterEach(async () => {
  await killAllClis();
  await closeReceivers();
});
afterAll(() => gw?.close());

/** A delivery whose first attempt failed (answered 500), its next attempt an hour away. */
async function retryingDelivery(payeeId: string) {
  const r = await startReceiver();
  r.script(['status500'], 'success');
  const { traceId } = await runJson([
    'trigger',
    'success',
    '--callback-url',
    r.url,
    '--payee-id',
    payeeId,
    '--no-wait',
    ...url,
  ]);
  const detail: { delivery: any; attempts: any[] } = await gw.afterAttempts(async () => {
    const [d] = (await gw.get(`/admin/deliveries?traceId=${traceId}`)).body.data;
    return d?.attempts === 1 ? (await gw.get(`/admin/deliveries/${d.id}`)).body.data : undefined;
  }, 'the first failed attempt');
  return { receiver: r, traceId: traceId as string, ...detail };
}

describe('payhook delivery', () => {
  it("prints each attempt with every header it sent, the body and the answer; --json is the API's record", async () => {
    expectOk(await call(gw, 'PUT', '/admin/payees/cli-signed/secret'));
    const { receiver, delivery, attempts } = await retryingDelivery('cli-signed');
    const sent: Record<string, string> = attempts[0].request.headers;
    expect(sent['webhook-signature']).toMatch(/^v1,/);

    const run = await runCli(['delivery', delivery.id, ...url]);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines).toContain(`delivery  ${delivery.id}`);
    expect(lines).toContain(`event     success · event id ${delivery.eventId}`);
    expect(lines).toContain(`body      ${delivery.body}`);
    expect(lines.find((l) => l.startsWith('state'))).toMatch(/^state {5}retrying · 1 attempt · attempt 2 due \S+Z$/);
    expect(lines).toContainEqual(expect.stringMatching(/^attempt 1 · \S+Z · FAIL bad_status 500 · \d+ ms$/));
    const request = lines.indexOf(`  request   POST ${receiver.url}`);
    expect(request).toBeGreaterThan(0);
    // Every header, as the receiver got it, in the order sent.
    const got = receiver.received[0]?.headers ?? {};
    const shown = lines.slice(request + 1, request + 1 + Object.keys(sent).length);
    expect(shown).toEqual(Object.keys(sent).map((name) => `            ${name}: ${got[name]}`));
    expect(shown.map((l) => l?.trim().split(':')[0])).toEqual(
      expect.arrayContaining(['x-payhook-event-id', 'webhook-id', 'webhook-timestamp', 'webhook-signature']),
    );
    expect(lines[request + 1 + shown.length]).toMatch(/^ {2}answer {4}500 · bad_status: /);

    const json = await runJson(['delivery', delivery.id, ...url]);
    expect(json).toEqual((await gw.get(`/admin/deliveries/${delivery.id}`)).body.data);

    const unknown = await runCli(['delivery', 'no-such-delivery', ...url]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('payhook: error 404: delivery no-such-delivery does not exist');
  });
});

describe('payhook retry-now', () => {
  it('attempts a retrying delivery now, as its next attempt, and reports it', async () => {
    const { receiver, traceId, delivery } = await retryingDelivery('payhook-cli');
    expect(delivery.nextAttemptAt - Date.now()).toBeGreaterThan(3_000_000);

    const run = await runCli(['retry-now', delivery.id, ...url]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`retrying success of ${traceId} now: attempt 2 of delivery ${delivery.id}`);
    expect(run.stderr).toContain('waiting for the next attempt of 1 delivery');
    expect(run.stdout).toMatch(/^delivered {2}success → .* attempt 2: 200 SUCCESS/m);
    expect(receiver.received.map((r) => r.headers['x-payhook-attempt'])).toEqual(['1', '2']);

    // Delivered now: nothing to retry, and the gateway says why; nothing is sent.
    const again = await runCli(['retry-now', delivery.id, ...url]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`payhook: error 10011: delivery ${delivery.id} is delivered, not pending`);
    expect(receiver.received).toHaveLength(2);
  });

  it('--json answers the delivery once attempted', async () => {
    const { delivery } = await retryingDelivery('payhook-cli');
    const json = await runJson(['retry-now', delivery.id, ...url]);
    expect(json.delivery).toMatchObject({ id: delivery.id, state: 'delivered', attempts: 2 });
    expect(json.attempts.map((a: any) => [a.attemptNo, a.success])).toEqual([
      [1, false],
      [2, true],
    ]);
  });
});
