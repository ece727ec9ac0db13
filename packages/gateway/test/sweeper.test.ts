// The sweeper sleeps until the earliest payment timer or the poll interval. A new timer wakes it
// only when it is earlier than that: a wake per create cost two queries per payment.
import { afterEach, expect, it, vi } from 'vitest';
import { waitFor } from '../../../test-support/wait.js';
import { call, expectOk } from './helpers/api.js';
import { closeTestServers, startTestGateway, type TestGateway } from './helpers/gateway.js';

let gw: TestGateway;

afterEach(closeTestServers);

it('wakes for an earlier timer, not for every payment with a later one', async () => {
  // A poll interval far beyond the test: only a wake can make the sweeper look again.
  gw = await startTestGateway({ PAYHOOK_POLL_INTERVAL: '600', PAYHOOK_SETTLE_DELAY: '0.2' }, {}, { listen: false });
  const looks = vi.spyOn(gw.gateway.store.payments, 'nextWorkAt');
  await gw.gateway.start();
  await waitFor(() => looks.mock.calls.length === 1, { what: 'the first sweep' });

  // Deadlines an hour away are later than the sweeper's own next look: no wake, no query.
  const inAnHour = Math.floor(Date.now() / 1000) + 3600;
  const later = [];
  for (let i = 0; i < 20; i++) later.push(await gw.createPayment({ expiredTimestamp: inAnHour }));
  expect(looks.mock.calls.length).toBe(1);

  // A settlement due in 200 ms is earlier: it wakes the sweeper, which settles on time.
  const paid = await gw.createPayment({ expiredTimestamp: inAnHour });
  expectOk(await call(gw, 'POST', '/v1/sandbox/transfers', { json: { traceId: paid.traceId } }));
  const settled = await waitFor(
    async () => {
      const res = await gw.get(`/v1/payments_result?traceId=${paid.traceId}`);
      return res.body.data.settleStatus === 'success' && res.body.data;
    },
    { what: 'the settlement timer' },
  );
  expect(settled.status).toBe('success');
  // The wake for the settlement and the pass that settled it — one look when a loaded machine
  // wakes the sweeper after the 200 ms have passed, two when it wakes before — and at most one
  // more for the commit of that settlement; a wake per payment would be twenty more.
  expect(looks.mock.calls.length).toBeGreaterThanOrEqual(2);
  expect(looks.mock.calls.length).toBeLessThanOrEqual(4);
  for (const payment of later) {
    const res = await gw.get(`/v1/payments_result?traceId=${payment.traceId}`);
    expect(res.body.data.status).toBe('unpaid');
  }
});
