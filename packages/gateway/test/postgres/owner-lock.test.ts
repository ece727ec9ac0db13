// PostgreSQL only: a lease owner's liveness is its session-level advisory lock. While the
// session lives, nobody takes the owner's leases; a cut session is re-established and the lock
// taken again; once the session is gone for good, the leases are released at once.
import { afterEach, expect, it } from 'vitest';
import { waitFor } from '../../../../test-support/wait.js';
import { ManualClock } from '../../src/clock.js';
import { openStore } from '../../src/storage/open.js';
import { OWNER_LOCK_APPLICATION } from '../../src/storage/postgres/owner-lock.js';
import type { Store } from '../../src/storage/store.js';
import { pgAdmin } from '../helpers/database.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

it('an owner is alive while its lock session lives, again after a cut, and dead once the session ends', async () => {
  const clock = new ManualClock(Date.UTC(2026, 11, 1, 12));
  const gw: TestGateway = await startTestGateway({}, { clock }, { listen: false });
  cleanup.push(() => gw.close());
  const { store } = gw.gateway;
  const payment = await gw.createPayment({ callbackUrl: 'http://127.0.0.1:9/cb' });
  expect((await gw.post('/v1/sandbox/transfers', { traceId: payment.traceId })).status).toBe(200);

  const owner = 'test-host-1-0123456789abcdef';
  const hold = await store.queue.holdOwner(owner);
  const claimed = await store.queue.claim({ now: clock.now(), limit: 10, leaseMs: 600_000, token: 't', owner });
  expect(claimed).toHaveLength(1);

  // Another process's store: it judges the owner by its lock alone.
  const other: Store = await openStore(gw.database.url);
  cleanup.push(() => other.close());
  expect(await other.queue.releaseDeadOwners('someone-else')).toEqual(new Map());

  // Every session of the owner lock terminated (a server restart or a network cut): the
  // connection is re-established and the lock taken again.
  const database = new URL(gw.database.url).pathname.slice(1);
  const cut = await pgAdmin(async (c) => {
    const res = await c.query(
      'select pg_terminate_backend(pid) as ok from pg_stat_activity where datname = $1 and application_name = $2',
      [database, OWNER_LOCK_APPLICATION],
    );
    return res.rowCount;
  });
  expect(cut).toBe(1);
  await waitFor(() => hold.held && hold.acquisitions === 2, { what: 'the owner lock to be taken again' });
  expect(await other.queue.releaseDeadOwners('someone-else')).toEqual(new Map());
  const [row] = await gw.database.rows<{ lock_owner: string; locked_until: number }>(
    'select lock_owner, locked_until from deliveries',
  );
  expect(row).toEqual({ lock_owner: owner, locked_until: clock.now() + 600_000 });

  // The session ends (the process died): the lease is released at once, ten minutes early.
  await hold.release();
  expect(await other.queue.releaseDeadOwners('someone-else')).toEqual(new Map([[owner, 1]]));
  const [after] = await gw.database.rows('select lock_owner, lock_token, locked_until from deliveries');
  expect(after).toEqual({ lock_owner: null, lock_token: null, locked_until: null });
  expect(await store.queue.claim({ now: clock.now(), limit: 10, leaseMs: 600_000, token: 'u' })).toHaveLength(1);
});
