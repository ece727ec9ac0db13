// `payhook endpoints`, `payhook pause` and `payhook resume` (the real binary) against a real
// gateway and a real receiver: a failing URL is listed, paused (nothing is sent while paused, a
// new event waits), and resumed (the waiting delivery goes out).
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { killAllClis, runCli, runJson } from './helpers/cli.js';
import { type Receiver, startReceiver, startTestGateway, type TestGateway, waitFor } from './helpers/fixtures.js';

let gw: TestGateway;
let url: string[];
let receiver: Receiver;

beforeAll(async () => {
  // Two quick failures, then an hour's wait: the first delivery stays retrying.
  gw = await startTestGateway({ PAYHOOK_RETRY_SCHEDULE: '0,0.05,3600,3600', PAYHOOK_ENDPOINT_FAILING_AFTER: '2' });
  url = ['--url', gw.url];
  receiver = await startReceiver();
});
afterEach(killAllClis);
afterAll(async () => {
  await gw?.close();
  await receiver?.close();
});

const deliveryOf = async (traceId: string) => (await gw.get(`/admin/deliveries?traceId=${traceId}`)).body.data[0];

async function paid(): Promise<string> {
  const payment = await gw.createPayment({ callbackUrl: receiver.url });
  expect((await gw.post('/v1/sandbox/transfers', { traceId: payment.traceId })).status).toBe(200);
  return payment.traceId;
}

it('lists a failing URL, pauses it, and resumes it', async () => {
  receiver.script([], 'status500');
  const first = await paid();
  await waitFor(async () => (await deliveryOf(first)).attempts === 2, { what: 'two failed attempts' });
  await gw.gateway.endpointHealth.flush();

  const listed = await runJson(['endpoints', ...url]);
  const entry = listed.endpoints.find((e: any) => e.url === receiver.url);
  expect(entry).toMatchObject({ health: 'failing', consecutiveFailures: 2, retrying: 1, paused: null });
  expect(entry.forecast.deliveries).toBe(1);
  const table = await runCli(['endpoints', ...url]);
  expect(table.code, table.stderr).toBe(0);
  const lines = table.stdout.split('\n');
  expect(lines[0]).toMatch(
    /^HEALTH\s+PAUSED\s+LAST HOUR\s+FAILS\s+LAST ERROR\s+PENDING\s+RETRYING\s+EXHAUST BETWEEN\s+URL$/,
  );
  expect(lines.find((l) => l.endsWith(receiver.url))).toMatch(
    /^failing\s+-\s+0% of 2\s+2\s+bad_status 500\s+1\s+1\s+\S+Z \.\. \S+Z\s+http/,
  );
  expect(table.stdout).toMatch(/HOST\n.*failing\s+1\s+0\s+0% of 2/);

  const paused = await runCli(['pause', receiver.url, '--reason', 'migrating', '--actor', 'ops', ...url]);
  expect(paused.code, paused.stderr).toBe(0);
  expect(paused.stdout.trim()).toBe(
    `paused ${receiver.url}: nothing is sent to it until \`payhook resume\`; 1 pending delivery held`,
  );
  const again = await runJson(['pause', receiver.url, ...url]);
  expect(again).toMatchObject({ changed: false, endpoint: { paused: { by: 'local:ops', reason: 'migrating' } } });

  receiver.script([], 'success');
  const second = await paid();
  const sent = receiver.received.length;
  const waiting = await runJson(['endpoints', ...url]);
  expect(waiting.endpoints.find((e: any) => e.url === receiver.url)).toMatchObject({ pending: 2, forecast: null });
  expect(receiver.received).toHaveLength(sent);

  const resumed = await runCli(['resume', receiver.url, ...url]);
  expect(resumed.code, resumed.stderr).toBe(0);
  expect(resumed.stdout.trim()).toBe(`resumed ${receiver.url}: 2 deliveries continue with the gap each had left`);
  await waitFor(async () => (await deliveryOf(second)).state === 'delivered', { what: 'the waiting delivery' });
  expect(await runJson(['resume', receiver.url, ...url])).toMatchObject({ changed: false, rescheduled: 0 });
  const notPaused = await runCli(['resume', receiver.url, ...url]);
  expect(notPaused.stdout.trim()).toBe(`${receiver.url} was not paused; nothing moved`);
});

it('answers an unknown URL with the gateway’s 404, and a bad one with its parameter error', async () => {
  const unknown = await runCli(['resume', 'https://never.example/cb', ...url]);
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toMatch(/error 404: endpoint https:\/\/never\.example\/cb was never paused nor attempted/);
  const bad = await runCli(['pause', 'not a url', ...url]);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toMatch(/url: must be an absolute http\(s\) URL/);
});
