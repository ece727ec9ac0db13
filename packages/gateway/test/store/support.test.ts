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
  it('sets, replaces at once, reads and deletes a payee secret', async () => {
    const { store } = ctx;
    expect(await store.payeeSecrets.get('payee-1', NOW)).toBeUndefined();
    const first = await store.payeeSecrets.set({ payeeId: 'payee-1', secret: 'whsec_a', createdAt: NOW });
    expect(first.previous).toBeNull();
    await store.payeeSecrets.set({ payeeId: 'payee-1', secret: 'whsec_b', createdAt: NOW + 1 });
    expect(await store.payeeSecrets.get('payee-1', NOW + 1)).toEqual({
      payeeId: 'payee-1',
      secret: 'whsec_b',
      createdAt: NOW + 1,
      previous: null,
    });
    expect(await store.payeeSecrets.delete('payee-1')).toBe(true);
    expect(await store.payeeSecrets.delete('payee-1')).toBe(false);
    expect(await store.payeeSecrets.get('payee-1', NOW + 1)).toBeUndefined();
  });

  it('rotates with an overlap: the replaced secret stays until it ends, an older one is dropped', async () => {
    const { store } = ctx;
    const HOUR = 3_600_000;
    // A first secret has nothing to overlap with, whatever the overlap asked.
    const first = await store.payeeSecrets.set({ payeeId: 'payee-r', secret: 'whsec_a', createdAt: NOW }, HOUR);
    expect(first.previous).toBeNull();
    const rotated = await store.payeeSecrets.set({ payeeId: 'payee-r', secret: 'whsec_b', createdAt: NOW + 1 }, HOUR);
    expect(rotated).toEqual({
      payeeId: 'payee-r',
      secret: 'whsec_b',
      createdAt: NOW + 1,
      previous: { secret: 'whsec_a', until: NOW + 1 + HOUR },
    });
    expect((await store.payeeSecrets.get('payee-r', NOW + HOUR))?.previous).toEqual({
      secret: 'whsec_a',
      until: NOW + 1 + HOUR,
    });
    // The overlap's end is exclusive.
    expect((await store.payeeSecrets.get('payee-r', NOW + 1 + HOUR))?.previous).toBeNull();

    // Rotating again during the overlap: b becomes the previous one, a is gone.
    const again = await store.payeeSecrets.set({ payeeId: 'payee-r', secret: 'whsec_c', createdAt: NOW + 2 }, HOUR);
    expect(again.previous).toEqual({ secret: 'whsec_b', until: NOW + 2 + HOUR });
    // Overlap 0 switches at once and forgets the previous secret.
    const now = await store.payeeSecrets.set({ payeeId: 'payee-r', secret: 'whsec_d', createdAt: NOW + 3 }, 0);
    expect(now.previous).toBeNull();
    expect(await ctx.database.rows("select previous_secret from payee_secrets where payee_id = 'payee-r'")).toEqual([
      { previous_secret: null },
    ]);
    expect(await store.payeeSecrets.delete('payee-r')).toBe(true);
    expect(await ctx.database.rows('select payee_id from payee_secrets')).toEqual([]);
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
