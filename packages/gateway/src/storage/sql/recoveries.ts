// Recoveries in SQL: the selection counted and scanned (selection.ts), and batches that act on
// it, each one transaction fenced on the runner's lease of the recovery row, so a batch is
// written whole or not at all and two gateways never run the same recovery at once.
import type { Recovery } from '@payhook/protocol';
import { type Kysely, sql } from 'kysely';
import { parseCursor, type ScanCursor, type ScopedSelection } from '../../domain/recovery.js';
import type { Delivery } from '../../interfaces.js';
import { deliveryToRow, recoveryToRow, rowToDelivery, rowToRecovery } from '../rows.js';
import type { Database } from '../schema.js';
import type { RecoveryBatch, RecoveryBatchResult, RecoveryStore } from '../store.js';
import { NOT_PAUSED } from './delivery-states.js';
import { type Db, inTransaction, PENDING, type SqlDialect } from './dialect.js';
import { selectionWhere } from './selection.js';

/** Rows per INSERT: 15 parameters each, well under SQLite's 32,766 and PostgreSQL's 65,535. */
const INSERT_ROWS = 1_000;

/** A lease nobody holds, or one that ran out. */
const free = (now: number) => sql<boolean>`(locked_until is null or locked_until <= ${now})`;

export class SqlRecoveries implements RecoveryStore {
  private readonly db: Kysely<Database>;

  constructor(private readonly dialect: SqlDialect) {
    this.db = dialect.db;
  }

  async preview(selection: ScopedSelection, sample: number) {
    const [matched, rows] = await Promise.all([
      countSelection(this.db, selection),
      this.scan(this.db, selection, null, sample),
    ]);
    return { matched, sample: rows };
  }

  async create(recovery: Recovery, selection: ScopedSelection, lease?: { owner: string; until: number }) {
    return inTransaction(this.db, async (trx) => {
      const created = { ...recovery, matched: await countSelection(trx, selection) };
      await trx
        .insertInto('recoveries')
        .values({ ...recoveryToRow(created), locked_by: lease?.owner ?? null, locked_until: lease?.until ?? null })
        .execute();
      return created;
    });
  }

  async get(id: string): Promise<Recovery | undefined> {
    const row = await this.db.selectFrom('recoveries').selectAll().where('id', '=', id).executeTakeFirst();
    return row && rowToRecovery(row);
  }

