// The Store over Kysely: one set of queries for SQLite and PostgreSQL. A dialect folder
// (sqlite/, postgres/) only opens the connection and names its capabilities.
import { type Kysely, Migrator, type RawBuilder, sql, type Transaction } from 'kysely';
import { UniqueViolation } from '../errors.js';
import type { Attempt, Delivery, DeliveryState, Payment, PaymentEvent, Transfer } from '../interfaces.js';
import type { PaymentState } from '../lifecycle.js';
import { migrationProvider } from './migrations/index.js';
import {
  attemptToRow,
  deliveryToRow,
  eventToRow,
  paymentToRow,
  rowToAttempt,
  rowToDelivery,
  rowToEvent,
  rowToPayment,
  rowToTransfer,
  transferToRow,
} from './rows.js';
import type { Database } from './schema.js';
import type {
  AttemptOutcome,
  ClaimedDelivery,
  ClaimOptions,
  DeliveryFilter,
  DeliveryUpdate,
  DueWork,
  FeedAttempt,
  FeedCursor,
  LatenessFigures,
  LeaseOwnerHold,
  OutcomeBucket,
  PayeeSecret,
  PaymentChange,
  PaymentFilter,
  PaymentKey,
  QueueDepth,
  Store,
  StoreCapabilities,
} from './store.js';

export interface SqlDialect {
  db: Kysely<Database>;
  capabilities: StoreCapabilities;
  /** Names the unique key a driver error violated, or undefined if it is another error. */
  uniqueViolation(error: unknown): UniqueViolation['constraint'] | undefined;
  /** Cross-process wake-ups, where the database has them. */
  channel?: {
    /** Raised inside a transaction: delivered to listeners on commit, dropped on rollback. */
    notify(trx: Transaction<Database>): Promise<void>;
    listen(listener: () => void): Promise<() => Promise<void>>;
  };
  /**
   * Liveness locks of lease owners, where the database can host them (every dialect but an
   * in-memory SQLite database, which dies with its only process anyway).
   */
  ownerLocks?: {
    hold(owner: string): Promise<LeaseOwnerHold>;
    /**
     * Runs `release` only if no live process holds `owner`'s lock, keeping the lock meanwhile;
     * resolves to its result, or to undefined when the owner is alive or cannot be judged.
     */
    ifDead<T>(owner: string, release: (db: Db) => Promise<T>): Promise<T | undefined>;
  };
  /** Releases what the dialect holds besides the Kysely pool (listener connections). */
  close?(): Promise<void>;
}

// Literals, not parameters, where a partial index must match: neither planner can prove a
// bound parameter satisfies an index's WHERE clause.
const PENDING = sql.lit('pending');

export type Db = Kysely<Database> | Transaction<Database>;

export class SqlStore implements Store {
  readonly capabilities: StoreCapabilities;
  private readonly db: Kysely<Database>;

  private constructor(private readonly dialect: SqlDialect) {
    this.db = dialect.db;
    this.capabilities = dialect.capabilities;
  }

  /** Opens the store and brings its schema up to date. */
  static async open(dialect: SqlDialect): Promise<SqlStore> {
    const { error, results } = await new Migrator({ db: dialect.db, provider: migrationProvider }).migrateToLatest();
    if (error) {
      const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
      throw new Error(`migration ${failed} failed: ${String(error)}`, { cause: error });
    }
    return new SqlStore(dialect);
  }

  async insertPayment(payment: Payment): Promise<void> {
    try {
      await this.db.insertInto('payments').values(paymentToRow(payment)).execute();
    } catch (error) {
      throw this.translate(error);
    }
  }

  async findPayment(key: PaymentKey): Promise<PaymentState | undefined> {
    return loadPayment(this.db, key, false);
  }

