// Lease owners with real processes, on SQLite (two processes on one file: file locks) and on
// PostgreSQL (advisory locks): a dispatcher that starts never takes the leases of a live one,
// and the leases of a dispatcher that died are taken back at once, not when they expire.
import { beforeEach, expect, it } from 'vitest';
import { paymentBody } from '../../../test-support/fixtures.js';
import { waitFor } from '../../../test-support/wait.js';
import { type GatewayProcess, spawnGateway } from './helpers/process.js';
import { processSuite } from './helpers/process-suite.js';
import { type Receiver, startReceiver } from './helpers/receiver.js';

const suite = processSuite('payhook-owners-');
let receiver: Receiver;

beforeEach(async () => {
  receiver = suite.track(await startReceiver());
});

const N = 5;
// Starting a process takes a few seconds, far more on a loaded machine.
const STARTUP_MS = 60_000;

async function leases(): Promise<{ id: string; lock_owner: string | null; attempts: number }[]> {
  return suite.database.rows("select id, lock_owner, attempts from deliveries where state = 'pending' order by id");
}

const ownedBy = (gw: GatewayProcess) => expect.stringMatching(new RegExp(`-${gw.pid}-[0-9a-f]{16}$`));

it("a starting dispatcher leaves a live one's leases alone; once that one is SIGKILLed, a running peer takes them back at once", async () => {
  // The first N callbacks hang (in flight for as long as the test wants), then every answer is SUCCESS.
  receiver.script(Array(N).fill('hang'), 'success');
  const env = {
    DATABASE_URL: suite.database.url,
    PAYHOOK_RETRY_SCHEDULE: '0,1',
    PAYHOOK_ATTEMPT_TIMEOUT: '120',
    // Ten minutes: if anything waited for these leases to expire, the test would time out.
    PAYHOOK_LEASE: '600',
    PAYHOOK_POLL_INTERVAL: '0.1',
  };
  const a = await spawnGateway(env, STARTUP_MS);
  for (let i = 0; i < N; i++) {
    const created = await a.post(
      '/v1/payments',
      paymentBody({
        payeeId: 'payee-owners',
        orderId: `owners-${i}`,
        callbackUrl: receiver.url,
      }),
    );
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const paid = await a.post('/v1/sandbox/transfers', { traceId: created.body.data.traceId });
    expect(paid.status).toBe(200);
  }
  await waitFor(() => receiver.received.length === N, { what: `the ${N} callbacks to hang in process A` });
  const held = await leases();
  expect(held).toHaveLength(N);
  for (const row of held) expect(row.lock_owner).toEqual(ownedBy(a));

  // Two dispatcher processes start in turn while A lives: each looks for dead owners on start
  // (before it reports running) and must find none.
  const b = await spawnGateway(env, STARTUP_MS, ['--role', 'dispatcher']);
  expect(await leases()).toEqual(held);
  await b.signal('SIGKILL');
  const c = await spawnGateway(env, STARTUP_MS, ['--role', 'dispatcher']);
  expect(await leases()).toEqual(held);
  expect(receiver.received).toHaveLength(N); // nothing was sent twice

  // A dies with its N attempts in flight. C, already running, finds A's lock free on its next
  // periodic look (every 5 s) and sends them again, ten minutes before the leases would expire.
  await a.signal('SIGKILL');
  await waitFor(() => receiver.received.length === 2 * N, {
    timeoutMs: 30_000,
    what: "C to resend A's in-flight callbacks",
  });
  await waitFor(async () => (await leases()).length === 0, { timeoutMs: 10_000, what: 'every delivery delivered' });
  const perDelivery = new Map<string, string[]>();
  for (const r of receiver.received) {
    const id = String(r.headers['x-payhook-delivery']);
    perDelivery.set(id, [...(perDelivery.get(id) ?? []), String(r.headers['x-payhook-attempt'])]);
  }
  // Each delivery: sent once by A (cut off, never recorded) and once by C, both as attempt 1.
  expect([...perDelivery.values()]).toEqual(Array(N).fill(['1', '1']));
  const rows = await suite.database.rows<{ state: string; attempts: number; lock_owner: string | null }>(
    'select state, attempts, lock_owner from deliveries',
  );
  expect(rows).toEqual(Array(N).fill({ state: 'delivered', attempts: 1, lock_owner: null }));
  await c.signal('SIGTERM');
}, 180_000);