  async list(limit: number, before?: { requestedAt: number; id: string }): Promise<Recovery[]> {
    let q = this.db.selectFrom('recoveries').selectAll();
    if (before) {
      const { requestedAt, id } = before;
      q = q.where((w) =>
        w.or([w('requested_at', '<', requestedAt), w.and([w('requested_at', '=', requestedAt), w('id', '<', id)])]),
      );
    }
    const rows = await q.orderBy('requested_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map(rowToRecovery);
  }

  async claim(now: number, owner: string, leaseMs: number): Promise<Recovery | undefined> {
    // Oldest first; the guard is repeated in the UPDATE, so of two runners racing one wins.
    const candidate = await this.db
      .selectFrom('recoveries')
      .select('id')
      .where('state', '=', 'running')
      .where(free(now))
      .orderBy('requested_at')
      .orderBy('id')
      .executeTakeFirst();
    if (!candidate) return undefined;
    const row = await this.db
      .updateTable('recoveries')
      .set({ locked_by: owner, locked_until: now + leaseMs })
      .where('id', '=', candidate.id)
      .where('state', '=', 'running')
      .where(free(now))
      .returningAll()
      .executeTakeFirst();
    return row && rowToRecovery(row);
  }

  async releaseDeadOwners(self: string, now: number): Promise<number> {
    const locks = this.dialect.ownerLocks;
    if (!locks) return 0;
    const owners = await this.db
      .selectFrom('recoveries')
      .select('locked_by')
      .distinct()
      .where('state', '=', 'running')
      .where('locked_by', 'is not', null)
      .where('locked_by', '<>', self)
      .where('locked_until', '>', now)
      .execute();
    let released = 0;
    for (const { locked_by: owner } of owners) {
      if (owner === null) continue;
      released +=
        (await locks.ifDead(owner, async (db) => {
          const result = await db
            .updateTable('recoveries')
            .set({ locked_by: null, locked_until: null })
            .where('locked_by', '=', owner)
            .where('state', '=', 'running')
            .executeTakeFirst();
          return Number(result.numUpdatedRows);
        })) ?? 0;
    }
    return released;
  }

  async runBatch(id: string, batch: RecoveryBatch): Promise<RecoveryBatchResult | undefined> {
    const { now, owner, leaseMs, limit, selection, plan } = batch;
    return inTransaction(this.db, async (trx) => {
      // The fence: this runner still holds the recovery (and, on PostgreSQL, now locks its row).
      const held = await trx
        .updateTable('recoveries')
        .set({ locked_until: now + leaseMs })
        .where('id', '=', id)
        .where('state', '=', 'running')
        .where('locked_by', '=', owner)
        .returningAll()
        .executeTakeFirst();
      if (!held) return undefined;
      const { cursor } = rowToRecovery(held);
      const taken = await this.scan(trx, selection, cursor === null ? null : parseCursor(cursor), limit);
      let created: Delivery[] = [];
      let madeDue: string[] = [];
      if (plan.action === 'redeliver') {
        created = taken.map(plan.redeliver);
        // In statements of INSERT_ROWS: a batch of 5,000 would pass either database's parameter limit.
        for (let i = 0; i < created.length; i += INSERT_ROWS) {
          await trx
            .insertInto('deliveries')
            .values(created.slice(i, i + INSERT_ROWS).map(deliveryToRow))
            .execute();
        }
      } else {
        madeDue = await retryNowStatement(
          trx,
          taken.map((d) => d.id),
          now,
        );
      }
      if (created.length > 0 || madeDue.length > 0) await this.dialect.channel?.notify(trx);
      const last = taken.at(-1);
      const done = taken.length < limit;
      const row = await trx
        .updateTable('recoveries')
        .set((eb) => ({
          processed: eb('processed', '+', created.length + madeDue.length),
          skipped: eb('skipped', '+', plan.action === 'redeliver' ? 0 : taken.length - madeDue.length),
          ...(last ? { cursor_at: last.createdAt, cursor_id: last.id } : {}),
          ...(done ? { state: 'done', finished_at: now, locked_by: null, locked_until: null } : {}),
        }))
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
      return { recovery: rowToRecovery(row), created, madeDue };
    });
  }

  async release(id: string, owner: string): Promise<void> {
    await this.db
      .updateTable('recoveries')
      .set({ locked_by: null, locked_until: null })
      .where('id', '=', id)
      .where('locked_by', '=', owner)
      .execute();
  }

  async fail(id: string, owner: string, now: number, error: string): Promise<void> {
    await this.db
      .updateTable('recoveries')
      .set({ state: 'failed', error, finished_at: now, locked_by: null, locked_until: null })
      .where('id', '=', id)
      .where('locked_by', '=', owner)
      .where('state', '=', 'running')
      .execute();
  }

  async retryNow(id: string, now: number): Promise<Delivery | undefined> {
    return inTransaction(this.db, async (trx) => {
      const [changed] = await retryNowStatement(trx, [id], now);
      if (changed === undefined) return undefined;
      await this.dialect.channel?.notify(trx);
      const row = await trx.selectFrom('deliveries').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      return rowToDelivery(row);
    });
  }

  private async scan(db: Db, selection: ScopedSelection, after: ScanCursor | null, limit: number) {
    const rows = await db
      .selectFrom('deliveries')
      .selectAll('deliveries')
      .where(selectionWhere(selection, after))
      .orderBy('deliveries.created_at')
      .orderBy('deliveries.id')
      .limit(limit)
      .execute();
    return rows.map(rowToDelivery);
  }
}

async function countSelection(db: Db, selection: ScopedSelection): Promise<number> {
  const row = await db
    .selectFrom('deliveries')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where(selectionWhere(selection))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/**
 * Makes pending deliveries due now, leaving alone any whose lease holds (an attempt in flight:
 * its outcome schedules the next) or whose endpoint is paused (they wait for the resume), and
 * keeping the due time of any already due (and so its lateness); the attempt count and everything
 * else stay as they are. Returns the ids it took.
 */
async function retryNowStatement(db: Db, ids: readonly string[], now: number): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .updateTable('deliveries')
    .set({
      next_attempt_at: sql`case when next_attempt_at > ${now} then cast(${now} as bigint) else next_attempt_at end`,
      updated_at: now,
    })
    .where('id', 'in', [...ids])
    .where(sql<boolean>`state = ${PENDING}`)
    .where(free(now))
    // A paused endpoint's deliveries wait for its resume (retryNowRefusal); parked ones among them.
    .where(NOT_PAUSED)
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}
