// PostgreSQL only (this folder runs in the gateway-postgres project alone): a resume made through
// an API process wakes the dispatcher of another process by NOTIFY, however long it sleeps.
import { afterEach, expect, it, vi } from 'vitest';
import { waitFor } from '../../../../test-support/wait.js';
import { closeTestServers, startTestGateway } from '../helpers/gateway.js';
import { startReceiver } from '../helpers/receiver.js';

afterEach(closeTestServers);

it('a resume through one process wakes the dispatcher of another (NOTIFY)', async () => {
  const receiver = await startReceiver();
  // The dispatcher's process sleeps an hour between looks; the API's process serves the admin calls.
  const worker = await startTestGateway({ PAYHOOK_ROLE: 'dispatcher', PAYHOOK_POLL_INTERVAL: '3600' });
  const api = await startTestGateway({ PAYHOOK_ROLE: 'api' }, {}, { database: worker.database });
  await api.post('/admin/endpoints/pause', { url: receiver.url });
  const looks = vi.spyOn(worker.gateway.store.queue, 'nextDueAt');
  const { traceId } = await api.createPayment({ callbackUrl: receiver.url });
  expect((await api.post('/v1/sandbox/transfers', { traceId })).status).toBe(200);
  // The new delivery's NOTIFY woke the worker, whose claim passed over it.
  await waitFor(() => looks.mock.calls.length > 0, { what: 'the worker to look and sleep again' });
  expect(receiver.received).toHaveLength(0);
  const resumed = await api.post('/admin/endpoints/resume', { url: receiver.url });
  expect(resumed.body.data).toMatchObject({ changed: true, rescheduled: 1 });
  await waitFor(
    async () => (await api.get(`/admin/deliveries?traceId=${traceId}`)).body.data[0]?.state === 'delivered',
    { what: 'the worker to deliver after the resume' },
  );
  expect(receiver.received).toHaveLength(1);
});
