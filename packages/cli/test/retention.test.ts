// `payhook retention` (the real binary) against a real gateway whose clock the test moves: the
// setting, the latest pruning pass and the total pruned, as text and as --json; and with retention
// off, that every attempt is kept.
import { afterEach, expect, it } from 'vitest';
import { ManualClock } from '../../gateway/src/clock.js';
import { closeTestServers } from '../../gateway/test/helpers/gateway.js';
import { killAllClis, runCli, runJson } from './helpers/cli.js';
import { startReceiver, startTestGateway, type TestGateway, waitFor } from './helpers/fixtures.js';

const DAY = 86_400_000;
let gw: TestGateway;

afterEach(async () => {
  await killAllClis();
  await closeTestServers();
});

const retention = async (url: string) => (await runJson(['retention', '--url', url])) as any;

it('tells the setting, the last pass and the attempts pruned in all', async () => {
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));
  gw = await startTestGateway({ PAYHOOK_RETRY_SCHEDULE: '0,10', PAYHOOK_ATTEMPT_RETENTION: '30' }, { clock });
  // The pass the dispatcher makes as it starts (nothing to prune yet).
  const first = await waitFor(async () => (await retention(gw.url)).lastPass ?? undefined, { what: 'the first pass' });
  expect(first).toMatchObject({ pruned: 0 });

  // A callback that fails once, then is delivered 10 s later: two attempts.
  const receiver = await startReceiver();
  receiver.script(['status500'], 'success');
  const payment = await gw.createPayment({ callbackUrl: receiver.url });
  await gw.post('/v1/sandbox/transfers', { traceId: payment.traceId });
  const deliveryOf = async () => (await gw.get(`/admin/deliveries?traceId=${payment.traceId}`)).body.data[0];
  await waitFor(async () => (await deliveryOf())?.attempts === 1, { what: 'the failed attempt' });
  clock.advance(10_000);
  await waitFor(async () => (await deliveryOf()).state === 'delivered', { what: 'the delivery' });

  clock.advance(31 * DAY);
  const pass = await gw.gateway.pruner.runPass();
  expect(pass).toMatchObject({ pruned: 1, cutoff: clock.now() - 30 * DAY });
  expect(await retention(gw.url)).toEqual({ retentionMs: 30 * DAY, prunedTotal: 1, lastPass: pass });

  const text = await runCli(['retention', '--url', gw.url]);
  expect(text.code, text.stderr).toBe(0);
  const pages = pass?.reclaimedPages === 1 ? '1 page' : `${pass?.reclaimedPages} pages`;
  expect(text.stdout.trimEnd().split('\n')).toEqual([
    "setting        attempts older than 30 days are pruned (each delivery's last attempt kept)",
    `last pass      ${new Date(clock.now()).toISOString()}: cutoff ${new Date(clock.now() - 30 * DAY).toISOString()}, 1 attempt pruned, ${pages} given back`,
    'pruned in all  1 attempt',
  ]);
});

it('says every attempt is kept with a retention of 0', async () => {
  gw = await startTestGateway({ PAYHOOK_ATTEMPT_RETENTION: '0' });
  expect(await gw.gateway.pruner.runPass()).toBeNull();
  expect(await retention(gw.url)).toEqual({ retentionMs: 0, prunedTotal: 0, lastPass: null });
  const text = await runCli(['retention', '--url', gw.url]);
  expect(text.code, text.stderr).toBe(0);
  expect(text.stdout.trimEnd().split('\n')).toEqual([
    'setting        every attempt is kept (PAYHOOK_ATTEMPT_RETENTION=0)',
    'last pass      no pass yet',
    'pruned in all  0 attempts',
  ]);
});
