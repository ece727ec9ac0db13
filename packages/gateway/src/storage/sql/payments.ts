// Payments and their life cycle: a payment, its transfers, and the events and deliveries a
// step writes with it, in one transaction (the transactional outbox).
import {
  type CompiledQuery,
  type Expression,
  type ExpressionBuilder,
  type Kysely,
  type Selectable,
  type SqlBool,
  sql,
  type Transaction,
} from 'kysely';
import { UniqueViolation } from '../../errors.js';
import type { Payment, PaymentChange, PaymentState } from '../../interfaces.js';
import { deliveryToRow, eventToRow, paymentToRow, rowToPayment, rowToTransfer, transferToRow } from '../rows.js';
import type { Database, PaymentsTable, TransfersTable } from '../schema.js';
import type { DueWork, PaymentKey, PaymentStore } from '../store.js';
import { type Db, inTransaction, PENDING, type SqlDialect } from './dialect.js';

export class SqlPayments implements PaymentStore {
  private readonly db: Kysely<Database>;
  private readonly reader: PaymentReader;

  constructor(private readonly dialect: SqlDialect) {
    this.db = dialect.db;
    this.reader = new PaymentReader(dialect);
  }

  async insert(payment: Payment): Promise<void> {
    try {
      await this.db.insertInto('payments').values(paymentToRow(payment)).execute();
    } catch (error) {
      throw this.translate(error);
    }
  }

  async find(key: PaymentKey): Promise<PaymentState | undefined> {
    return this.reader.load(this.db, key, false);
  }

  async update(traceId: string, change: (state: PaymentState) => PaymentChange): Promise<PaymentChange> {
    try {
      return await inTransaction(this.db, async (trx) => {
        const before = await this.reader.load(trx, { traceId }, this.dialect.capabilities.rowLocks);
        if (!before) throw new Error(`payment ${traceId} vanished inside its own transaction`);
        const result = change(before);
        await writeChange(trx, result);
        if (result.deliveries.length > 0) await this.dialect.channel?.notify(trx);
        return result;
      });
    } catch (error) {
      throw this.translate(error);
    }
  }

  async dueWork(now: number, limit: number): Promise<DueWork[]> {
    const work: DueWork[] = [];
    for (const timer of TIMERS) {
      const rows = await this.db
        .selectFrom('payments')
        .select('trace_id')
        .where(timer.armed)
        .where(timer.at, '<=', now)
        .orderBy(timer.at)
        .limit(limit)
        .execute();
      work.push(...rows.map((r) => ({ traceId: r.trace_id, reason: timer.reason })));
    }
    return work;
  }

  async nextWorkAt(now: number): Promise<number | null> {
    let next: number | null = null;
    for (const timer of TIMERS) {
      const row = await this.db
        .selectFrom('payments')
        .select((eb) => eb.ref(timer.at).as('at'))
        .where(timer.armed)
        .where(timer.at, '>', now)
        .orderBy(timer.at)
        .limit(1)
        .executeTakeFirst();
      if (row?.at != null) next = Math.min(next ?? Number.POSITIVE_INFINITY, Number(row.at));
    }
    return next;
  }

  private translate(error: unknown): unknown {
    const constraint = this.dialect.uniqueViolation(error);
    return constraint ? new UniqueViolation(constraint) : error;
  }
}

/**
 * A payment's two timers, each armed while its column's time means something: the deadline
 * while money is awaited, the settlement once paid. The sweeper reads both.
 */
const TIMERS: readonly {
  reason: DueWork['reason'];
  at: 'expire_at' | 'settle_due_at';
  armed: (eb: ExpressionBuilder<Database, 'payments'>) => Expression<SqlBool>;
}[] = [
  { reason: 'expire', at: 'expire_at', armed: (eb) => eb('status', 'in', [sql.lit('unpaid'), PENDING]) },
  { reason: 'settle', at: 'settle_due_at', armed: (eb) => eb('settle_status', '=', PENDING) },
];

/** What a payment's transfers are read with; their trace_id is the payment's own. */
const TRANSFER_COLUMNS = ['txid', 'amount', 'asset_id', 'confirmations', 'created_at', 'updated_at'] as const;
/** Stands for the traceId in the statement compiled once (see PaymentReader). */
const TRACE_ID_SLOT = '\u0000trace-id';

type TransferColumns = Pick<Selectable<TransfersTable>, (typeof TRANSFER_COLUMNS)[number]>;
type PaymentWithTransfers = Selectable<PaymentsTable> & { transfers: TransferColumns[] | string };