  async updatePayment(traceId: string, change: (state: PaymentState) => PaymentChange): Promise<PaymentChange> {
    try {
      return await inTransaction(this.db, async (trx) => {
        const before = await loadPayment(trx, { traceId }, this.capabilities.rowLocks);
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

  async claimDeliveries(opts: ClaimOptions): Promise<ClaimedDelivery[]> {
    // First attempts get at least half the slots, so a backlog of late retries (due earlier)
    // never holds up a new event; whatever one kind leaves unused, the other may take.
    const firstShare = Math.ceil(opts.limit / 2);
    const first = await this.claim(opts, 'first', firstShare);
    const retries = await this.claim(opts, 'retry', opts.limit - first.length);
    const more =
      first.length === firstShare ? await this.claim(opts, 'first', opts.limit - first.length - retries.length) : [];
    return [...first, ...retries, ...more].sort((a, b) => a.dueAt - b.dueAt);
  }

  private async claim(opts: ClaimOptions, kind: 'first' | 'retry', limit: number): Promise<ClaimedDelivery[]> {
    if (limit <= 0) return [];
    const { now, leaseMs, token, owner = null, excludeHosts = [] } = opts;
    const rows = await this.db
      .updateTable('deliveries')
      .set({ lock_token: token, locked_until: now + leaseMs, lock_owner: owner })
      .where('id', 'in', (eb) => {
        let due = eb
          .selectFrom('deliveries')
          .select('id')
          .where('state', '=', PENDING)
          .where('attempts', kind === 'first' ? '=' : '>', sql.lit(0))
          .where('next_attempt_at', '<=', now)
          .where((w) => w.or([w('locked_until', 'is', null), w('locked_until', '<=', now)]));
        if (excludeHosts.length > 0) due = due.where('host', 'not in', excludeHosts);
        due = due.orderBy('next_attempt_at').limit(limit);
        return this.capabilities.skipLocked ? due.forUpdate().skipLocked() : due;
      })
      .returningAll()
      .execute();
    return rows.map((r) => {
      const delivery = rowToDelivery(r);
      return { ...delivery, dueAt: delivery.nextAttemptAt ?? now };
    });
  }

  async recordAttempt(attempt: Attempt, update: DeliveryUpdate, token: string, now: number): Promise<boolean> {
    const [held] = await this.recordAttempts([{ attempt, update, token }], now);
    return held === true;
  }

  async recordAttempts(outcomes: readonly AttemptOutcome[], now: number): Promise<boolean[]> {
    return inTransaction(this.db, async (trx) => {
      const held: boolean[] = [];
      for (const { attempt, update, token } of outcomes) {
        const moved = await trx
          .updateTable('deliveries')
          .set({
            state: update.state,
            attempts: attempt.attemptNo,
            next_attempt_at: update.nextAttemptAt,
            lock_token: null,
            locked_until: null,
            lock_owner: null,
            updated_at: now,
          })
          .where('id', '=', attempt.deliveryId)
          .where('lock_token', '=', token)
          .where('attempts', '=', attempt.attemptNo - 1)
          .executeTakeFirst();
        const ok = Number(moved.numUpdatedRows) > 0;
        if (ok) await trx.insertInto('attempts').values(attemptToRow(attempt)).execute();
        held.push(ok);
      }
      return held;
    });
  }

  async releaseDeliveries(ids: readonly string[], token: string): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .updateTable('deliveries')
      .set({ lock_token: null, locked_until: null, lock_owner: null })
      .where('id', 'in', ids)
      .where('lock_token', '=', token)
      .execute();
  }

  async holdLeaseOwner(owner: string): Promise<LeaseOwnerHold> {
    return this.dialect.ownerLocks?.hold(owner) ?? { held: true, acquisitions: 1, release: async () => {} };
  }

  async releaseDeadOwners(self: string): Promise<Map<string, number>> {
    const released = new Map<string, number>();
    const locks = this.dialect.ownerLocks;
    if (!locks) return released;
    // Only leased rows have an owner: this reads the small partial index deliveries_leased.
    const owners = await this.db
      .selectFrom('deliveries')
      .select('lock_owner')
      .distinct()
      .where('lock_owner', 'is not', null)
      .where('lock_owner', '<>', self)
      .execute();
    for (const { lock_owner: owner } of owners) {
      if (owner === null) continue;
      const count = await locks.ifDead(owner, async (db) => {
        const result = await db
          .updateTable('deliveries')
          .set({ lock_token: null, locked_until: null, lock_owner: null })
          .where('lock_owner', '=', owner)
          .executeTakeFirst();
        return Number(result.numUpdatedRows);
      });
      if (count) released.set(owner, count);
    }
    return released;
  }

  async nextDeliveryAt(now: number): Promise<number | null> {
    const next = async (kind: 'first' | 'retry') => {
      const row = await this.db
        .selectFrom('deliveries')
        .select('next_attempt_at')
        .where('state', '=', PENDING)
        .where('attempts', kind === 'first' ? '=' : '>', sql.lit(0))
        .where('next_attempt_at', '>', now)
        .orderBy('next_attempt_at')
        .limit(1)
        .executeTakeFirst();
      return row?.next_attempt_at == null ? null : Number(row.next_attempt_at);
    };
    const times = [await next('first'), await next('retry')].filter((t): t is number => t !== null);
    return times.length === 0 ? null : Math.min(...times);
  }

  async insertDelivery(delivery: Delivery): Promise<void> {
    await inTransaction(this.db, async (trx) => {
      await trx.insertInto('deliveries').values(deliveryToRow(delivery)).execute();
      await this.dialect.channel?.notify(trx);
    });
  }

  async subscribe(listener: () => void): Promise<() => Promise<void>> {
    return this.dialect.channel ? this.dialect.channel.listen(listener) : async () => {};
  }

  async lateness(sample: number): Promise<LatenessFigures> {
    const rows = await this.db
      .selectFrom('attempts')
      .select(['started_at', 'due_at'])
      .orderBy('started_at', 'desc')
      .limit(sample)
      .execute();
    const late = rows.map((r) => Math.max(0, Number(r.started_at) - Number(r.due_at))).sort((a, b) => a - b);
    const at = (q: number) =>
      late.length === 0 ? null : (late[Math.min(late.length - 1, Math.floor(q * late.length))] ?? null);
    return { samples: late.length, p50: at(0.5), p99: at(0.99), max: late.at(-1) ?? null };
  }

  async listPayments(filter: PaymentFilter): Promise<Payment[]> {
    let q = this.db.selectFrom('payments').selectAll('payments');
    if (filter.status) q = q.where('status', '=', filter.status);
    if (filter.search) {
      const term = filter.search;
      q = q.where((w) => w.or([w('trace_id', '=', term.toLowerCase()), w('order_id', '=', term)]));
    }
    if (filter.deliveryState) {
      const retrying = filter.deliveryState === 'retrying';
      const state = retrying ? 'pending' : filter.deliveryState;
      q = q.where((w) => {
        let sub = w
          .selectFrom('deliveries')
          .select(sql.lit(1).as('one'))
          .whereRef('deliveries.trace_id', '=', 'payments.trace_id')
          .where('deliveries.state', '=', state);
        if (retrying) sub = sub.where('deliveries.attempts', '>', 0);
        return w.exists(sub);
      });
    }
    if (filter.before) {
      const { createdAt, traceId } = filter.before;
      q = q.where((w) =>
        w.or([w('created_at', '<', createdAt), w.and([w('created_at', '=', createdAt), w('trace_id', '<', traceId)])]),
      );
    }
    const rows = await q.orderBy('created_at', 'desc').orderBy('trace_id', 'desc').limit(filter.limit).execute();
    return rows.map(rowToPayment);
  }

  async listTransfers(traceId: string): Promise<Transfer[]> {
    const rows = await this.db
      .selectFrom('transfers')
      .selectAll()
      .where('trace_id', '=', traceId)
      .orderBy('created_at')
      .orderBy('txid')
      .execute();
    return rows.map(rowToTransfer);
  }

  async listEvents(traceId: string): Promise<PaymentEvent[]> {
    const rows = await this.db
      .selectFrom('events')
      .selectAll()
      .where('trace_id', '=', traceId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(rowToEvent);
  }

  async getEvent(id: string): Promise<PaymentEvent | undefined> {
    const row = await this.db.selectFrom('events').selectAll().where('id', '=', id).executeTakeFirst();
    return row && rowToEvent(row);
  }

  async listDeliveries(filter: DeliveryFilter): Promise<Delivery[]> {
    let q = this.db.selectFrom('deliveries').selectAll();
    if (filter.traceId) q = q.where('trace_id', '=', filter.traceId);
    if (filter.eventId) q = q.where('event_id', '=', filter.eventId);
    if (filter.state) q = q.where('state', '=', filter.state);
    if (filter.url) q = q.where('url', '=', filter.url);
    if (filter.notRedelivered) {
      q = q.where((w) =>
        w.not(
          w.exists(
            w
              .selectFrom('deliveries as redo')
              .select(sql.lit(1).as('one'))
              .whereRef('redo.redelivery_of', '=', 'deliveries.id'),
          ),
        ),
      );
    }
    const rows = await q.orderBy('created_at', 'desc').orderBy('id').limit(filter.limit).execute();
    return rows.map(rowToDelivery);
  }

  async getDelivery(id: string): Promise<Delivery | undefined> {
    const row = await this.db.selectFrom('deliveries').selectAll().where('id', '=', id).executeTakeFirst();
    return row && rowToDelivery(row);
  }

  async listAttempts(deliveryId: string): Promise<Attempt[]> {
    const rows = await this.db
      .selectFrom('attempts')
      .selectAll()
      .where('delivery_id', '=', deliveryId)
      .orderBy('attempt_no')
      .execute();
    return rows.map(rowToAttempt);
  }

  async countDeliveries(): Promise<Record<DeliveryState, number>> {
    const rows = await this.db
      .selectFrom('deliveries')
      .select(['state', (eb) => eb.fn.countAll<number | string>().as('n')])
      .groupBy('state')
      .execute();
    const counts: Record<DeliveryState, number> = { pending: 0, delivered: 0, exhausted: 0 };
    for (const r of rows) counts[r.state as DeliveryState] = Number(r.n);
    return counts;
  }

  async countRetrying(): Promise<number> {
    const row = await this.db
      .selectFrom('deliveries')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('state', '=', 'pending')
      .where('attempts', '>', 0)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async queueDepth(): Promise<QueueDepth> {
    // One pass over the pending and exhausted rows (the state index), however often Prometheus scrapes.
    const count = (condition: RawBuilder<unknown>) =>
      sql<number | string>`coalesce(sum(case when ${condition} then 1 else 0 end), 0)`;
    const row = await this.db
      .selectFrom('deliveries')
      .select([
        count(sql`state = ${PENDING} and attempts = 0`).as('due'),
        count(sql`state = ${PENDING} and attempts > 0`).as('retrying'),
        count(sql`state = ${sql.lit('exhausted')}`).as('exhausted'),
      ])
      .where('state', 'in', ['pending', 'exhausted'])
      .executeTakeFirst();
    return { due: Number(row?.due ?? 0), retrying: Number(row?.retrying ?? 0), exhausted: Number(row?.exhausted ?? 0) };
  }

  async attemptFeed(cursor: FeedCursor | undefined, limit: number): Promise<FeedAttempt[]> {
    let q = this.db
      .selectFrom('attempts')
      .innerJoin('deliveries', 'deliveries.id', 'attempts.delivery_id')
      .selectAll('attempts')
      .select(['deliveries.trace_id', 'deliveries.event_type', 'deliveries.url']);
    if (cursor) {
      const { endedAt, deliveryId, attemptNo } = cursor;
      q = q.where((w) =>
        w.or([
          w('attempts.ended_at', '>', endedAt),
          w.and([w('attempts.ended_at', '=', endedAt), w('attempts.delivery_id', '>', deliveryId)]),
          w.and([
            w('attempts.ended_at', '=', endedAt),
            w('attempts.delivery_id', '=', deliveryId),
            w('attempts.attempt_no', '>', attemptNo),
          ]),
        ]),
      );
    }
    const direction = cursor ? 'asc' : 'desc';
    const rows = await q
      .orderBy('attempts.ended_at', direction)
      .orderBy('attempts.delivery_id', direction)
      .orderBy('attempts.attempt_no', direction)
      .limit(limit)
      .execute();
    const feed = rows.map((r) => ({
      ...rowToAttempt(r),
      traceId: r.trace_id,
      eventType: r.event_type,
      url: r.url,
    }));
    return cursor ? feed : feed.reverse();
  }

  async attemptOutcomes(from: number, bucketMs: number): Promise<OutcomeBucket[]> {
    const bucket = sql<number>`(${sql.ref('ended_at')} / ${sql.lit(Math.max(1, Math.floor(bucketMs)))}) * ${sql.lit(Math.max(1, Math.floor(bucketMs)))}`;
    const rows = await this.db
      .selectFrom('attempts')
      .select([
        bucket.as('at'),
        (eb) => eb.fn.sum<number | string>('success').as('delivered'),
        (eb) => eb.fn.countAll<number | string>().as('total'),
      ])
      .where('ended_at', '>=', from)
      .groupBy(bucket)
      .orderBy(bucket)
      .execute();
    return rows.map((r) => ({
      at: Number(r.at),
      delivered: Number(r.delivered),
      failed: Number(r.total) - Number(r.delivered),
    }));
  }

  async countRequest(key: string, windowStart: number): Promise<number> {
    // One statement, atomic on both dialects: concurrent requests from many processes each get
    // their own count, never a lost update.
    const row = await this.db
      .insertInto('rate_limits')
      .values({ key, window_start: windowStart, count: 1 })
      .onConflict((oc) =>
        oc.columns(['key', 'window_start']).doUpdateSet((eb) => ({ count: eb('rate_limits.count', '+', 1) })),
      )
      .returning('count')
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  async expireRequestCounts(windowStart: number): Promise<void> {
    await this.db.deleteFrom('rate_limits').where('window_start', '<', windowStart).execute();
  }

  async getPayeeSecret(payeeId: string): Promise<PayeeSecret | undefined> {
    const row = await this.db
      .selectFrom('payee_secrets')
      .selectAll()
      .where('payee_id', '=', payeeId)
      .executeTakeFirst();
    return row && { payeeId: row.payee_id, secret: row.secret, createdAt: Number(row.created_at) };
  }

  async setPayeeSecret(secret: PayeeSecret): Promise<void> {
    const row = { payee_id: secret.payeeId, secret: secret.secret, created_at: secret.createdAt };
    await this.db
      .insertInto('payee_secrets')
      .values(row)
      .onConflict((oc) => oc.column('payee_id').doUpdateSet({ secret: row.secret, created_at: row.created_at }))
      .execute();
  }

  async deletePayeeSecret(payeeId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('payee_secrets').where('payee_id', '=', payeeId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async signingSecretFor(traceId: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('payments')
      .innerJoin('payee_secrets', 'payee_secrets.payee_id', 'payments.payee_id')
      .select('payee_secrets.secret')
      .where('payments.trace_id', '=', traceId)
      .executeTakeFirst();
    return row?.secret;
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async probeCommit(now: number): Promise<void> {
    await this.db
      .insertInto('health_probe')
      .values({ id: 'probe', checked_at: now })
      .onConflict((oc) => oc.column('id').doUpdateSet({ checked_at: now }))
      .execute();
  }

  async close(): Promise<void> {
    await this.dialect.close?.();
    await this.db.destroy();
  }

  private translate(error: unknown): unknown {
    const constraint = this.dialect.uniqueViolation(error);
    return constraint ? new UniqueViolation(constraint) : error;
  }
}

/**
 * Runs `work` in a transaction: committed if it resolves, rolled back if it throws. Unlike
 * Kysely's `transaction().execute()`, a failed ROLLBACK never replaces the error that caused it:
 * after a failed COMMIT SQLite has often rolled back on its own (a disk I/O error, a full disk),
 * and the ROLLBACK that follows then fails with "cannot rollback - no transaction is active",
 * which says nothing about what went wrong. The connection is released either way.
 */
export async function inTransaction<T>(db: Kysely<Database>, work: (trx: Transaction<Database>) => Promise<T>) {
  const trx = await db.startTransaction().execute();
  let result: T;
  try {
    result = await work(trx);
    await trx.commit().execute();
  } catch (error) {
    if (!trx.isCommitted && !trx.isRolledBack)
      await trx
        .rollback()
        .execute()
        .catch(() => {});
    throw error;
  }
  return result;
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
