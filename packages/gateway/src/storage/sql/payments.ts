// Payments and their life cycle: a payment, its transfers, and the events and deliveries a
// step writes with it, in one transaction (the transactional outbox).
import { type Kysely, sql, type Transaction } from 'kysely';
import { UniqueViolation } from '../../errors.js';
import type { Payment } from '../../interfaces.js';
import type { PaymentState } from '../../lifecycle.js';
import { deliveryToRow, eventToRow, paymentToRow, rowToPayment, rowToTransfer, transferToRow } from '../rows.js';
import type { Database } from '../schema.js';
import type { DueWork, PaymentChange, PaymentKey, PaymentStore } from '../store.js';
import { type Db, inTransaction, PENDING, type SqlDialect } from './dialect.js';

export class SqlPayments implements PaymentStore {
  private readonly db: Kysely<Database>;

  constructor(private readonly dialect: SqlDialect) {
    this.db = dialect.db;
  }

  async insert(payment: Payment): Promise<void> {
    try {
      await this.db.insertInto('payments').values(paymentToRow(payment)).execute();
    } catch (error) {
      throw this.translate(error);
    }
  }

  async find(key: PaymentKey): Promise<PaymentState | undefined> {
    return loadPayment(this.db, key, false);
  }

  async update(traceId: string, change: (state: PaymentState) => PaymentChange): Promise<PaymentChange> {
    try {
      return await inTransaction(this.db, async (trx) => {
        const before = await loadPayment(trx, { traceId }, this.dialect.capabilities.rowLocks);
        if (!before) throw new Error(`payment ${traceId} vanished inside its own transaction`);
        const result = change(before);
        await writeChange(trx, before, result);
        if (result.deliveries.length > 0) await this.dialect.channel?.notify(trx);
        return result;
      });
    } catch (error) {
      throw this.translate(error);
    }
  }

  async dueWork(now: number, limit: number): Promise<DueWork[]> {
    const expiring = await this.db
      .selectFrom('payments')
      .select('trace_id')
      .where('status', 'in', [sql.lit('unpaid'), PENDING])
      .where('expire_at', '<=', now)
      .orderBy('expire_at')
      .limit(limit)
      .execute();
    const settling = await this.db
      .selectFrom('payments')
      .select('trace_id')
      .where('settle_status', '=', PENDING)
      .where('settle_due_at', '<=', now)
      .orderBy('settle_due_at')
      .limit(limit)
      .execute();
    return [
      ...expiring.map((r) => ({ traceId: r.trace_id, reason: 'expire' as const })),
      ...settling.map((r) => ({ traceId: r.trace_id, reason: 'settle' as const })),
    ];
  }

  async nextWorkAt(now: number): Promise<number | null> {
    const expiry = await this.db
      .selectFrom('payments')
      .select('expire_at as at')
      .where('status', 'in', [sql.lit('unpaid'), PENDING])
      .where('expire_at', '>', now)
      .orderBy('expire_at')
      .limit(1)
      .executeTakeFirst();
    const settle = await this.db
      .selectFrom('payments')
      .select('settle_due_at as at')
      .where('settle_status', '=', PENDING)
      .where('settle_due_at', '>', now)
      .orderBy('settle_due_at')
      .limit(1)
      .executeTakeFirst();
    const times = [expiry?.at, settle?.at].filter((t): t is number => t !== undefined && t !== null).map(Number);
    return times.length === 0 ? null : Math.min(...times);
  }

  private translate(error: unknown): unknown {
    const constraint = this.dialect.uniqueViolation(error);
    return constraint ? new UniqueViolation(constraint) : error;
  }
}

async function loadPayment(db: Db, key: PaymentKey, lock: boolean): Promise<PaymentState | undefined> {
  let q = db.selectFrom('payments').selectAll();
  if ('traceId' in key) q = q.where('trace_id', '=', key.traceId.toLowerCase());
  else if ('code' in key) q = q.where('code', '=', key.code);
  else if ('destination' in key) {
    q = q.where('destination', '=', key.destination).where('tag', '=', key.tag).where('is_chain', '=', 1);
  } else if ('txid' in key) {
    q = q.where('trace_id', '=', (eb) => eb.selectFrom('transfers').select('trace_id').where('txid', '=', key.txid));
  } else q = q.where('payee_id', '=', key.payeeId).where('order_id', '=', key.orderId);
  const row = await (lock ? q.forUpdate() : q).executeTakeFirst();
  if (!row) return undefined;
  const transfers = await db
    .selectFrom('transfers')
    .selectAll()
    .where('trace_id', '=', row.trace_id)
    .orderBy('created_at')
    .orderBy('txid')
    .execute();
  return { payment: rowToPayment(row), transfers: transfers.map(rowToTransfer) };
}

async function writeChange(trx: Transaction<Database>, before: PaymentState, change: PaymentChange): Promise<void> {
  const { payment, transfers } = change.next;
  if (payment !== before.payment) {
    const { trace_id, ...row } = paymentToRow(payment);
    await trx.updateTable('payments').set(row).where('trace_id', '=', trace_id).execute();
  }
  const old = new Map(before.transfers.map((t) => [t.txid, t]));
  for (const t of transfers) {
    const prior = old.get(t.txid);
    if (!prior) await trx.insertInto('transfers').values(transferToRow(t)).execute();
    else if (prior !== t) {
      await trx
        .updateTable('transfers')
        .set({ confirmations: t.confirmations, updated_at: t.updatedAt })
        .where('txid', '=', t.txid)
        .execute();
    }
  }
  if (change.events.length > 0) await trx.insertInto('events').values(change.events.map(eventToRow)).execute();
  if (change.deliveries.length > 0) {
    await trx.insertInto('deliveries').values(change.deliveries.map(deliveryToRow)).execute();
  }
}
