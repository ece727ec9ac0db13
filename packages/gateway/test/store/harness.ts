// The Store contract suite's set-up: every test gets a store on a database of its own (a SQLite
// file, or under PAYHOOK_TEST_BACKEND=postgres a clone of the migrated template), opened the way
// the gateway opens it, and fixtures that write through the store's own methods.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import type { Attempt, Delivery, Payment, PaymentEvent } from '../../src/interfaces.js';
import { openStore, sqlitePath } from '../../src/storage/open.js';
import { ownerLockDir } from '../../src/storage/sqlite/owner-lock.js';
import type { AttemptOutcome, Store } from '../../src/storage/store.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { storedPayment } from '../helpers/payments.js';

export const NOW = Date.UTC(2026, 11, 1, 12);

export interface StoreContext {
  store: Store;
  database: TestDatabase;
  /** Opens a second store on the same database, as a second process would; closed after the test. */
  another(): Promise<Store>;
  /**
   * Leaves what a SIGKILLed dispatcher incarnation `owner` leaves behind: on SQLite its lock file,
   * unlocked; on PostgreSQL nothing (its session, and so its advisory lock, is gone).
   */
  killedOwner(owner: string): Promise<void>;
}

/** Registers the hooks that give each test a fresh store; read `ctx` inside tests only. */
export function useStore(): StoreContext {
  const ctx = {} as StoreContext;
  let dir = '';
  let stores: Store[] = [];
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'payhook-store-'));
    ctx.database = await createTestDatabase(dir);
    ctx.store = await openStore(ctx.database.url);
    stores = [ctx.store];
    ctx.another = async () => {
      const store = await openStore(ctx.database.url);
      stores.push(store);
      return store;
    };
    ctx.killedOwner = async (owner) => {
      if (ctx.database.backend !== 'sqlite') return;
      const dir = ownerLockDir(sqlitePath(ctx.database.url));
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${owner}.lock`), '');
    };
  });
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    await ctx.database.drop();
    rmSync(dir, { recursive: true, force: true });
  });
  return ctx;
}

let serial = 0;
/** A unique id with a readable prefix (ids are varchar(36)). */
export function id(prefix: string): string {
  serial += 1;
  return `${prefix}-${serial.toString().padStart(6, '0')}-${Math.random().toString(36).slice(2, 8)}`;
}

export function aPayment(overrides: Partial<Payment> = {}): Payment {
  return storedPayment(NOW - 60_000, {
    traceId: id('trace'),
    orderId: id('order'),
    callbackUrl: 'http://shop.example/callback',
    clientId: id('client'),
    ...overrides,
  });
}

export interface SeedOptions {
  url?: string;
  payeeId?: string;
  /** Attempts already made (0: a first attempt is due). */
  attempts?: number;
  nextAttemptAt?: number | null;
  state?: Delivery['state'];
  createdAt?: number;
}

/**
 * A payment that turned `success`, with its event and one delivery, written as the life cycle
 * writes them (one `payments.update`).
 */
export async function seedDelivery(store: Store, options: SeedOptions = {}): Promise<Delivery> {
  const payment = aPayment({ payeeId: options.payeeId ?? 'payee-1', callbackUrl: options.url ?? null });
  await store.payments.insert(payment);
  const createdAt = options.createdAt ?? NOW - 1_000;
  const event: PaymentEvent = {
    id: id('event'),
    traceId: payment.traceId,
    type: 'success',
    status: 'success',
    createdAt,
  };
  const delivery: Delivery = {
    id: id('delivery'),
    eventId: event.id,
    traceId: payment.traceId,
    eventType: 'success',
    url: options.url ?? 'http://shop.example/callback',
    body: JSON.stringify({ orderId: payment.orderId, traceId: payment.traceId, payeeId: payment.payeeId }),
    state: options.state ?? 'pending',
    attempts: options.attempts ?? 0,
    nextAttemptAt: options.nextAttemptAt === undefined ? createdAt : options.nextAttemptAt,
    lockedUntil: null,
    redeliveryOf: null,
    createdAt,
    updatedAt: createdAt,
  };
  await store.payments.update(payment.traceId, (state) => ({
    next: { ...state, payment: { ...state.payment, status: 'success', updatedAt: createdAt } },
    writes: { payment: true, addedTransfers: [], confirmedTransfers: [] },
    events: [event],
    deliveries: [delivery],
  }));
  return delivery;
}

/** The outcome of attempt `attemptNo` of a claimed delivery, answered as `success` says. */
export function outcome(
  deliveryId: string,
  token: string,
  attemptNo: number,
  { success = true, at = NOW, nextAttemptAt = null as number | null } = {},
): AttemptOutcome {
  const attempt: Attempt = {
    deliveryId,
    attemptNo,
    dueAt: at - 5,
    startedAt: at - 3,
    endedAt: at,
    success,
    statusCode: success ? 200 : 500,
    latencyMs: 3,
    errorClass: success ? null : 'bad_status',
    errorMessage: success ? null : 'HTTP 500',
    responseExcerpt: success ? '{"code":"SUCCESS"}' : 'oops',
    // In the order sent, which the store must keep.
    request: { headers: { 'content-type': 'application/json', 'x-payhook-attempt': String(attemptNo) } },
  };
  const update = success
    ? ({ state: 'delivered', nextAttemptAt: null } as const)
    : nextAttemptAt === null
      ? ({ state: 'exhausted', nextAttemptAt: null } as const)
      : ({ state: 'pending', nextAttemptAt } as const);
  return { attempt, update, token };
}