/**
 * A payment and its transfers in ONE statement, the transfers aggregated as a JSON array; or, to
 * lock it, the payment row alone FOR UPDATE. The transfers cannot come with the lock: in READ
 * COMMITTED a statement that waited for the row lock returns the row as the other transaction
 * committed it, but its subqueries still read the snapshot taken before the wait, without the
 * transfers that transaction added. So a locked read takes them in a statement of its own, after.
 */
function paymentQuery(db: Db, dialect: SqlDialect, key: PaymentKey, lock: boolean) {
  let q = db.selectFrom('payments').selectAll('payments');
  if (!lock) {
    q = q.select((eb) =>
      dialect
        .jsonArrayFrom(
          eb
            .selectFrom('transfers')
            .select(TRANSFER_COLUMNS)
            .whereRef('transfers.trace_id', '=', 'payments.trace_id')
            .orderBy('transfers.created_at')
            .orderBy('transfers.txid'),
        )
        .as('transfers'),
    ) as unknown as typeof q;
  }
  if ('traceId' in key) q = q.where('trace_id', '=', key.traceId.toLowerCase());
  else if ('code' in key) q = q.where('code', '=', key.code);
  else if ('destination' in key) {
    q = q.where('destination', '=', key.destination).where('tag', '=', key.tag).where('is_chain', '=', 1);
  } else if ('txid' in key) {
    q = q.where('trace_id', '=', (eb) => eb.selectFrom('transfers').select('trace_id').where('txid', '=', key.txid));
  } else q = q.where('payee_id', '=', key.payeeId).where('order_id', '=', key.orderId);
  return lock ? q.forUpdate() : q;
}

/**
 * Reads payments. By traceId — every payments_result and payments_info, and every life-cycle
 * step — the statement is built and compiled once and only its parameter changes: no query
 * builder work per read (SQLite's driver also prepares each SQL text once).
 */
class PaymentReader {
  private readonly byTraceId: Record<'read' | 'locked', CompiledQuery<PaymentWithTransfers>>;

  constructor(private readonly dialect: SqlDialect) {
    const compile = (lock: boolean) =>
      paymentQuery(
        dialect.db,
        dialect,
        { traceId: TRACE_ID_SLOT },
        lock,
      ).compile() as CompiledQuery<PaymentWithTransfers>;
    this.byTraceId = { read: compile(false), locked: compile(true) };
  }

  /** `lock`: FOR UPDATE, inside a transaction, where the database has row locks. */
  async load(db: Db, key: PaymentKey, lock: boolean): Promise<PaymentState | undefined> {
    let row: PaymentWithTransfers | undefined;
    if ('traceId' in key) {
      const compiled = this.byTraceId[lock ? 'locked' : 'read'];
      const traceId = key.traceId.toLowerCase();
      const parameters = compiled.parameters.map((p) => (p === TRACE_ID_SLOT ? traceId : p));
      row = (await db.executeQuery<PaymentWithTransfers>({ ...compiled, parameters })).rows[0];
    } else {
      row = (await paymentQuery(db, this.dialect, key, lock).executeTakeFirst()) as PaymentWithTransfers | undefined;
    }
    if (!row) return undefined;
    const { trace_id } = row;
    const transfers = lock
      ? await db
          .selectFrom('transfers')
          .select(TRANSFER_COLUMNS)
          .where('trace_id', '=', trace_id)
          .orderBy('created_at')
          .orderBy('txid')
          .execute()
      : row.transfers;
    const list: TransferColumns[] = typeof transfers === 'string' ? JSON.parse(transfers) : transfers;
    // rowToPayment reads the payment's columns by name: the row is handed over as it is, not copied.
    return {
      payment: rowToPayment(row),
      transfers: list.map((t) => rowToTransfer({ ...t, trace_id })),
    };
  }
}

/** Writes what the step says it changed; the state it read is not consulted. */
async function writeChange(trx: Transaction<Database>, change: PaymentChange): Promise<void> {
  const { next, writes } = change;
  if (writes.payment) {
    const { trace_id, ...row } = paymentToRow(next.payment);
    await trx.updateTable('payments').set(row).where('trace_id', '=', trace_id).execute();
  }
  if (writes.addedTransfers.length > 0) {
    await trx.insertInto('transfers').values(writes.addedTransfers.map(transferToRow)).execute();
  }
  for (const t of writes.confirmedTransfers) {
    await trx
      .updateTable('transfers')
      .set({ confirmations: t.confirmations, updated_at: t.updatedAt })
      .where('txid', '=', t.txid)
      .execute();
  }
  if (change.events.length > 0) await trx.insertInto('events').values(change.events.map(eventToRow)).execute();
  if (change.deliveries.length > 0) {
    await trx.insertInto('deliveries').values(change.deliveries.map(deliveryToRow)).execute();
  }
}
