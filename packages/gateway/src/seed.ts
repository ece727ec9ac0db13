// Bulk-loads a database with payments already paid and their callbacks due: what benchmarks and
// load tests start from. The records come from the gateway's own life cycle (newPayment,
// transition, outbox) and row mappers, so a seeded database is what the API would have written,
// whatever the schema becomes; only the writing is different (multi-row INSERTs in a few
// transactions, not one transaction per payment).
import { randomUUID } from 'node:crypto';
import { createPaymentRequest, subtractDecimals } from '@payhook/protocol';
import { CompiledQuery, type Insertable } from 'kysely';
import { loadConfig } from './config.js';
import { AssetCatalog, USDT_ID } from './domain/assets.js';
import { transition } from './domain/lifecycle.js';
import { newPayment } from './domain/new-payment.js';
import { outbox } from './domain/outbox.js';
import type { Delivery, Payment, PaymentEvent, Transfer } from './interfaces.js';
import { openDialect } from './storage/open.js';
import { deliveryToRow, eventToRow, paymentToRow, transferToRow } from './storage/rows.js';
import type { Database } from './storage/schema.js';
import { type Db, inTransaction } from './storage/sql/dialect.js';
import { SqlStore } from './storage/sql/store.js';

/** A payment paid in full, with the transfer that paid it, its events and their deliveries. */
export interface PaidPayment {
  payment: Payment;
  transfers: Transfer[];
  events: PaymentEvent[];
  deliveries: Delivery[];
}

export interface PaidPaymentOptions {
  /** Where the callbacks go (the payment's callbackUrl). */
  callbackUrl: string;
  payeeId?: string;
  /** Prefix of the orderIds (`<prefix>-<i>`); a random one by default, so runs never collide. */
  orderPrefix?: string;
  /** When the payments were created and paid. Default: now. */
  now?: number;
  /** Settlement delay, ms. Default a day: a gateway started on the seed has no settlement to sweep. */
  settleDelayMs?: number;
}

/**
 * `count` payments of 10 USD in USDT, each paid in full by one confirmed transfer: status
 * `success`, one `success` event and its delivery, the first attempt due at `now`. Pure apart
 * from the random ids.
 *
 * @example
 * const [paid] = paidPayments(1, { callbackUrl: 'http://127.0.0.1:3000/callback' });
 * paid.deliveries[0].body; // '{"orderId":"…","traceId":"…","payeeId":"payee-seed"}'
 */
export function paidPayments(count: number, options: PaidPaymentOptions, offset = 0): PaidPayment[] {
  const settleDelay = String((options.settleDelayMs ?? 86_400_000) / 1000);
  const config = loadConfig({ DATABASE_URL: 'sqlite::memory:', PAYHOOK_SETTLE_DELAY: settleDelay });
  const catalog = new AssetCatalog();
  const prefix = options.orderPrefix ?? `seed-${randomUUID().slice(0, 8)}`;
  const out: PaidPayment[] = [];
  for (let i = offset; i < offset + count; i++) {
    const now = options.now ?? Date.now();
    const created = newPayment(
      {
        kind: 'payment',
        request: createPaymentRequest.parse({
          payeeId: options.payeeId ?? 'payee-seed',
          orderId: `${prefix}-${i}`,
          quoteAmount: '10',
          quoteAssetId: 'usd',
          paymentAssetId: USDT_ID,
          settlementAssetId: USDT_ID,
          callbackUrl: options.callbackUrl,
        }),
      },
      { now, mode: config.mode, catalog, newTraceId: randomUUID },
    );
    const asset = catalog.getPayable(created.paymentAssetId ?? '');
    if (!asset || created.payableAmount === null) throw new Error('seed payment has no payable asset');
    const transfer: Transfer = {
      txid: randomUUID(),
      traceId: created.traceId,
      amount: subtractDecimals(created.payableAmount, created.paidAmount),
      assetId: asset.id,
      confirmations: asset.requiredConfirmations,
      createdAt: now,
      updatedAt: now,
    };
    const change = outbox(
      transition(
        { payment: created, transfers: [] },
        { type: 'transfer', transfer },
        { now, catalog, settleDelayMs: config.settleDelayMs },
      ),
      { now, schedule: config.schedule, newId: randomUUID },
    );
    if (change.deliveries.length !== 1 || change.events[0]?.type !== 'success') {
      throw new Error(`seed: expected one success delivery, got ${change.events.map((e) => e.type).join(',')}`);
    }
    out.push({
      payment: change.next.payment,
      transfers: change.next.transfers,
      events: change.events,
      deliveries: change.deliveries,
    });
  }
  return out;
}

/** Where a seeded delivery stands: attempts already made, and when the next one is due. */
export interface SeedSchedule {
  attempts: number;
  /** `null` with `state` delivered or exhausted. */
  nextAttemptAt: number | null;
  /** Default `pending`; `exhausted` seeds deliveries that gave up (recoveries start from those). */
  state?: Delivery['state'];
}

export interface SeedOptions extends PaidPaymentOptions {
  /** Payments paid in full (see paidPayments). */
  payments: number;
  /**
   * Deliveries in all (default: one per payment). More than `payments` adds copies of the
   * payments' success deliveries (new ids, same body), spread evenly over them: a large
   * queue at a fraction of the payments.
   */
  deliveries?: number;
  /** The k-th delivery's attempts and due time (k from 0). Default: no attempt yet, due at `now`. */
  schedule?: (k: number) => SeedSchedule;
  /** Payments written per transaction (default 1,000). */
  chunk?: number;
}

