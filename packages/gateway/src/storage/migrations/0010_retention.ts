// Attempt retention (issue 13): an index in the order attempts end, which the pruner walks from a
// stored cursor (and the attempt feed reads, newest or after a cursor, without sorting the table),
// and one row of the pruner's state, shared by every gateway on the database: the cursor, the
// running count and the last pass, so the admin API of any process can tell what was pruned.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('attempts_ended')
    .on('attempts')
    .columns(['ended_at', 'delivery_id', 'attempt_no'])
    .execute();
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
}
