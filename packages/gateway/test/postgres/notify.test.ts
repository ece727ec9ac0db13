// PostgreSQL only (this folder runs in the gateway-postgres project alone): API and
// dispatcher processes run apart, and a new delivery wakes an idle dispatcher through
// LISTEN/NOTIFY instead of waiting for its poll.
import { beforeEach, expect, it } from 'vitest';
import { paymentBody } from '../../../../test-support/fixtures.js';
import { waitFor } from '../../../../test-support/wait.js';
import { spawnGateway } from '../helpers/process.js';
import { processSuite } from '../helpers/process-suite.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';

const suite = processSuite('payhook-notify-');
let receiver: Receiver;

beforeEach(async () => {
  receiver = suite.track(await startReceiver());
});

it('an API-only process delivers nothing; a dispatcher process polling every 60 s is woken at once', async () => {
  const env = { DATABASE_URL: suite.database.url, PAYHOOK_POLL_INTERVAL: '60' };
  const api = await spawnGateway({ ...env, PAYHOOK_ROLE: 'api' });
  const payment = (
    await api.post(
      '/v1/payments',
      paymentBody({
        payeeId: 'payee-notify',
        orderId: 'notify-order-1',
        callbackUrl: receiver.url,
      }),
    )
  ).body.data;
  await api.post('/v1/sandbox/transfers', { traceId: payment.traceId });
  // The API process has no dispatcher: the delivery waits in the outbox.
  const [pending] = await suite.database.rows<{ state: string }>('select state from deliveries');
  expect(pending?.state).toBe('pending');

  // --role on the command line works as PAYHOOK_ROLE does; the dispatcher looks once at start.
  const dispatcher = await spawnGateway(env, 20_000, ['--role', 'dispatcher']);
  expect(dispatcher.url).toBe('');
  await waitFor(() => receiver.received.length === 1 || undefined, { what: 'the backlog to be delivered' });

  // Now idle, with its next poll a minute away: only a NOTIFY can wake it in time.
  const second = (
    await api.post(
      '/v1/payments',
      paymentBody({
        payeeId: 'payee-notify',
        orderId: 'notify-order-2',
        callbackUrl: receiver.url,
      }),
    )
  ).body.data;
  const paidAt = Date.now();
  await api.post('/v1/sandbox/transfers', { traceId: second.traceId });
  await waitFor(() => receiver.received.length === 2 || undefined, { timeoutMs: 10_000, what: 'a NOTIFY wake-up' });
  expect(receiver.received[1]?.at).toBeLessThan(paidAt + 10_000);
});
