// One contract for every OrderStore the kit ships: the in-memory one, and the SQL one on
// SQLite (a temp file) and on PostgreSQL (a fresh database on the local server, dropped after).
// PostgreSQL must be reachable: if it is not, this suite fails rather than skips.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test-support/wait.js';
import type { FinalOrderStatus, Order } from '../src/order.js';
import type { WritableOrderStore } from '../src/store.js';
import { MemoryOrderStore } from '../src/stores/memory-store.js';
import { SqlOrderStore } from '../src/stores/sql-store.js';
import { makeOrder } from './helpers/orders.js';

interface Backend {
  /** Sets the backend up once for the suite. */
  start(): Promise<void>;
  /** An empty store, and optionally a second store on the same data through another connection. */
  fresh(): Promise<{ store: WritableOrderStore; twin?: WritableOrderStore }>;
  stop(): Promise<void>;
}

const memoryBackend = (): Backend => ({
  async start() {},
  async fresh() {
    return { store: new MemoryOrderStore() };
  },
  async stop() {},
});

function sqliteBackend(): Backend {
  let dir = '';
  const dbs: Kysely<unknown>[] = [];
  let store: SqlOrderStore;
  let twin: SqlOrderStore;
  const open = () => {
    const db = new Kysely<unknown>({
      dialect: new SqliteDialect({
        database: () => {
          const sqlite = new Database(join(dir, 'orders.db'));
          sqlite.pragma('journal_mode = WAL');
          sqlite.pragma('busy_timeout = 5000');
          return Promise.resolve(sqlite);
        },
      }),
    });
    dbs.push(db);
    return db;
  };
  return {
    async start() {
      dir = mkdtempSync(join(tmpdir(), 'payhook-merchant-'));
      store = await SqlOrderStore.open(open());
      twin = await SqlOrderStore.open(open());
    },
    async fresh() {
      await sql`DELETE FROM payhook_orders`.execute(dbs[0] as Kysely<unknown>);
      return { store, twin };
    },
    async stop() {
      await Promise.all(dbs.map((db) => db.destroy()));
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

function postgresBackend(): Backend {
  const server = { host: '127.0.0.1', port: 5432, user: 'postgres' };
  const database = `payhook_merchant_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  let db: Kysely<unknown> | undefined;
  let twinDb: Kysely<unknown> | undefined;
  let created = false;
  let store: SqlOrderStore;
  let twin: SqlOrderStore;
  const admin = async <T extends pg.QueryResultRow>(statement: string, values: unknown[] = []) => {
    const client = new pg.Client({ ...server, database: 'postgres', connectionTimeoutMillis: 5_000 });
    await client.connect();
    try {
      return (await client.query<T>(statement, values)).rows;
    } finally {
      await client.end();
    }
  };
  const open = () =>
    new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ ...server, database, max: 10 }) }) });
  return {
    async start() {
      await admin(`CREATE DATABASE ${database}`);
      created = true;
      db = open();
      twinDb = open();
      store = await SqlOrderStore.open(db);
      twin = await SqlOrderStore.open(twinDb);
    },
    async fresh() {
      await sql`TRUNCATE payhook_orders`.execute(db as Kysely<unknown>);
      return { store, twin };
    },
    async stop() {
      await db?.destroy();
      await twinDb?.destroy();
      if (!created) return;
      // A pool's end() returns before its connections are gone; drop once the server agrees.
      await waitFor(
        async () => {
          const [row] = await admin<{ n: number }>(
            'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1',
            [database],
          );
          return row?.n === 0;
        },
        { what: `connections to ${database} to close` },
      );
      await admin(`DROP DATABASE IF EXISTS ${database}`);
    },
  };
}

const backends: [string, () => Backend][] = [
  ['MemoryOrderStore', memoryBackend],
  ['SqlOrderStore on SQLite', sqliteBackend],
  ['SqlOrderStore on PostgreSQL', postgresBackend],
];

describe.each(backends)('%s', (_name, makeBackend) => {
  const backend = makeBackend();
  let store: WritableOrderStore;
  let twin: WritableOrderStore | undefined;

  // A backend that cannot start fails every one of its tests (in beforeEach), rather than
  // leaving them reported as skipped.
  let started: Promise<void>;
  beforeAll(() => {
    started = backend.start();
    started.catch(() => undefined);
  });
  afterAll(() => backend.stop());
  beforeEach(async () => {
    await started;
    ({ store, twin } = await backend.fresh());
  });

  async function inserted(overrides: Partial<Order> = {}) {
    const order = makeOrder(overrides);
    await store.insert(order);
    return order;
  }

  describe('insert and find', () => {
    it('keeps every field exactly, amounts as the strings they were', async () => {
      const order = await inserted({
        amount: '10.00',
        assetId: '4d8c508b-91c5-375b-92b0-ee702ed2dac5',
        paymentUrl: 'https://mixpay.me/code/xyz',
        createdAt: 1_700_000_000_123,
        updatedAt: 1_700_000_000_456,
      });
      const found = await store.findByOrderId(order.orderId);
      expect(found).toEqual(order);
      expect(typeof found?.createdAt).toBe('number');
      expect(found?.amount).toBe('10.00');
    });

    it('keeps nulls as nulls (a paylink order: no traceId, no link yet)', async () => {
      const order = await inserted({ traceId: null, paymentUrl: null });
      expect(await store.findByOrderId(order.orderId)).toEqual(order);
    });

    it('keeps timestamps beyond 32 bits and a settledAt', async () => {
      const order = await inserted({ status: 'paid', settledAt: 4_102_444_800_000, createdAt: 4_102_444_799_000 });
      expect(await store.findByOrderId(order.orderId)).toMatchObject({
        settledAt: 4_102_444_800_000,
        createdAt: 4_102_444_799_000,
      });
    });

    it('answers undefined for an unknown order', async () => {
      await inserted();
      expect(await store.findByOrderId('order-nope-00')).toBeUndefined();
      expect(await store.findByTraceId(crypto.randomUUID())).toBeUndefined();
    });

    it('finds by traceId in any case', async () => {
      const traceId = crypto.randomUUID().toUpperCase();
      const order = await inserted({ traceId });
      await inserted();
      for (const asked of [traceId, traceId.toLowerCase()]) {
        const found = await store.findByTraceId(asked);
        expect(found?.orderId).toBe(order.orderId);
        expect(found?.traceId?.toLowerCase()).toBe(traceId.toLowerCase());
      }
    });

    it('distinguishes orderIds exactly', async () => {
      const order = await inserted({ orderId: 'Order-ABC-001' });
      expect(await store.findByOrderId('order-abc-001')).toBeUndefined();
      expect((await store.findByOrderId('Order-ABC-001'))?.orderId).toBe(order.orderId);
    });

    it('refuses a second order with the same orderId, keeping the first', async () => {
      const order = await inserted({ amount: '10' });
      await expect(store.insert({ ...order, amount: '0.01', traceId: crypto.randomUUID() })).rejects.toThrow();
      expect((await store.findByOrderId(order.orderId))?.amount).toBe('10');
    });

    it('returns copies: changing a found order changes nothing stored', async () => {
      const order = await inserted();
      const found = await store.findByOrderId(order.orderId);
      if (!found) throw new Error('not found');
      found.status = 'paid';
      expect((await store.findByOrderId(order.orderId))?.status).toBe('waiting');
    });
  });

  describe('transition', () => {
    it('moves a waiting order forward once', async () => {
      const order = await inserted();
      expect(await store.transition(order.orderId, 'paid', 1_700_000_100_000)).toBe(true);
      expect(await store.findByOrderId(order.orderId)).toMatchObject({ status: 'paid', updatedAt: 1_700_000_100_000 });
      expect(await store.transition(order.orderId, 'paid', 1_700_000_200_000)).toBe(false);
      expect((await store.findByOrderId(order.orderId))?.updatedAt).toBe(1_700_000_100_000);
    });

    it.each([
      ['paid', 'failed'],
      ['paid', 'suspicious'],
      ['failed', 'paid'],
      ['suspicious', 'paid'],
    ] as const)('never moves a %s order to %s', async (from, to) => {
      const order = await inserted({ status: from });
      expect(await store.transition(order.orderId, to, 1)).toBe(false);
      expect((await store.findByOrderId(order.orderId))?.status).toBe(from);
    });

    it('answers false for an unknown order', async () => {
      expect(await store.transition('order-missing', 'paid', 1)).toBe(false);
    });

    it('touches only the order it names', async () => {
      const a = await inserted();
      const b = await inserted();
      await store.transition(a.orderId, 'failed', 5);
      expect((await store.findByOrderId(b.orderId))?.status).toBe('waiting');
    });

    it('of 20 concurrent transitions exactly one wins, and its status is the one kept', async () => {
      const order = await inserted();
      const targets: FinalOrderStatus[] = Array.from(
        { length: 20 },
        (_, i) => (['paid', 'failed', 'suspicious'] as const)[i % 3] as FinalOrderStatus,
      );
      const results = await Promise.all(targets.map((next, i) => store.transition(order.orderId, next, 1000 + i)));
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true);
      expect(await store.findByOrderId(order.orderId)).toMatchObject({
        status: targets[winner],
        updatedAt: 1000 + winner,
      });
    });

    it('exactly one wins across two connections too', async () => {
      const order = await inserted();
      const other = twin ?? store;
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? store : other).transition(order.orderId, 'paid', i)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await other.findByOrderId(order.orderId))?.status).toBe('paid');
    });
  });

  describe('markSettled', () => {
    it('records settlement of a paid order once', async () => {
      const order = await inserted();
      expect(await store.markSettled(order.orderId, 10)).toBe(false);
      await store.transition(order.orderId, 'paid', 20);
      expect(await store.markSettled(order.orderId, 30)).toBe(true);
      expect(await store.findByOrderId(order.orderId)).toMatchObject({ status: 'paid', settledAt: 30, updatedAt: 30 });
      expect(await store.markSettled(order.orderId, 40)).toBe(false);
      expect((await store.findByOrderId(order.orderId))?.settledAt).toBe(30);
    });

    it.each(['waiting', 'failed', 'suspicious'] as const)('never settles a %s order', async (status) => {
      const order = await inserted({ status });
      expect(await store.markSettled(order.orderId, 10)).toBe(false);
      expect((await store.findByOrderId(order.orderId))?.settledAt).toBeNull();
    });

    it('of concurrent calls exactly one records it', async () => {
      const order = await inserted({ status: 'paid' });
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => store.markSettled(order.orderId, i + 1)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });
  });

  describe('listWaiting', () => {
    it('lists waiting orders created before the cut-off, oldest first, up to the limit', async () => {
      const at = (createdAt: number, status: Order['status'] = 'waiting') => inserted({ createdAt, status });
      const o3 = await at(3_000);
      const o1 = await at(1_000);
      await at(1_500, 'paid');
      await at(500, 'failed');
      await at(800, 'suspicious');
      const o2 = await at(2_000);
      await at(5_000); // exactly at the cut-off: not older
      await at(9_000);

      expect((await store.listWaiting(5_000, 10)).map((o) => o.orderId)).toEqual([o1.orderId, o2.orderId, o3.orderId]);
      expect((await store.listWaiting(5_000, 2)).map((o) => o.orderId)).toEqual([o1.orderId, o2.orderId]);
      expect(await store.listWaiting(1_000, 10)).toEqual([]);
      const [first] = await store.listWaiting(5_000, 1);
      expect(first).toEqual(o1);
    });
  });

  describe('attachPayment', () => {
    it('sets the traceId and link of an order created before its payment', async () => {
      const order = await inserted({ traceId: null, paymentUrl: null });
      const traceId = crypto.randomUUID();
      await store.attachPayment(order.orderId, traceId, 'https://mixpay.me/code/abc', 77);
      expect(await store.findByOrderId(order.orderId)).toMatchObject({
        traceId,
        paymentUrl: 'https://mixpay.me/code/abc',
        updatedAt: 77,
        status: 'waiting',
      });
      expect((await store.findByTraceId(traceId))?.orderId).toBe(order.orderId);
    });
  });
});

describe('SqlOrderStore.open', () => {
  it('can open the same database again (migrations are tracked, not repeated)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'payhook-merchant-'));
    const open = () =>
      new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(join(dir, 'again.db')) }) });
    try {
      const first = open();
      const store = await SqlOrderStore.open(first);
      const order = makeOrder();
      await store.insert(order);
      await first.destroy();
      const second = open();
      const again = await SqlOrderStore.open(second);
      expect(await again.findByOrderId(order.orderId)).toEqual(order);
      await second.destroy();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