export interface SeedResult {
  payments: number;
  deliveries: number;
  ms: number;
}

/**
 * Writes `payments` paid payments and `deliveries` due deliveries into the database
 * `databaseUrl` names (migrated first, as `openStore` does), in multi-row INSERTs, one
 * transaction per `chunk` payments and their deliveries.
 *
 * @example
 * // 10,000 callbacks due now, for a dispatcher to start on:
 * await seedPaidPayments('sqlite:/tmp/bench.sqlite', { payments: 10_000, callbackUrl });
 * // A backlog: a million retries due over the next 3 hours, on 10,000 payments.
 * await seedPaidPayments(url, {
 *   payments: 10_000, deliveries: 1_000_000, callbackUrl,
 *   schedule: (k) => ({ attempts: 1 + (k % 9), nextAttemptAt: Date.now() + 600_000 + (k % 10_800) * 1000 }),
 * });
 */
export async function seedPaidPayments(databaseUrl: string, options: SeedOptions): Promise<SeedResult> {
  const started = performance.now();
  const total = Math.max(options.payments, options.deliveries ?? options.payments);
  const chunk = options.chunk ?? 1000;
  const prefix = options.orderPrefix ?? `seed-${randomUUID().slice(0, 8)}`;
  const dialect = openDialect(databaseUrl);
  const store = await SqlStore.open(dialect);
  const statements = new StatementCache();
  let k = 0;
  try {
    for (let p0 = 0; p0 < options.payments; p0 += chunk) {
      const paid = paidPayments(Math.min(chunk, options.payments - p0), { ...options, orderPrefix: prefix }, p0);
      const deliveries: Insertable<Database['deliveries']>[] = [];
      paid.forEach((one, j) => {
        const i = p0 + j;
        const own = Math.floor(total / options.payments) + (i < total % options.payments ? 1 : 0);
        const template = one.deliveries[0] as Delivery;
        for (let c = 0; c < own; c++, k++) {
          const delivery = c === 0 ? template : { ...template, id: randomUUID() };
          const at = options.schedule?.(k);
          deliveries.push(deliveryToRow(at ? { ...delivery, ...at } : delivery));
        }
      });
      await inTransaction(dialect.db, async (trx) => {
        await statements.insert(
          trx,
          'payments',
          paid.map((x) => paymentToRow(x.payment)),
        );
        await statements.insert(
          trx,
          'transfers',
          paid.flatMap((x) => x.transfers.map(transferToRow)),
        );
        await statements.insert(
          trx,
          'events',
          paid.flatMap((x) => x.events.map(eventToRow)),
        );
        await statements.insert(trx, 'deliveries', deliveries);
      });
    }
  } finally {
    await store.close();
  }
  return { payments: options.payments, deliveries: k, ms: performance.now() - started };
}

// Both databases take 32,766 parameters or more per statement (SQLite ≥ 3.32, PostgreSQL 65,535).
const MAX_PARAMETERS = 30_000;
const MAX_ROWS = 1000;

/**
 * Multi-row INSERTs, compiled by Kysely once per (table, row count) and then reused with new
 * parameters: compiling a thousand-row INSERT costs more than running it. A compiled statement is
 * reused only if its parameters were exactly the rows' values in column order.
 */
class StatementCache {
  private readonly compiled = new Map<string, { sql: string; columns: string[] }>();

  async insert<T extends 'payments' | 'transfers' | 'events' | 'deliveries'>(
    db: Db,
    table: T,
    rows: readonly Insertable<Database[T]>[],
  ): Promise<void> {
    if (rows.length === 0) return;
    const width = Object.keys(rows[0] as object).length;
    const perStatement = Math.max(1, Math.min(MAX_ROWS, Math.floor(MAX_PARAMETERS / width)));
    for (let i = 0; i < rows.length; i += perStatement) {
      const batch = rows.slice(i, i + perStatement) as Record<string, unknown>[];
      const key = `${table}:${batch.length}`;
      const known = this.compiled.get(key);
      const values = known && flatten(batch, known.columns);
      if (known && values) {
        await db.executeQuery(CompiledQuery.raw(known.sql, values));
        continue;
      }
      const query = db
        .insertInto(table as 'payments')
        .values(batch as Insertable<Database['payments']>[])
        .compile();
      const columns = Object.keys(batch[0] as object);
      const mine = flatten(batch, columns);
      if (mine && sameValues(mine, query.parameters)) this.compiled.set(key, { sql: query.sql, columns });
      await db.executeQuery(query);
    }
  }
}

/** The rows' values in column order, or undefined if a row has other columns or an undefined value. */
function flatten(rows: readonly Record<string, unknown>[], columns: readonly string[]): unknown[] | undefined {
  const out: unknown[] = [];
  for (const row of rows) {
    if (Object.keys(row).length !== columns.length) return undefined;
    for (const column of columns) {
      const value = row[column];
      if (value === undefined) return undefined;
      out.push(value);
    }
  }
  return out;
}

function sameValues(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
