// @payhook/gateway/seed: what it writes is what the store reads back — the payments, paid, and
// their deliveries due as asked, claimed by the dispatcher's own query.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { paidPayments, seedPaidPayments } from '@payhook/gateway/seed';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../src/storage/open.js';
import type { Store } from '../src/storage/store.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';

const CALLBACK = 'http://127.0.0.1:9/callback';
let dir: string;
let database: TestDatabase;
let store: Store | undefined;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'payhook-seed-'));
  database = await createTestDatabase(dir);
});

afterEach(async () => {
  await store?.close();
  store = undefined;
  await database.drop();
  rmSync(dir, { recursive: true, force: true });
});

const claimAll = (s: Store, now: number) => s.queue.claim({ now, limit: 10_000, leaseMs: 30_000, token: 'seed-test' });

describe('seedPaidPayments', () => {
  it('writes paid payments whose first attempts the dispatcher claims at once', async () => {
    // Over one chunk and over one statement's rows, so the reused statement is exercised too.
    const now = Date.now();
    const result = await seedPaidPayments(database.url, {
      payments: 2_345,
      callbackUrl: CALLBACK,
      orderPrefix: 'seeded',
      payeeId: 'payee-seed',
      now,
      chunk: 1_200,
    });
    expect(result).toMatchObject({ payments: 2_345, deliveries: 2_345 });

    store = await openStore(database.url);
    const found = await store.payments.find({ payeeId: 'payee-seed', orderId: 'seeded-2344' });
    expect(found?.payment).toMatchObject({ status: 'success', callbackUrl: CALLBACK, paidAmount: '10' });
    expect(found?.transfers).toHaveLength(1);
    const events = await store.admin.listEvents(found?.payment.traceId ?? '');
    expect(events.map((e) => e.type)).toEqual(['success']);

    const claimed = await claimAll(store, now);
    expect(claimed).toHaveLength(2_345);
    const mine = claimed.find((d) => d.traceId === found?.payment.traceId);
    expect(mine).toMatchObject({
      eventId: events[0]?.id,
      eventType: 'success',
      url: CALLBACK,
      host: '127.0.0.1:9',
      attempts: 0,
      dueAt: now,
    });
    expect(JSON.parse(mine?.body ?? '{}')).toEqual({
      orderId: 'seeded-2344',
      traceId: found?.payment.traceId,
      payeeId: 'payee-seed',
    });
    expect(new Set(claimed.map((d) => d.id)).size).toBe(2_345);
  });

  it('spreads extra deliveries over the payments and schedules each as asked (a backlog)', async () => {
    const now = Date.now();
    const future = now + 3_600_000;
    await seedPaidPayments(database.url, {
      payments: 10,
      deliveries: 25,
      callbackUrl: CALLBACK,
      now,
      // The first 5 due now (retries after one failure), the rest an hour away.
      schedule: (k) =>
        k < 5 ? { attempts: 1, nextAttemptAt: now - 1_000 } : { attempts: 3, nextAttemptAt: future + k },
    });
    store = await openStore(database.url);
    expect(await store.admin.countDeliveries()).toMatchObject({ pending: 25 });
    expect(await store.admin.queueDepth()).toEqual({ notTriedYet: 0, retrying: 25, exhausted: 0 });

    const claimed = await claimAll(store, now);
    expect(claimed).toHaveLength(5);
    expect(claimed.every((d) => d.attempts === 1 && d.dueAt === now - 1_000)).toBe(true);
    expect(await store.queue.nextDueAt(now)).toBe(future + 5);
    // 25 over 10 payments: 3 each for the first five, 2 each for the rest, all valid deliveries of theirs.
    const perPayment = new Map<string, number>();
    for (const d of await store.admin.listDeliveries({ limit: 100 })) {
      perPayment.set(d.traceId, (perPayment.get(d.traceId) ?? 0) + 1);
    }
    expect([...perPayment.values()].sort()).toEqual([2, 2, 2, 2, 2, 3, 3, 3, 3, 3]);
  });
});

describe('paidPayments', () => {
  it('computes the records without a database, one due success delivery each', () => {
    const [paid] = paidPayments(1, { callbackUrl: CALLBACK, now: 1_000 });
    expect(paid?.payment.status).toBe('success');
    expect(paid?.deliveries).toHaveLength(1);
    expect(paid?.deliveries[0]).toMatchObject({ state: 'pending', attempts: 0, nextAttemptAt: 1_000, url: CALLBACK });
  });
});
