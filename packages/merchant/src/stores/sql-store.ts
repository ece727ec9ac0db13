// A ready-made OrderStore on SQL through Kysely (SQLite or PostgreSQL), for shops that
// have no order table of their own yet. Its tables are prefixed so they can live in a
// shop's existing database; its migrations are tracked separately from the shop's.
import { type Kysely, type Migration, Migrator, sql } from 'kysely';
import type { FinalOrderStatus, Order, OrderStatus } from '../order.js';
import type { WaitingCursor, WritableOrderStore } from '../store.js';

interface OrdersTable {
  order_id: string;
  trace_id: string | null;
  payee_id: string;
  amount: string;
  asset_id: string;
  status: string;
  payment_url: string | null;
  settled_at: number | string | null;
  created_at: number | string;
  updated_at: number | string;
}

export interface MerchantDatabase {
  payhook_orders: OrdersTable;
}

const migrations: Record<string, Migration> = {
  '0001_orders': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('payhook_orders')
        .addColumn('order_id', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('trace_id', 'varchar(36)', (c) => c.unique())
        .addColumn('payee_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('amount', 'varchar(64)', (c) => c.notNull())
        .addColumn('asset_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('payment_url', 'text')
        .addColumn('settled_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('payhook_orders_waiting')
        .on('payhook_orders')
        .column('created_at')
        .where(sql.ref('status'), '=', 'waiting')
        .execute();
    },
  },
};

const toOrder = (r: OrdersTable): Order => ({
  orderId: r.order_id,
  traceId: r.trace_id,
  payeeId: r.payee_id,
  amount: r.amount,
  assetId: r.asset_id,
  status: r.status as OrderStatus,
  paymentUrl: r.payment_url,
  settledAt: r.settled_at === null ? null : Number(r.settled_at),
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

export class SqlOrderStore implements WritableOrderStore {
  private constructor(private readonly db: Kysely<MerchantDatabase>) {}

  /** Opens the store on a Kysely instance and creates its table if needed. */
  // biome-ignore lint/suspicious/noExplicitAny: the shop's own Kysely<ShopDatabase> is welcome; only our table is touched
  static async open(db: Kysely<any>): Promise<SqlOrderStore> {
    const migrator = new Migrator({
      db,
      provider: { getMigrations: async () => migrations },
      migrationTableName: 'payhook_merchant_migrations',
      migrationLockTableName: 'payhook_merchant_migrations_lock',
    });
    const { error } = await migrator.migrateToLatest();
    if (error) throw new Error(`order store migration failed: ${String(error)}`, { cause: error });
    return new SqlOrderStore(db as Kysely<MerchantDatabase>);
  }

  async insert(order: Order): Promise<void> {
    await this.db
      .insertInto('payhook_orders')
      .values({
        order_id: order.orderId,
        trace_id: order.traceId?.toLowerCase() ?? null,
        payee_id: order.payeeId,
        amount: order.amount,
        asset_id: order.assetId,
        status: order.status,
        payment_url: order.paymentUrl,
        settled_at: order.settledAt,
        created_at: order.createdAt,
        updated_at: order.updatedAt,
      })
      .execute();
  }

  async findByOrderId(orderId: string): Promise<Order | undefined> {
    const row = await this.db
      .selectFrom('payhook_orders')
      .selectAll()
      .where('order_id', '=', orderId)
      .executeTakeFirst();
    return row && toOrder(row);
  }

  async findByTraceId(traceId: string): Promise<Order | undefined> {
    const row = await this.db
      .selectFrom('payhook_orders')
      .selectAll()
      .where('trace_id', '=', traceId.toLowerCase())
      .executeTakeFirst();
    return row && toOrder(row);
  }

  /** The compare-and-set: only a row still `waiting` is updated, so one caller wins. */
  async transition(orderId: string, next: FinalOrderStatus, at: number): Promise<boolean> {
    const result = await this.db
      .updateTable('payhook_orders')
      .set({ status: next, updated_at: at })
      .where('order_id', '=', orderId)
      .where('status', '=', 'waiting')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async markSettled(orderId: string, at: number): Promise<boolean> {
    const result = await this.db
      .updateTable('payhook_orders')
      .set({ settled_at: at, updated_at: at })
      .where('order_id', '=', orderId)
      .where('status', '=', 'paid')
      .where('settled_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async listWaiting(before: number, limit: number, after?: WaitingCursor): Promise<Order[]> {
    let query = this.db
      .selectFrom('payhook_orders')
      .selectAll()
      .where('status', '=', 'waiting')
      .where('created_at', '<', before);
    if (after) {
      query = query.where((eb) =>
        eb.or([
          eb('created_at', '>', after.createdAt),
          eb.and([eb('created_at', '=', after.createdAt), eb('order_id', '>', after.orderId)]),
        ]),
      );
    }
    const rows = await query.orderBy('created_at').orderBy('order_id').limit(limit).execute();
    return rows.map(toOrder);
  }

  async attachPayment(orderId: string, traceId: string | null, paymentUrl: string | null, at: number): Promise<void> {
    await this.db
      .updateTable('payhook_orders')
      .set({ trace_id: traceId?.toLowerCase() ?? null, payment_url: paymentUrl, updated_at: at })
      .where('order_id', '=', orderId)
      .execute();
  }
}
