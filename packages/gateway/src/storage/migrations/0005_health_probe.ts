// One row that /healthz rewrites: a health check that only reads says "ok" while every write
// fails (a read-only disk, a database failed over to a read-only standby). Upserting this row
// and committing proves the database still takes commits.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('health_probe')
    .addColumn('id', 'varchar(16)', (c) => c.primaryKey())
    .addColumn('checked_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('health_probe').execute();
}
