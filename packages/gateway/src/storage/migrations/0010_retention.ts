// Attempt retention (issue 13): an index in the order attempts end, which the pruner walks from a
// stored cursor (and the attempt feed and the lateness figures read, newest first or after a
// cursor, without sorting the table); and one row of the pruner's state, shared by every gateway
// on the database: the cursor, the running count and the last pass, so the admin API of any
// process can tell what was pruned.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // One BIGINT column, as the index on started_at it replaces, whose one reader (the lateness
  // figures) now takes the latest attempts to end: a recorded attempt costs what it cost before
  // (measured with bench/hot-path.ts: a three-column index here added 10 % to claim + record).
  // Ties on ended_at are ordered by (delivery_id, attempt_no) in the few rows that share a value.
  await db.schema.createIndex('attempts_ended').on('attempts').column('ended_at').execute();
  await db.schema.dropIndex('attempts_started').execute();
  await db.schema
    .createTable('retention_state')
    .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
    // Every attempt at or before (ended_at, delivery_id, attempt_no) has been looked at.
    .addColumn('cursor_ended_at', 'bigint', (c) => c.notNull())
    .addColumn('cursor_delivery_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('cursor_attempt_no', 'integer', (c) => c.notNull())
    .addColumn('pruned_total', 'bigint', (c) => c.notNull())
    .addColumn('pass_started_at', 'bigint')
    .addColumn('pass_ended_at', 'bigint')
    .addColumn('pass_cutoff', 'bigint')
    .addColumn('pass_pruned', 'bigint')
    .addColumn('pass_reclaimed_pages', 'bigint')
    .execute();
  await sql`insert into retention_state (id, cursor_ended_at, cursor_delivery_id, cursor_attempt_no, pruned_total)
    values ('attempts', -1, '', 0, 0)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('retention_state').execute();
  await db.schema.dropIndex('attempts_ended').execute();
  await db.schema.createIndex('attempts_started').on('attempts').column('started_at').execute();
}
