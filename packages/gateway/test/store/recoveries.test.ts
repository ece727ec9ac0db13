// Store contract, recoveries: one runner at a time holds a recovery (lease on its row), a batch
// is fenced on that lease, a dead runner's recovery is taken back from its cursor, and nothing is
// taken twice — on both backends, with a second store standing in for a second gateway.
import { randomUUID } from 'node:crypto';
import type { Recovery } from '@payhook/protocol';
import { describe, expect, it } from 'vitest';
import { redelivery } from '../../src/domain/outbox.js';
import { newRecovery, scopeSelection } from '../../src/domain/recovery.js';
import type { RecoveryBatch } from '../../src/storage/store.js';
import { id, NOW, seedDelivery, useStore } from './harness.js';

const ctx = useStore();
const LEASE = 30_000;

function aRecovery(overrides: Partial<Recovery> = {}): Recovery {
  const requested = newRecovery({
    id: id('recovery'),
    action: 'redeliver',
    selection: { state: 'exhausted' },
    newUrl: null,
    requestedBy: { auth: 'bearer', actor: 'ops' },
    requestedAt: NOW,
  });
  return { ...requested, ...overrides };
}

function batch(recovery: Recovery, owner: string, now = NOW, limit = 2): RecoveryBatch {
  return {
    limit,
    selection: scopeSelection(recovery.selection, recovery.action, recovery.requestedAt),
    plan: {
      action: 'redeliver',
      redeliver: (d) => redelivery(d, { now, schedule: [0], newId: randomUUID }),
    },
    now,
    owner,
    leaseMs: LEASE,
  };
}

async function exhausted(count: number) {
  const out = [];
  for (let i = 0; i < count; i++) {
    out.push(
      await seedDelivery(ctx.store, {
        state: 'exhausted',
        attempts: 10,
        nextAttemptAt: null,
        createdAt: NOW - 5_000 + i,
      }),
    );
  }
  return out;
}

async function redeliveries() {
  return ctx.database.rows<{ redelivery_of: string }>(
    'select redelivery_of from deliveries where redelivery_of is not null',
  );
}

describe('recoveries', () => {
  it('records matched in the same transaction, and lists newest first', async () => {
    const { store } = ctx;
    await exhausted(3);
    const r = aRecovery();
    const created = await store.recoveries.create(r, scopeSelection(r.selection, r.action, r.requestedAt));
    expect(created.matched).toBe(3);
    const later = aRecovery({ requestedAt: NOW + 1 });
    await store.recoveries.create(later, scopeSelection(later.selection, later.action, later.requestedAt));
    expect((await store.recoveries.list(10)).map((x) => x.id)).toEqual([later.id, r.id]);
    expect((await store.recoveries.list(1, { requestedAt: later.requestedAt, id: later.id })).map((x) => x.id)).toEqual(
      [r.id],
    );
    expect(await store.recoveries.get(r.id)).toEqual(created);
  });

  it('is held by one runner at a time; a batch under a lost lease writes nothing', async () => {
    const { store } = ctx;
    const other = await ctx.another();
    await exhausted(3);
    const r = aRecovery();
    await store.recoveries.create(r, scopeSelection(r.selection, r.action, r.requestedAt));
    const a = await store.recoveries.claim(NOW, 'owner-a', LEASE);
    expect(a?.id).toBe(r.id);
    expect(await other.recoveries.claim(NOW, 'owner-b', LEASE)).toBeUndefined();
    // The lease ran out: B takes it, and A's next batch is refused whole.
    const b = await other.recoveries.claim(NOW + LEASE, 'owner-b', LEASE);
    expect(b?.id).toBe(r.id);
    expect(await store.recoveries.runBatch(r.id, batch(r, 'owner-a', NOW + LEASE))).toBeUndefined();
    expect(await redeliveries()).toEqual([]);
    const ran = await other.recoveries.runBatch(r.id, batch(r, 'owner-b', NOW + LEASE));
    expect(ran?.recovery).toMatchObject({ processed: 2, state: 'running' });
    expect(ran?.created).toHaveLength(2);
  });

  it('goes on from the cursor of a runner that died, taking each delivery once', async () => {
    const { store } = ctx;
    const originals = await exhausted(5);
    const r = aRecovery();
    await store.recoveries.create(r, scopeSelection(r.selection, r.action, r.requestedAt));
    await store.recoveries.claim(NOW, 'gone-owner', LEASE);
    const first = await store.recoveries.runBatch(r.id, batch(r, 'gone-owner'));
    expect(first?.recovery.cursor).toBe(`${originals[1]?.createdAt}:${originals[1]?.id}`);
    // Its process dies: its liveness lock is free, long before its lease runs out.
    await ctx.killedOwner('gone-owner');
    const other = await ctx.another();
    const hold = await other.queue.holdOwner('next-owner');
    expect(await other.recoveries.claim(NOW + 1, 'next-owner', LEASE)).toBeUndefined();
    expect(await other.recoveries.releaseDeadOwners('next-owner', NOW + 1)).toBe(1);
    expect((await other.recoveries.claim(NOW + 1, 'next-owner', LEASE))?.cursor).toBe(first?.recovery.cursor);
    let last = first?.recovery;
    while (last?.state === 'running')
      last = (await other.recoveries.runBatch(r.id, batch(r, 'next-owner', NOW + 1)))?.recovery;
    expect(last).toMatchObject({ state: 'done', processed: 5, matched: 5, finishedAt: NOW + 1 });
    const redone = (await redeliveries()).map((x) => x.redelivery_of).sort();
    expect(redone).toEqual(originals.map((o) => o.id).sort());
    await hold.release();
  });

  it('leaves the recovery of a live runner alone', async () => {
    const { store } = ctx;
    await exhausted(1);
    const r = aRecovery();
    await store.recoveries.create(r, scopeSelection(r.selection, r.action, r.requestedAt));
    const hold = await store.queue.holdOwner('live-owner');
    await store.recoveries.claim(NOW, 'live-owner', LEASE);
    const other = await ctx.another();
    expect(await other.recoveries.releaseDeadOwners('next-owner', NOW + 1)).toBe(0);
    expect(await other.recoveries.claim(NOW + 1, 'next-owner', LEASE)).toBeUndefined();
    await hold.release();
  });
});
