// Recoveries (docs/decisions.md, "Recoveries"): an operator's action on a selection of deliveries,
// recorded with who asked and when, and run in batches whose progress survives a crash. The lease
// columns let one gateway of many run a recovery at a time. Two indexes on deliveries serve the
// scan: its keyset order (created_at, id), and "not redelivered yet" (who redelivers this one).
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('recoveries')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('action', 'varchar(16)', (c) => c.notNull())
    // The selection as requested, JSON.
    .addColumn('selection', 'text', (c) => c.notNull())
    .addColumn('new_url', 'text')
    .addColumn('requested_by', 'varchar(16)', (c) => c.notNull())
    .addColumn('actor', 'varchar(128)')
    .addColumn('requested_at', 'bigint', (c) => c.notNull())
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('matched', 'integer', (c) => c.notNull())
    .addColumn('processed', 'integer', (c) => c.notNull())
    .addColumn('skipped', 'integer', (c) => c.notNull())
    // The keyset cursor: (created_at, id) of the last delivery taken.
    .addColumn('cursor_at', 'bigint')
    .addColumn('cursor_id', 'varchar(36)')
    .addColumn('locked_by', 'varchar(128)')
    .addColumn('locked_until', 'bigint')
    .addColumn('finished_at', 'bigint')
    .addColumn('error', 'text')
    .execute();
  await db.schema.createIndex('recoveries_requested').on('recoveries').columns(['requested_at', 'id']).execute();
  await db.schema.createIndex('deliveries_created').on('deliveries').columns(['created_at', 'id']).execute();
  // Partial: only redeliveries are in it, so the hot path's inserts of new events never touch it.
  await db.schema
    .createIndex('deliveries_redelivery_of')
    .on('deliveries')
    .column('redelivery_of')
    .where(sql.ref('redelivery_of'), 'is not', null)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('deliveries_redelivery_of').execute();
  await db.schema.dropIndex('deliveries_created').execute();
  await db.schema.dropTable('recoveries').execute();
}
