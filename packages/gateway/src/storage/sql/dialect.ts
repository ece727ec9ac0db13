// What a SQL store needs from its database, and the helpers every part shares. A dialect folder
// (sqlite/, postgres/) only opens the connection and names its capabilities.

import { type Kysely, sql, type Transaction } from 'kysely';
import type { jsonArrayFrom } from 'kysely/helpers/sqlite';
import type { UniqueViolation } from '../../errors.js';
import type { Database } from '../schema.js';
import type { LeaseOwnerHold, ReclaimedSpace, StoreCapabilities } from '../store.js';

export interface SqlDialect {
  db: Kysely<Database>;
  capabilities: StoreCapabilities;
  /**
   * A subquery's rows as one JSON array column, in the subquery's order (`json_group_array` on
   * SQLite, `json_agg` on PostgreSQL): a payment and its transfers in one statement. SQLite hands
   * the array over as JSON text, PostgreSQL's driver as parsed objects.
   */
  jsonArrayFrom: typeof jsonArrayFrom;
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
  /**
   * Gives free pages back to the file system, at most `maxPages`, where the database does not
   * reuse them by itself (SQLite's incremental vacuum; PostgreSQL's autovacuum needs nothing).
   */
  reclaimSpace?(maxPages: number): Promise<ReclaimedSpace>;
  /** Releases what the dialect holds besides the Kysely pool (listener connections). */
  close?(): Promise<void>;
}

export type Db = Kysely<Database> | Transaction<Database>;

// Literals, not parameters, where a partial index must match: neither planner can prove a
// bound parameter satisfies an index's WHERE clause.
export const PENDING = sql.lit('pending');

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
