// Store contract, the small parts: request counts (rate limits), payee secrets, health probes.
import { describe, expect, it } from 'vitest';
import { NOW, useStore } from './harness.js';

const ctx = useStore();

describe('request counts', () => {
  it('counts per key and window, atomically across stores, and forgets old windows', async () => {
    const { store } = ctx;
    const other = await ctx.another();
    const counts = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? other : store).requestCounts.count('ip:1', NOW)),
    );
    expect([...counts].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(await store.requestCounts.count('ip:2', NOW)).toBe(1);
    expect(await store.requestCounts.count('ip:1', NOW + 60_000)).toBe(1);
    await store.requestCounts.expire(NOW + 60_000);
    expect(await store.requestCounts.count('ip:1', NOW)).toBe(1); // that window was forgotten
    expect(await store.requestCounts.count('ip:1', NOW + 60_000)).toBe(2);
  });
});

describe('payee secrets', () => {
  it('sets, replaces, reads and deletes a payee secret', async () => {
    const { store } = ctx;
    expect(await store.payeeSecrets.get('payee-1')).toBeUndefined();
    await store.payeeSecrets.set({ payeeId: 'payee-1', secret: 'whsec_a', createdAt: NOW });
    await store.payeeSecrets.set({ payeeId: 'payee-1', secret: 'whsec_b', createdAt: NOW + 1 });
    expect(await store.payeeSecrets.get('payee-1')).toEqual({
      payeeId: 'payee-1',
      secret: 'whsec_b',
      createdAt: NOW + 1,
    });
    expect(await store.payeeSecrets.delete('payee-1')).toBe(true);
    expect(await store.payeeSecrets.delete('payee-1')).toBe(false);
    expect(await store.payeeSecrets.get('payee-1')).toBeUndefined();
  });
});

describe('health', () => {
  it('pings and commits the probe row', async () => {
    const { store } = ctx;
    await store.ping();
    await store.probeCommit(NOW);
    await store.probeCommit(NOW + 1);
    expect(await ctx.database.rows('select id, checked_at from health_probe')).toEqual([
      { id: 'probe', checked_at: NOW + 1 },
    ]);
  });
});
